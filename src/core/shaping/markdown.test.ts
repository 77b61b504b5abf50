import { describe, expect, it } from '@jest/globals';
import { markdownBlocks, renderMarkdown } from './index.js';

// Entry bodies as editors write them, in the three languages of the sample packs.
const bodies = {
  en: [
    'Maize needs phosphorus at planting.',
    '',
    'At planting',
    '- Use **DAP** or a compound fertiliser, about 50 kg per acre.',
    '* Mix it with the soil so the seed does not touch it.',
    '',
    'Top dressing',
    '1. Apply _CAN_ or urea at knee height.',
    '2. Cover urea with a little soil.',
  ].join('\n'),
  sw: [
    'Mahindi yanahitaji fosforasi wakati wa kupanda.',
    '',
    'Wakati wa kupanda',
    '- Tumia **DAP** au mbolea ya mchanganyiko, karibu kilo 50 kwa ekari.',
    '* Ichanganye na udongo ili mbegu isiguse mbolea.',
    '',
    'Mbolea ya kukuzia',
    '1. Weka _CAN_ au urea mahindi yakifika magotini.',
    '2. Funika urea kwa udongo kidogo.',
  ].join('\n'),
  fr: [
    'Le maïs a besoin de phosphore au semis.',
    '',
    'Au semis',
    '- Utilisez du **DAP** ou un engrais composé, environ 50 kg par acre.',
    '* Mélangez-le au sol pour que la graine ne le touche pas.',
    '',
    'En couverture',
    '1. Apportez du _CAN_ ou de l’urée à hauteur du genou.',
    '2. Couvrez l’urée d’un peu de terre.',
  ].join('\n'),
};

describe.each(Object.entries(bodies))('Markdown per channel (%s)', (_lang, md) => {
  const lines = md.split('\n').filter(Boolean);
  const plainOf = (l: string) =>
    l
      .replace(/^[-*] /, '')
      .replace(/\*\*|_/g, '')
      .trim();

  it('USSD and SMS: every list item on a line of its own, no dash, no emphasis markers', () => {
    const plain = renderMarkdown(md, 'plain');
    expect(plain.split('\n')).toEqual(lines.map(plainOf));
    expect(plain).not.toMatch(/(^|\s)[-*] |\*\*|(^|\s)_\S/m);
    // The defect: a heading and its first item ran together as "Wakati wa kupanda - Tumia DAP".
    expect(plain).not.toMatch(/\p{L} - \p{L}/u);
  });

  it('WhatsApp: bullets "•", numbered items kept, *bold* and _italics_ in WhatsApp syntax', () => {
    const wa = renderMarkdown(md, 'whatsapp');
    const out = wa.split('\n');
    expect(out.filter((l) => l.startsWith('• '))).toHaveLength(2);
    expect(out.filter((l) => /^\d\. /.test(l))).toHaveLength(2);
    expect(wa).toContain('*DAP*');
    expect(wa).toContain('_CAN_');
    expect(wa).not.toContain('**');
    // Paragraphs apart, a list's items together.
    expect(wa).toMatch(/\n\n• /);
    expect(wa).toMatch(/\n• [^\n]+\n• /);
  });
});

describe('Markdown blocks', () => {
  it('joins soft-wrapped lines and continues a list item on its next line', () => {
    expect(markdownBlocks('One line\nwrapped here.\n\n- item one\n  goes on\n- item two')).toEqual([
      { kind: 'text', text: 'One line wrapped here.' },
      { kind: 'item', text: 'item one goes on' },
      { kind: 'item', text: 'item two' },
    ]);
  });

  it('turns headings into lines (bold on WhatsApp), drops quotes, rules and link targets on USSD/SMS', () => {
    const md = '## Storage\n> Dry grain first.\n\n---\nSee [the guide](https://example.org/guide).';
    expect(renderMarkdown(md, 'plain')).toBe('Storage\nDry grain first.\nSee the guide.');
    expect(renderMarkdown(md, 'whatsapp')).toBe(
      '*Storage*\n\nDry grain first.\n\nSee the guide (https://example.org/guide).',
    );
  });

  it('leaves underscores inside words and lone asterisks alone', () => {
    expect(renderMarkdown('Use npk_17 at 2 * 50 kg', 'plain')).toBe('Use npk_17 at 2 * 50 kg');
    expect(renderMarkdown('Use npk_17 at 2 * 50 kg', 'whatsapp')).toBe('Use npk_17 at 2 * 50 kg');
  });
});
