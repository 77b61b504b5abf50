import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TempPack } from '../../../tests/support/packs.js';
import { loadConfig } from '../../platform/config/index.js';
import { loadPack } from '../packs/load.js';
import type { LoadedPack } from '../packs/types.js';
import {
  type CalibrationSample,
  calibratePack,
  DEFAULT_TARGETS,
  deriveThresholds,
  offTopicProbes,
  rates,
} from './calibration.js';
import type { Candidate } from './decide.js';
import { buildPackDocs, buildSnapshot } from './engine.js';
import { createAnswerer } from './index.js';
import { indexPath, serialisePackIndex, writePackIndex } from './index-store.js';
import { writeSmallPack } from './testdata/small-pack.js';

const ROOT = path.resolve(new URL('.', import.meta.url).pathname, '../../..');

const sample = (evidence: number, extra: Partial<Candidate> = {}, rightRank = -1): CalibrationSample => ({
  features: {
    candidates: [{ score: 1, evidence, namesSubject: false, ...extra }],
    outOfScope: [],
    short: false,
    strength: 0,
  },
  rightRank,
});

describe('thresholds from score distributions', () => {
  it('puts "don\'t know" where at most the target share of probes gets through, and answers higher up', () => {
    // 100 probes with evidence 0.00 .. 0.99; pseudo-questions from 0 to 2, mostly above.
    const probes = Array.from({ length: 100 }, (_, i) => sample(i / 100));
    const pseudo = Array.from({ length: 50 }, (_, i) => sample(i / 25, {}, 0));
    const t = deriveThresholds({ probes, pseudo }, { choices: 0.1, answer: 0.05 });
    const through = (x: number) => probes.filter((p) => p.features.candidates[0]!.evidence >= x).length;
    expect(through(t.choices)).toBe(10);
    expect(through(t.answer)).toBe(5);
    const r = rates({ probes, pseudo }, t);
    expect(r.probeRates).toEqual({ n: 100, answered: 5, choices: 5, declined: 90 });
    expect(r.pseudo.answeredRight).toBe(pseudo.filter((p) => p.features.candidates[0]!.evidence >= t.answer).length);
    expect(r.pseudo.declined).toBe(pseudo.filter((p) => p.features.candidates[0]!.evidence < t.choices).length);
  });

  it("never puts it below what nearly all of the pack's own pseudo-questions reach (small packs)", () => {
    // Probes barely touch a small pack's words: they alone would accept almost anything.
    const probes = Array.from({ length: 100 }, (_, i) => sample(i < 95 ? 0 : 0.01));
    const pseudo = Array.from({ length: 100 }, (_, i) => sample(0.5 + i / 100, {}, 0));
    const t = deriveThresholds({ probes, pseudo }, { choices: 0.1, answer: 0.05 });
    expect(t.choices).toBeCloseTo(0.52, 5);
    expect(rates({ probes, pseudo }, t).pseudo.declined).toBe(2);
  });

  it('sets the evidence and strength levels together, so that either lets at most the target share through', () => {
    // Evidence and strength disagree on which probes look answerable: each level alone would admit 10.
    const probes = Array.from({ length: 100 }, (_, i) => ({
      features: {
        candidates: [{ score: 1, evidence: i / 100, namesSubject: false }],
        outOfScope: [],
        short: false,
        strength: ((i * 37) % 100) / 10,
      },
      rightRank: -1,
    }));
    const t = deriveThresholds({ probes, pseudo: [] }, { choices: 0.1, answer: 0.05 });
    const through = probes.filter(
      (p) => p.features.candidates[0]!.evidence >= t.choices || p.features.strength >= t.strength,
    ).length;
    expect(through).toBeLessThanOrEqual(10);
    expect(through).toBeGreaterThanOrEqual(8);
    expect(rates({ probes, pseudo: [] }, t).probeRates.declined).toBe(100 - through);
  });

  it('counts short subject questions (always offered choices) against the budget', () => {
    const probes = [
      ...Array.from({ length: 95 }, (_, i) => sample(i / 100)),
      ...Array.from({ length: 5 }, () => ({
        features: {
          candidates: [{ score: 1, evidence: 0.01, namesSubject: true }],
          outOfScope: [],
          short: true,
          strength: 0,
        },
        rightRank: -1,
      })),
    ];
    const t = deriveThresholds({ probes, pseudo: [] }, { choices: 0.1, answer: 0.05 });
    expect(rates({ probes, pseudo: [] }, t).probeRates.declined).toBe(90);
  });

  it('never lets out-of-scope probes count as accepted', () => {
    const probes = Array.from({ length: 10 }, () => ({
      features: { candidates: [], outOfScope: ['live-prices'], short: false, strength: 0 },
      rightRank: -1,
    }));
    const t = deriveThresholds({ probes, pseudo: [] }, DEFAULT_TARGETS);
    expect(rates({ probes, pseudo: [] }, t).probeRates.declined).toBe(10);
  });
});

