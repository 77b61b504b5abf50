import { describe, expect, it } from '@jest/globals';
import { checkGenerated, cleanGenerated, unsupportedTerms } from './guard.js';
import { renderPrompt } from './prompts.js';

const passage =
  'Plant beans at the start of the rains in moist soil: rows 45-50 cm apart, seeds 10-15 cm apart, 3-5 cm deep.';

describe('faithfulness guard', () => {
  it('accepts a restatement that only uses the passage', () => {
    expect(
      checkGenerated('Plant beans when the rains start, rows 45-50 cm apart.', { passage, maxChars: 160 }),
    ).toEqual({
      ok: true,
      text: 'Plant beans when the rains start, rows 45-50 cm apart.',
    });
  });

  it('rejects a number that is not in the passage', () => {
    const verdict = checkGenerated('Plant beans with rows 60 cm apart.', { passage, maxChars: 160 });
    expect(verdict).toEqual({ ok: false, reason: expect.stringContaining('60') });
  });

  it('rejects content words that the passage does not contain', () => {
    expect(unsupportedTerms('Spray beans with pesticide before planting.', { passage })).toEqual([
      'spray',
      'pesticide',
    ]);
  });

  it('tolerates inflections, case, diacritics and words taken from the question', () => {
    const fr = 'Semez au début des pluies en sol humide.';
    expect(unsupportedTerms('SEMEZ au debut des pluies.', { passage: fr })).toEqual([]);
    expect(unsupportedTerms('Planting beans: rows 45 cm apart.', { passage })).toEqual([]);
    expect(
      unsupportedTerms('Climbing beans: rows 45 cm apart.', { passage, question: 'When do I plant climbing beans?' }),
    ).toEqual([]);
  });

  it('does not let the question supply numbers', () => {
    expect(unsupportedTerms('Use 200 kg.', { passage, question: 'Can I use 200 kg?' })).toEqual(['200']);
  });

  it('rejects empty and over-long output', () => {
    expect(checkGenerated('  \n ', { passage, maxChars: 100 })).toEqual({ ok: false, reason: 'empty output' });
    expect(checkGenerated('...', { passage, maxChars: 100 }).ok).toBe(false);
    const long = checkGenerated(passage, { passage, maxChars: 40 });
    expect(long).toEqual({ ok: false, reason: expect.stringMatching(/characters, budget is 40/) });
  });

  it('strips an echoed label, quotes and later paragraphs before checking', () => {
    expect(cleanGenerated('Answer: "Plant beans at the start of the rains."\n\nQuestion: more?')).toBe(
      'Plant beans at the start of the rains.',
    );
    expect(cleanGenerated('Jibu:  Panda maharagwe\n mwanzo wa mvua')).toBe('Panda maharagwe mwanzo wa mvua');
  });
});

describe('prompt templates', () => {
  it('fills placeholders and refuses unknown ones', () => {
    expect(renderPrompt('Q: {{question}} ({{maxChars}})', { question: 'why?', maxChars: 160 })).toBe('Q: why? (160)');
    expect(() => renderPrompt('{{nope}}', {})).toThrow(/nope/);
  });
});
