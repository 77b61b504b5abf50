/**
 * Issue 11 on USSD, end to end through the AT route, the queues and the worker over the sample packs:
 * one language per screen, the full answer by SMS for answers the screens cut, list items as lines.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { processInbound } from '../../src/apps/worker/inbound.js';
import { processOutbound } from '../../src/apps/worker/outbound.js';
import type { InboundMessage, OutboundMessage } from '../../src/core/messages/index.js';
import { analyseSms, normaliseForSms } from '../../src/core/shaping/index.js';
import { loadUssdMenus } from '../../src/dialogue/ussd/menus.js';
import { createUssdDialogue } from '../../src/dialogue/ussd/session.js';
import { USSD_OFFER_LABEL } from '../../src/knowledge/answer/compose.js';
import type { AppContext } from '../../src/platform/context.js';
import type { WorkerHandle } from '../../src/platform/queue/index.js';
import { sharedAnswerer } from '../../tests/support/answerer.js';
import { makeTestContext } from '../../tests/support/context.js';
import { request, serveSurfaces } from '../../tests/support/http.js';
import { readOutbox } from '../simulator/outbox.js';
import { AT_ROOT, africasTalkingRouter } from './routes.js';
import { ussdFirstHop as firstHop } from './testcases.js';

const MAX = 160;
let seq = 0;

interface Harness {
  ctx: AppContext;
  base: string;
  close(): Promise<void>;
}

async function harness(): Promise<Harness> {
  const ctx = await makeTestContext({ answerer: await sharedAnswerer() });
  const gw = await serveSurfaces(ctx, [
    (c) => ({ path: AT_ROOT, router: africasTalkingRouter(c, createUssdDialogue(c, loadUssdMenus())) }),
  ]);
  const workers: WorkerHandle[] = [
    ctx.queues.queue<InboundMessage>('inbound').process((job) => processInbound(ctx, async () => [], job)),
    ctx.queues.queue<OutboundMessage>('outbound').process((job) => processOutbound(ctx, {}, job)),
  ];
  return {
    ctx,
    base: gw.base,
    async close() {
      for (const w of workers) await w.close();
      await gw.close();
      await ctx.queues.close();
    },
  };
}

/** One USSD session as Africa's Talking drives it: `text` is every input so far joined by `*`. */
class Session {
  readonly id = `ATUid_screens_${++seq}_${Date.now()}`;
  readonly inputs: string[] = [];
  constructor(
    private readonly h: Harness,
    readonly phone = `+2547120${String(70000 + seq).padStart(5, '0')}`,
  ) {}
  dial(): Promise<string> {
    return this.send();
  }
  private last = '';
  press(input: string): Promise<string> {
    this.inputs.push(input);
    return this.send();
  }
  /** Presses the item of the last screen whose label matches (menus are numbered from the loaded packs). */
  choose(label: RegExp): Promise<string> {
    const line = this.last.split('\n').find((l) => /^\d+ /.test(l) && label.test(l.replace(/^\d+ /, '')));
    if (!line) throw new Error(`no item matching ${label} on: ${this.last}`);
    return this.press(line.split(' ')[0]!);
  }
  /** The carrier retries the last hop: the same `text` again. */
  retry(): Promise<string> {
    return this.send();
  }
  private async send(): Promise<string> {
    const res = await request(this.h.base, {
      method: 'POST',
      url: '/channels/africastalking/ussd',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        ...firstHop,
        sessionId: this.id,
        phoneNumber: this.phone,
        text: this.inputs.join('*'),
      }).toString(),
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/^(CON|END) /);
    expect(res.body.length - 4).toBeLessThanOrEqual(MAX);
    this.last = res.body;
    return res.body;
  }
}

const LANGUAGE_KEY = { en: '1', sw: '2', fr: '3' } as const;
/** The main menu's language item, in whichever language the menu speaks. */
const LANGUAGE_ITEM = /^(Change language|Badilisha lugha|Changer de langue)$/;
const NAV = {
  en: { more: '1 More', back: '0 Back', full: '2 Full answer by SMS', sent: 'The full answer is on its way by SMS.' },
  sw: { more: '1 Zaidi', back: '0 Rudi', full: '2 Jibu kamili kwa SMS', sent: 'Jibu kamili linakuja kwa SMS.' },
  fr: {
    more: '1 Suite',
    back: '0 Retour',
    full: '2 Réponse complète par SMS',
    sent: 'La réponse complète arrive par SMS.',
  },
} as const;
const MAIN = { en: '1 Ask a question', sw: '1 Uliza swali', fr: '1 Poser une question' } as const;
const OTHER_NAV = (lang: keyof typeof NAV) =>
  (Object.keys(NAV) as (keyof typeof NAV)[]).filter((l) => l !== lang).flatMap((l) => [NAV[l].more, NAV[l].back]);

async function waitForOutbox(h: Harness, phone: string, n: number) {
  const until = Date.now() + 5000;
  let items = await readOutbox(h.ctx.store, phone);
  while (items.length < n && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50));
    items = await readOutbox(h.ctx.store, phone);
  }
  return items;
}