describe('calibration of a pack from itself', () => {
  let small: TempPack;
  let pack: LoadedPack;

  beforeAll(async () => {
    small = await writeSmallPack();
    pack = (await loadPack(small.dir)).pack!;
  });
  afterAll(() => small.remove());

  it('measures its pseudo-questions and the shipped probes of every language, and derives its thresholds', async () => {
    expect(offTopicProbes().probes.length).toBeGreaterThan(500);
    const c = await calibratePack(pack, await buildPackDocs(pack));
    expect(c.pack).toBe('small-livestock');
    expect(c.contentHash).toBe(pack.contentHash);
    expect(c.thresholds.choices).toBeGreaterThan(0);
    expect(c.thresholds.answer).toBeGreaterThanOrEqual(c.thresholds.choices);
    expect(c.probeRates.n).toBe(offTopicProbes().probes.length);
    expect(c.probeRates.declined / c.probeRates.n).toBeGreaterThanOrEqual(1 - DEFAULT_TARGETS.choices);
    expect(c.probeRates.answered / c.probeRates.n).toBeLessThanOrEqual(DEFAULT_TARGETS.answer);
    const p = c.pseudo;
    expect(p.answeredRight + p.answeredWrong + p.choicesWithRight + p.choicesWithoutRight + p.declined).toBe(p.n);
    expect((p.answeredRight + p.choicesWithRight) / p.n).toBeGreaterThan(0.7);
  });

  it('gives another pack other thresholds (nothing is fixed for the sample packs)', async () => {
    const agri = (await loadPack(path.join(ROOT, 'packs/agri-advisory'))).pack!;
    const a = await calibratePack(agri, await buildPackDocs(agri));
    const s = await calibratePack(pack, await buildPackDocs(pack));
    expect(a.thresholds.choices).not.toBeCloseTo(s.thresholds.choices, 3);
  });

  it('is stored with the index by packs build and read back instead of measured again', async () => {
    const indexDir = path.join(small.root, 'index');
    const docs = await buildPackDocs(pack);
    const calibration = await calibratePack(pack, docs);
    await writePackIndex(indexDir, serialisePackIndex(pack, docs, undefined, calibration));
    const file = indexPath(indexDir, pack.manifest.id, pack.contentHash);
    const stored = JSON.parse(await readFile(file, 'utf8'));
    expect(stored.calibration.thresholds).toEqual(calibration.thresholds);
    // A marked value proves the snapshot takes the stored calibration rather than measuring again.
    stored.calibration.thresholds.choices = 0.123;
    await writeFile(file, JSON.stringify(stored));
    const snap = await buildSnapshot([pack], { indexDir });
    expect(snap.indexSource[pack.manifest.id]).toBe('stored');
    expect(snap.calibrations[pack.manifest.id]!.thresholds.choices).toBe(0.123);
    // One made by another calibration procedure is measured again.
    stored.calibration.version = -1;
    await writeFile(file, JSON.stringify(stored));
    const again = await buildSnapshot([pack], { indexDir });
    expect(again.calibrations[pack.manifest.id]!.thresholds).toEqual(calibration.thresholds);
    // So is one made for other false-accept targets.
    stored.calibration.version = calibration.version;
    stored.calibration.targets = { choices: 0.2, answer: 0.1 };
    await writeFile(file, JSON.stringify(stored));
    const retargeted = await buildSnapshot([pack], { indexDir });
    expect(retargeted.calibrations[pack.manifest.id]!.thresholds).toEqual(calibration.thresholds);
  });

  it('is measured again when the pack changes (hot reload)', async () => {
    const changed = await writeSmallPack();
    try {
      const config = loadConfig({
        PACKS_DIR: changed.dir,
        INDEX_DIR: path.join(changed.root, 'no-index'),
        MODELS_DIR: path.join(changed.root, 'no-models'),
      });
      const answerer = await createAnswerer({ config, watch: true, debounceMs: 50, embedder: null, translator: null });
      try {
        const before = answerer.snapshot()!.calibrations['small-livestock']!;
        const file = path.join(changed.dir, 'entries', 'rabbit-housing.en.md');
        const text = await readFile(file, 'utf8');
        await writeFile(file, text.replace('fresh water every day', 'fresh water and hay every day'));
        const end = Date.now() + 20_000;
        while (answerer.snapshot()!.calibrations['small-livestock']!.contentHash === before.contentHash) {
          if (Date.now() > end) throw new Error('the pack was not reloaded');
          await new Promise((r) => setTimeout(r, 50));
        }
        const after = answerer.snapshot()!.calibrations['small-livestock']!;
        expect(after.contentHash).toBe((await loadPack(changed.dir)).pack!.contentHash);
        expect(after.contentHash).not.toBe(before.contentHash);
      } finally {
        await answerer.close();
      }
    } finally {
      await changed.remove();
    }
  }, 40_000);
});
