import path from 'node:path';
import type { Logger } from 'pino';
import type { Answerer, AnswerRequest, AnswerResult, Catalogue, Citation } from '../../core/answers.js';
import type { Config } from '../../platform/config/index.js';
import type { KeyValueStore } from '../../platform/store/index.js';
import { type LibraryStatus, PackLibrary } from '../packs/library.js';
import type { LoadedPack } from '../packs/types.js';
import { type AnalysedQuery, analyseQuery, isGroupToken } from './analyse.js';
import { PackCatalogue, toView } from './catalogue.js';
import { type ChannelBudget, composeAnswer, composeNotFound, type SentenceScorer } from './compose.js';
import {
  type Embedder,
  embedderId,
  loadCondenserIfAvailable,
  loadEmbedderIfAvailable,
  loadTranslatorIfAvailable,
  type TextCondenser,
  type TextTranslator,
} from './dense.js';
import { buildSnapshot, type Snapshot } from './engine.js';
import { recordGap } from './gaps.js';
import type { LanguageGuess } from './langid.js';
import type { Alternative, EntryHit, FusionWeights } from './lexical.js';
import { normalise, stem, words } from './text.js';

export type {
  Answerer,
  AnswerRequest,
  AnswerResult,
  Catalogue,
  Citation,
  EntryView,
  PackInfo,
} from '../../core/answers.js';
export type { Embedder, TextCondenser, TextTranslator } from './dense.js';
export type { Snapshot } from './engine.js';
export { GAPS_KEY, type KnowledgeGap, listGaps, recordGap } from './gaps.js';

/*
 * Confidence. Two lexical signals of the best entry (lexical.ts `coverage`): how much of the question it
 * covers (idf-weighted share of the question's words found in it) and how much information that is (the
 * covered idf itself: "what time is it" is fully covered by a loan entry titled "...on time", but by one
 * common word). Their product is the evidence; confidence = evidence / (evidence + EVIDENCE_THRESHOLD), so the
 * threshold maps to 0.5. Idf is counted in units of the rarest word's idf, so the scale does not move with
 * the size of the packs (a six-entry pack has no word with an idf above 1.6). The threshold is chosen on
 * questions written apart from the benchmark set: src/knowledge/answer/testdata/calibration.jsonl (41, 12 off-topic),
 * tune.jsonl (260, 20 off-topic) and dev.jsonl together, 309 answered right by the ranking and 32 off-topic.
 * There 0.62 answers none of the off-topic ones and holds back 22 right answers; 0.58 would answer 3 off-topic
 * ones (weather, football, bitcoin: words the packs also use) and hold back 20; 0.66 holds back 26
 * (`npx tsx scripts/eval-retrieval.ts` prints this table). On the
 * benchmark set it answers 2 of 15 off-topic questions and holds back 19 of 246 answerable ones
 * (bench/results/retrieval.json reports it each run). retrieval.test.ts re-checks the calibration set.
 */
export const EVIDENCE_THRESHOLD = 0.62;
/** Answers below this confidence are still given but recorded as gaps (editors may want a better entry). */
export const LOW_CONFIDENCE = 0.65;

export function confidenceFromEvidence(evidence: number): number {
  const e = Math.max(0, evidence);
  return Math.round((e / (e + EVIDENCE_THRESHOLD)) * 1000) / 1000;
}

/** Related entries shown as further citations must score this close to the best one. */
const RELATED_MIN_SCORE = 0.85;
const MAX_CITATIONS = 3;

export interface Retrieval {
  hits: EntryHit[];
  coverage: number;
  matched: number;
  tokenScore: number;
  confidence: number;
  found: boolean;
  /** The language the user is taken to write in. */
  userLang: string;
  guess?: LanguageGuess;
  query: AnalysedQuery;
  alternatives: Alternative[][];
}

/** Below this, an unreliable guess is no better than the packs' default language. */
const PLAUSIBLE_GUESS = 0.75;

/**
 * Language of the user: the detected one when the text says so clearly, else the saved/requested one
 * (short questions, loanwords), else a plausible guess, else the first pack's default ("xqzv blorp").
 */
