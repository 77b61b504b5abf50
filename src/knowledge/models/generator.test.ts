import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../platform/config/index.js';
import { type Generator, loadGenerator } from './generator.js';
import { unsupportedTerms } from './guard.js';

const FIXTURES = path.resolve('tests/fixtures/models');
const config = loadConfig({ MODELS_DIR: FIXTURES });

/** What the fixture decoder was trained on (scripts/build-fixture-models.py): question, passage per language. */
interface Example {
  lang: string;
  question: string;
  passage: string;
}
const examples = JSON.parse(
  readFileSync(path.join(FIXTURES, 'baraza-fixtures/tiny-gpt2/fixture_examples.json'), 'utf8'),
) as Example[];

describe('loadGenerator with the fixture decoder', () => {
  let generator: Generator;
  const rejections: string[] = [];
  beforeAll(async () => {
    generator = (await loadGenerator(config, 'baraza-fixtures/tiny-gpt2', { onReject: (r) => rejections.push(r) }))!;
  });

  it('is opt-in: nothing is loaded when GENERATION_MODEL is unset', async () => {
    await expect(loadGenerator(config)).resolves.toBeUndefined();
    expect(generator.id).toBe('baraza-fixtures/tiny-gpt2');
  });

  it.each(['en', 'sw', 'fr'])('condenses a passage in %s into a short answer drawn from it', async (lang) => {
    const ex = examples.find((e) => e.lang === lang)!;
    const out = await generator.condense({ ...ex, maxChars: 160, deadlineMs: 10_000 });
    expect(typeof out).toBe('string');
    expect(out!.length).toBeGreaterThan(0);
    expect(out!.length).toBeLessThanOrEqual(160);
    expect(unsupportedTerms(out!, ex)).toEqual([]);
  });

  it('drops output that brings in words from elsewhere (faithfulness guard)', async () => {
    // the fixture answers from memory for this question; paired with another passage, its words are foreign
    const [a, b] = [examples[0]!, examples.find((e) => e.lang === 'en' && e.passage !== examples[0]!.passage)!];
    rejections.length = 0;
    const out = await generator.condense({
      question: a.question,
      passage: b.passage,
      lang: 'en',
      maxChars: 160,
      deadlineMs: 10_000,
    });
    expect(out).toBeUndefined();
    expect(rejections.join('\n')).toMatch(/not in the passage|did not finish/);
  });

  it('drops output longer than the budget', async () => {
    const ex = examples.find((e) => e.lang === 'en')!;
    rejections.length = 0;
    await expect(generator.condense({ ...ex, maxChars: 20, deadlineMs: 10_000 })).resolves.toBeUndefined();
    expect(rejections).toHaveLength(1);
  });

  it('gives up at once when the deadline cannot be met, without running the model', async () => {
    const ex = examples[0]!;
    rejections.length = 0;
    await expect(generator.condense({ ...ex, maxChars: 160, deadlineMs: 1 })).resolves.toBeUndefined();
    expect(rejections[0]).toMatch(/would overrun the deadline/);
  });

  it('never takes much longer than a deadline it starts under', async () => {
    const ex = examples[1]!;
    for (const deadlineMs of [20, 60, 150]) {
      const started = performance.now();
      const out = await generator.condense({ ...ex, maxChars: 160, deadlineMs });
      const elapsed = performance.now() - started;
      // one decoding step may finish after the deadline; the answer is then dropped
      expect(elapsed).toBeLessThan(deadlineMs + 100);
      if (out !== undefined) expect(elapsed).toBeLessThanOrEqual(deadlineMs);
    }
  });

  it('has no prompt for a language without a template, and says so', async () => {
    rejections.length = 0;
    await expect(
      generator.condense({ ...examples[0]!, lang: 'yo', maxChars: 160, deadlineMs: 10_000 }),
    ).resolves.toBeUndefined();
    expect(rejections[0]).toMatch(/no condense prompt for language "yo"/);
  });
});