describe('USSD: one language per screen', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => h.close());

  const answered = [
    { lang: 'en', question: 'how do i dry maize before storing' },
    { lang: 'sw', question: 'nivune mahindi lini na nikaushe vipi' },
    { lang: 'fr', question: 'comment sécher le maïs avant de le stocker' },
  ] as const;

  it.each(answered)(
    'a user who never chose a language asks in $lang: the answer, its navigation and the menu after it speak $lang',
    async ({ lang, question }) => {
      const s = new Session(h);
      expect(await s.dial()).toContain(MAIN.en);
      await s.press('1');
      const page = await s.press(question);
      expect(page).toMatch(/^CON /);
      expect(page.endsWith(`\n${NAV[lang].back}`)).toBe(true);
      for (const other of OTHER_NAV(lang)) expect(page).not.toContain(`\n${other}`);
      // Back to the menu, still in the language they wrote in.
      let screen = page;
      for (let i = 0; i < 5 && !screen.includes(MAIN[lang]); i++) screen = await s.press('0');
      expect(screen).toContain(MAIN[lang]);
    },
  );

  const unknown = [
    { lang: 'en', saved: 'sw', question: 'who won the football match last night', says: "Sorry, I don't have" },
    { lang: 'sw', saved: 'en', question: 'nani alishinda mechi ya mpira jana usiku', says: 'Samahani, bado sina' },
    { lang: 'fr', saved: 'en', question: 'qui a gagné le match de football hier soir', says: "Désolé, je n'ai pas" },
  ] as const;

  it.each(unknown)(
    '"I don\'t know" to a $lang question follows the question, not the saved language ($saved)',
    async ({ lang, saved, question, says }) => {
      const s = new Session(h);
      await s.dial();
      await s.choose(LANGUAGE_ITEM);
      expect(await s.press(LANGUAGE_KEY[saved])).toContain(MAIN[saved]);
      await s.press('1');
      const screen = await s.press(question);
      expect(screen.startsWith(`CON ${says}`)).toBe(true);
      expect(screen.endsWith(`\n${NAV[lang].back}`)).toBe(true);
    },
  );
});

describe('USSD: long answers offer the full answer by SMS', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => h.close());

  const long = [
    { lang: 'en', question: 'what fertilizer does maize need and when', source: / Src: KALRO$/ },
    { lang: 'sw', question: 'mahindi yanahitaji mbolea gani na lini', source: / Chanzo: KALRO$/ },
    { lang: 'fr', question: 'quel engrais faut il pour le maïs et quand', source: / Src: KALRO$/ },
  ] as const;

  it.each(long)(
    '$lang: the last page offers it; choosing it queues one SMS with the source, once however often it is chosen or retried',
    async ({ lang, question, source }) => {
      const s = new Session(h);
      await s.dial();
      await s.choose(LANGUAGE_ITEM);
      await s.press(LANGUAGE_KEY[lang]);
      await s.press('1');
      const pages = [await s.press(question)];
      while (pages.at(-1)!.includes(`\n${NAV[lang].more}\n`)) pages.push(await s.press('1'));
      expect(pages.length).toBeLessThanOrEqual(3);
      const last = pages.at(-1)!;
      expect(last.endsWith(`\n${NAV[lang].full}\n${NAV[lang].back}`)).toBe(true);
      // Pages break between words, list items are lines of their own, and no Markdown shows.
      for (const p of pages) expect(p).not.toMatch(/\p{L} - \p{L}|\*\*|^[-*] /mu);
      for (const p of pages.slice(0, -1)) expect(p).not.toContain(NAV[lang].full);

      const chosen = await s.press('2');
      expect(chosen.startsWith(`CON ${NAV[lang].sent}`)).toBe(true);
      await s.retry();
      await s.press('2');
      const outbox = await waitForOutbox(h, s.phone, 1);
      await new Promise((r) => setTimeout(r, 200));
      expect(await readOutbox(h.ctx.store, s.phone)).toHaveLength(1);
      const sms = outbox[0]!;
      expect(sms).toMatchObject({ channel: 'sms', to: s.phone });
      expect(analyseSms(sms.text).segments).toBeLessThanOrEqual(h.ctx.config.sms.maxSegments);
      expect(sms.text).toMatch(source);
      // At least what the screens held, cut (if at all) after a whole sentence.
      const words = (t: string) => t.split(/\s+/).filter(Boolean).length;
      const shown = pages.map((p) => p.slice(4).split('\n').slice(0, -2).join(' ')).join(' ');
      expect(words(sms.text)).toBeGreaterThanOrEqual(words(shown));
      expect(sms.text).not.toMatch(/\p{L} - \p{L}/u);
      expect(sms.text.replace(source, '')).toMatch(/[.!?]$/);
    },
  );

  it("every locale's offer fits the room the answer composition leaves for it", () => {
    for (const lang of Object.keys(NAV) as (keyof typeof NAV)[]) {
      const label = normaliseForSms(`2 ${h.ctx.i18n.t(lang, 'ussd:nav.fullSms')}`, lang);
      expect(label).toBe(normaliseForSms(NAV[lang].full, lang));
      expect(label.length).toBeLessThanOrEqual(USSD_OFFER_LABEL.length);
    }
  });

  it('a short answer offers no SMS, and "2" on it is an invalid choice', async () => {
    const s = new Session(h);
    await s.dial();
    await s.press('1');
    // A one-screen answer (the packs' own answers all run to several screens): "I don't know" to an off-topic one.
    const page = await s.press('who won the football match yesterday');
    expect(page).toMatch(/^CON Sorry/);
    expect(page).not.toContain(NAV.en.more);
    expect(page).not.toContain(NAV.en.full);
    expect(await s.press('2')).toContain('Invalid choice.');
    expect(await readOutbox(h.ctx.store, s.phone)).toHaveLength(0);
  });
});