export function chooseUserLanguage(
  requested: string | undefined,
  guess: LanguageGuess | undefined,
  fallback: string,
): string {
  if (guess?.reliable) return guess.lang;
  if (requested) return requested;
  return guess && guess.probability >= PLAUSIBLE_GUESS ? guess.lang : fallback;
}

/** Retrieval only (no composition): what `answer` and the benchmark measure. */
export async function retrieve(
  snapshot: Snapshot,
  question: string,
  opts: { lang?: string; embedder?: Embedder; limit?: number; fusion?: FusionWeights } = {},
): Promise<Retrieval> {
  const guess = snapshot.langModel.detect(question, snapshot.languages);
  const fallbackLang = snapshot.packs[0]?.manifest.defaultLanguage ?? 'en';
  const userLang = chooseUserLanguage(opts.lang, guess, fallbackLang);
  const langs = [userLang, ...snapshot.languages.filter((l) => l !== userLang)];
  const query = analyseQuery(question, {
    langs,
    synonyms: snapshot.synonyms,
    isKnownTerm: (t) => snapshot.index.hasTerm(t),
  });
  let queryVector: Float32Array | undefined;
  if (opts.embedder && snapshot.embeddingModel && query.units.length > 0) {
    queryVector = (await opts.embedder.embedQueries([question]))[0];
  }
  const outcome = snapshot.index.search(query, {
    limit: opts.limit ?? 10,
    queryVector,
    fusion: opts.fusion,
    preferLang: guess?.reliable ? guess.lang : undefined,
  });
  const evidence = outcome.coverage * outcome.matched;
  const confidence = outcome.hits.length > 0 ? confidenceFromEvidence(evidence) : 0;
  return {
    hits: outcome.hits,
    coverage: outcome.coverage,
    matched: outcome.matched,
    tokenScore: outcome.tokenScore,
    confidence,
    found: outcome.hits.length > 0 && evidence >= EVIDENCE_THRESHOLD,
    userLang,
    guess,
    query,
    alternatives: outcome.alternatives,
  };
}

/** Sentence relevance for extractive summaries: the question's words (and synonyms) a sentence contains. */
function sentenceScorer(snapshot: Snapshot, r: Retrieval): SentenceScorer {
  const weights = new Map<string, number>();
  for (const alts of r.alternatives) {
    for (const a of alts)
      weights.set(a.term, Math.max(weights.get(a.term) ?? 0, a.weight * snapshot.index.idf(a.term)));
  }
  return (sentence) => {
    const toks = words(normalise(sentence)).map(stem);
    const seen = new Set<string>(toks);
    for (const groups of snapshot.synonyms.match(toks)) for (const g of groups) seen.add(g);
    let score = 0;
    for (const [term, w] of weights) if (seen.has(term) || (isGroupToken(term) && seen.has(term))) score += w;
    return score;
  };
}

export interface CreateAnswererOptions {
  config: Config;
  store?: KeyValueStore;
  log?: Logger;
  /** Pack folders (or folders of packs) replacing config.packsDirs (`ask --pack`). */
  packs?: string[];
  /** Watch the pack folders and reload on change (default true). */
  watch?: boolean;
  /** Use stored indexes from INDEX_DIR when they match (default true). */
  useStoredIndex?: boolean;
  /** Inject an embedding model (tests); `null` forces the lexical tier. Default: the models runtime decides. */
  embedder?: Embedder | null;
  translator?: TextTranslator | null;
  /** Generative condensing of entries without an editor summary; default: GENERATION_MODEL via src/knowledge/models. */
  condenser?: TextCondenser | null;
  debounceMs?: number;
}

export interface AnswererStatus extends LibraryStatus {
  tier: 'lexical' | 'dense';
  index: Record<string, 'stored' | 'memory'>;
}

