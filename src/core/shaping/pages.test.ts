import { describe, expect, it } from '@jest/globals';
import { normaliseForSms, paginateUssd } from './index.js';

const texts = {
  en: 'Dry maize to 13 percent moisture before storage. Shell it and clean out broken grain. Store it in hermetic bags off the floor, away from walls. Check the bags every month for insects and damp. Sell or eat the oldest grain first.',
  sw: 'Kausha mahindi hadi unyevu wa asilimia 13 kabla ya kuhifadhi. Pukuchua na uondoe punje zilizovunjika. Hifadhi kwenye mifuko isiyopitisha hewa juu ya sakafu, mbali na kuta. Kagua mifuko kila mwezi. Uza au kula nafaka ya zamani kwanza.',
  fr: "Séchez le maïs à 13 pour cent d'humidité avant de le stocker. Égrenez-le et retirez les grains cassés. Stockez-le en sacs hermétiques sur des palettes, loin des murs. Contrôlez les sacs chaque mois. Vendez ou mangez d'abord le grain le plus ancien.",
};

describe.each(Object.entries(texts))('USSD answer pages (%s)', (lang, raw) => {
  const text = normaliseForSms(raw, lang);
  const labels = { more: '1 More', back: '0 Back', last: '2 Full answer by SMS' };
  const pages = paginateUssd(text, 160, labels);

  it('end at a sentence, never inside a word, and give the text back whole', () => {
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.map((p) => p.text).join('')).toBe(text);
    for (const p of pages.slice(0, -1)) {
      expect(p.text.trimEnd()).toMatch(/[.!?]$/);
      expect(p.screen.length).toBeLessThanOrEqual(160);
    }
  });

  it('show the last-page label on the last page only', () => {
    expect(pages.at(-1)!.screen.endsWith('\n2 Full answer by SMS\n0 Back')).toBe(true);
    for (const p of pages.slice(0, -1)) expect(p.screen.endsWith('\n1 More\n0 Back')).toBe(true);
    expect(pages.at(-1)!.screen.length).toBeLessThanOrEqual(160);
  });
});