export interface BarazaAnswerer extends Answerer {
  /** Retrieval only, on the current snapshot (benchmarks, debugging). */
  retrieve(question: string, opts?: { lang?: string; limit?: number }): Promise<Retrieval>;
  /** Re-read the packs now (also happens on file changes when watching). */
  reload(): Promise<{ changed: boolean; errors: string[] }>;
  status(): AnswererStatus;
  snapshot(): Snapshot | undefined;
  close(): Promise<void>;
}

/** Budget for answers from the config (USSD: three "More" screens). */
export function channelBudget(config: Config): ChannelBudget {
  return { smsMaxSegments: config.sms.maxSegments, ussdMaxChars: config.ussd.maxChars, ussdMaxScreens: 3 };
}

/**
 * The answerer workers and `baraza ask` use: loads and watches the packs, answers from the last good index,
 * records knowledge gaps when a store is given.
 */
export async function createAnswerer(opts: CreateAnswererOptions): Promise<BarazaAnswerer> {
  const { config, log } = opts;
  const embedder = opts.embedder === null ? undefined : (opts.embedder ?? (await loadEmbedderIfAvailable(config, log)));
  const translator =
    opts.translator === null ? undefined : (opts.translator ?? (await loadTranslatorIfAvailable(config, log)));
  const condenser =
    opts.condenser === null ? undefined : (opts.condenser ?? (await loadCondenserIfAvailable(config, log)));
  const embedId = embedder ? embedderId(embedder, config) : undefined;
  const budget = channelBudget(config);
  const dirs = opts.packs ?? config.packsDirs;
  const emptyCatalogue = new PackCatalogue([]);

  // Snapshot and catalogue are swapped together: one reference, read once per question.
  const library = await PackLibrary.open<{ snap: Snapshot; catalogue: PackCatalogue }>({
    dirs,
    log,
    watch: opts.watch,
    debounceMs: opts.debounceMs,
    build: async (packs: LoadedPack[]) => {
      const snap = await buildSnapshot(packs, {
        indexDir: opts.useStoredIndex === false ? undefined : path.resolve(config.indexDir),
        embedder,
        embedderId: embedId,
        log,
      });
      return { snap, catalogue: new PackCatalogue(packs) };
    },
  });
  const cat = () => library.current()?.catalogue ?? emptyCatalogue;
  const catalogueProxy: Catalogue = {
    packs: () => cat().packs(),
    topicTitle: (p, t, l) => cat().topicTitle(p, t, l),
    entries: (p, t, l) => cat().entries(p, t, l),
    entry: (p, e, l) => cat().entry(p, e, l),
  };

  async function maybeTranslate(view: ReturnType<typeof toView>, to: string, deadlineMs: number | undefined) {
    if (!translator || !view.fallback) return view;
    const budgetMs = Math.min(3000, (deadlineMs ?? 6000) * 0.6);
    if (budgetMs < 500) return view;
    const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), budgetMs).unref?.());
    const work = (async () => {
      const [title, summary] = await Promise.all([
        translator.translate(view.title, view.lang, to),
        view.summary ? translator.translate(view.summary, view.lang, to) : Promise.resolve(undefined),
      ]);
      const body = summary ?? (await translator.translate(view.body.slice(0, 1500), view.lang, to));
      if (!title || !body || (view.summary && !summary)) return undefined;
      return { ...view, title, summary, body, lang: to, fallback: false };
    })().catch((err) => {
      log?.warn({ err }, 'translation failed; answering in the pack language');
      return undefined;
    });
    return (await Promise.race([work, timeout])) ?? view;
  }

  async function answer(req: AnswerRequest): Promise<AnswerResult> {
    const started = Date.now();
    const served = library.current();
    const snap = served?.snap;
    const catalogue = served?.catalogue ?? emptyCatalogue;
    const channel = req.channel;
    if (!snap || snap.packs.length === 0) {
      const lang = req.lang ?? 'en';
      return notFound(lang, channel, 0);
    }
    const r = await retrieve(snap, req.question, { lang: req.lang, embedder, limit: 5 });
    const top = r.hits[0];
    const versions = top ? catalogue.versions(top.pack, top.entry) : undefined;
    if (!r.found || !top || !versions) {
      await gap(req, r, false);
      return notFound(r.userLang, channel, r.confidence);
    }
    const defaultLang = catalogue.defaultLanguage(top.pack) ?? 'en';
    const chosen = versions.get(r.userLang) ?? versions.get(defaultLang) ?? versions.values().next().value!;
    let view = toView(chosen, chosen.lang !== r.userLang, catalogue.topicTitle(top.pack, chosen.topic, r.userLang));
    view = await maybeTranslate(view, r.userLang, req.deadlineMs);
    if (!view.summary && condenser && channel !== 'whatsapp') {
      const left = (req.deadlineMs ?? 5000) - (Date.now() - started) - 200;
      if (left > 300) {
        // The model may only restate the entry; what it returns is fitted and cited like an editor summary.
        const maxChars =
          channel === 'sms' ? budget.smsMaxSegments * 140 : budget.ussdMaxScreens * (budget.ussdMaxChars - 30);
        const condensed = await condenser
          .condense({ question: req.question, passage: view.body, lang: view.lang, maxChars, deadlineMs: left })
          .catch((err) => {
            log?.warn({ err }, 'condensing failed; answering extractively');
            return undefined;
          });
        if (condensed) view = { ...view, summary: condensed };
      }
    }
    const related = r.hits
      .slice(1)
      .filter((h) => h.score >= RELATED_MIN_SCORE)
      .slice(0, MAX_CITATIONS - 1)
      .map((h) => catalogue.entry(h.pack, h.entry, r.userLang))
      .filter((v): v is NonNullable<typeof v> => v !== undefined);
    const composed = composeAnswer({
      entry: { ...view, sourceShort: view.sourceShort ?? view.source },
      userLang: r.userLang,
      channel,
      budget,
      score: sentenceScorer(snap, r),
      related: related.map((v) => v.title),
    });
    const citations: Citation[] = [view, ...related].map((v) => ({
      pack: v.pack,
      entry: v.id,
      title: v.title,
      source: v.source,
    }));
    if (r.confidence < LOW_CONFIDENCE) await gap(req, r, true);
    return {
      answer: composed.text,
      lang: view.lang,
      userLang: r.userLang,
      citations,
      confidence: r.confidence,
      found: true,
      ...(composed.segments !== undefined ? { segments: composed.segments, encoding: composed.encoding } : {}),
    };
  }

  function notFound(lang: string, channel: AnswerRequest['channel'], confidence: number): AnswerResult {
    const c = composeNotFound(lang, channel, budget);
    return {
      answer: c.text,
      lang,
      userLang: lang,
      citations: [],
      confidence,
      found: false,
      ...(c.segments !== undefined ? { segments: c.segments, encoding: c.encoding } : {}),
    };
  }

  async function gap(req: AnswerRequest, r: Retrieval, found: boolean): Promise<void> {
    if (!opts.store || req.question.trim() === '') return;
    const nearest = r.hits[0] ? `${r.hits[0].pack}/${r.hits[0].entry}` : undefined;
    try {
      await recordGap(opts.store, {
        question: req.question,
        lang: r.userLang,
        channel: req.channel,
        subscriber: req.subscriber,
        confidence: r.confidence,
        at: new Date().toISOString(),
        found,
        nearest,
      });
    } catch (err) {
      log?.warn({ err }, 'could not record a knowledge gap');
    }
  }

  return {
    answer,
    catalogue: catalogueProxy,
    async retrieve(question, o = {}) {
      const snap = library.current()?.snap;
      if (!snap) throw new Error('no knowledge packs loaded');
      return retrieve(snap, question, { ...o, embedder });
    },
    reload: () => library.reload(),
    snapshot: () => library.current()?.snap,
    status(): AnswererStatus {
      const s = library.status();
      const snap = library.current()?.snap;
      return { ...s, tier: snap?.embeddingModel ? 'dense' : 'lexical', index: snap?.indexSource ?? {} };
    },
    async close() {
      await library.close();
      await embedder?.close?.();
    },
  };
}
