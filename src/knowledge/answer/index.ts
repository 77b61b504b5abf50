import path from 'node:path';
import type { Logger } from 'pino';
import type { Answerer, AnswerRequest, AnswerResult, Catalogue, Choice, Citation } from '../../core/answers.js';
import type { Config } from '../../platform/config/index.js';
import type { KeyValueStore } from '../../platform/store/index.js';
import { normalise, stem, words } from '../language/text.js';
import { type LibraryStatus, PackLibrary } from '../packs/library.js';
import type { LoadedPack } from '../packs/types.js';
import { isGroupToken } from './analyse.js';
import { PackCatalogue, toView } from './catalogue.js';
import { type ChannelBudget, composeAnswer, composeChoices, composeNotFound, type SentenceScorer } from './compose.js';
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
import { claimGap, recordGap } from './gaps.js';
import { learnedQuestions, withLearnedQuestions } from './learned.js';
import { type Retrieval, retrieve } from './retrieve.js';

export type {
  Answerer,
  AnswerRequest,
  AnswerResult,
  Catalogue,
  Choice,
  Citation,
  EntryView,
  PackInfo,
} from '../../core/answers.js';
export type { PackCalibration } from './calibration.js';
export { describeCalibration } from './calibration.js';
export type { Decision, DecisionThresholds } from './decide.js';
export type { Embedder, TextCondenser, TextTranslator } from './dense.js';
export type { Snapshot } from './engine.js';
export { GAPS_KEY, type KnowledgeGap, listGaps, recordGap } from './gaps.js';
export { chooseUserLanguage, confidenceFromEvidence, type Retrieval, retrieve } from './retrieve.js';

/** Related entries shown as further citations must score this close to the best one. */
const RELATED_MIN_SCORE = 0.85;
const MAX_CITATIONS = 3;

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
  /**
   * Build the retrieval index and load models. A gateway process only shows menus from the catalogue (workers
   * answer), so it passes false and spends neither the index's memory nor its start-up time.
   * @defaultValue true
   */
  retrieval?: boolean;
}

/** The gateway process was asked a question: answering is the workers' job there. */
export class RetrievalDisabledError extends Error {
  override readonly name = 'RetrievalDisabledError';
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
  const retrieval = opts.retrieval !== false;
  const embedder =
    opts.embedder === null || !retrieval ? undefined : (opts.embedder ?? (await loadEmbedderIfAvailable(config, log)));
  const translator =
    opts.translator === null || !retrieval
      ? undefined
      : (opts.translator ?? (await loadTranslatorIfAvailable(config, log)));
  const condenser =
    opts.condenser === null || !retrieval
      ? undefined
      : (opts.condenser ?? (await loadCondenserIfAvailable(config, log)));
  const embedId = embedder ? embedderId(embedder, config) : undefined;
  const budget = channelBudget(config);
  const dirs = opts.packs ?? config.packsDirs;
  const emptyCatalogue = new PackCatalogue([]);

  // Snapshot and catalogue are swapped together: one reference, read once per question.
  const library = await PackLibrary.open<{ snap?: Snapshot; catalogue: PackCatalogue }>({
    dirs,
    log,
    watch: opts.watch,
    debounceMs: opts.debounceMs,
    // Examples editors approved from users' picks count as example questions (read at every reload).
    prepare:
      opts.store && retrieval
        ? async (packs) => withLearnedQuestions(packs, await learnedQuestions(opts.store!, log))
        : undefined,
    build: async (packs: LoadedPack[]) => {
      if (!retrieval) return { catalogue: new PackCatalogue(packs) };
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
    if (!retrieval) throw new RetrievalDisabledError('this process serves menus only; workers answer questions');
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
    const decision = r.decision;
    if (decision?.kind === 'choices') {
      const offered = decision.picks
        .map((i) => r.hits[i]!)
        .map((h) => catalogue.entry(h.pack, h.entry, r.userLang))
        .filter((v): v is NonNullable<typeof v> => v !== undefined);
      if (offered.length > 0) {
        const choices: Choice[] = offered.map((v) => ({ pack: v.pack, entry: v.id, title: v.title }));
        // A dialogue that follows the offer up records what the user does with it (a pick, none, no reply).
        const gapRecorded = req.offerFollowUp ? false : await gap(req, r, false, choices);
        const c = composeChoices(
          choices.map((x) => x.title),
          r.userLang,
          channel,
          budget,
        );
        return {
          answer: c.text,
          lang: r.userLang,
          userLang: r.userLang,
          citations: [],
          choices,
          confidence: r.confidence,
          found: false,
          lowConfidence: true,
          gapRecorded,
          ...(c.segments !== undefined ? { segments: c.segments, encoding: c.encoding } : {}),
        };
      }
    }
    const top = r.hits[0];
    const versions = top ? catalogue.versions(top.pack, top.entry) : undefined;
    if (decision?.kind !== 'answer' || !top || !versions) {
      const gapRecorded = await gap(req, r, false);
      return { ...notFound(r.userLang, channel, r.confidence), gapRecorded };
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
    return {
      answer: composed.text,
      lang: view.lang,
      userLang: r.userLang,
      citations,
      confidence: r.confidence,
      found: true,
      lowConfidence: false,
      ...(composed.truncated ? { truncated: true } : {}),
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
      lowConfidence: true,
      ...(c.segments !== undefined ? { segments: c.segments, encoding: c.encoding } : {}),
    };
  }

  /** Records the question as a knowledge gap, once per `questionId`; true when this call recorded it. */
  async function gap(req: AnswerRequest, r: Retrieval, found: boolean, offered?: Choice[]): Promise<boolean> {
    if (!opts.store || req.question.trim() === '') return false;
    const nearest = r.hits[0] ? `${r.hits[0].pack}/${r.hits[0].entry}` : undefined;
    try {
      if (req.questionId && !(await claimGap(opts.store, req.questionId))) return false;
      await recordGap(opts.store, {
        question: req.question,
        lang: r.userLang,
        channel: req.channel,
        subscriber: req.subscriber,
        confidence: r.confidence,
        at: new Date().toISOString(),
        found,
        nearest,
        ...(offered ? { offered: offered.map((c) => `${c.pack}/${c.entry}`) } : {}),
      });
      return true;
    } catch (err) {
      log?.warn({ err }, 'could not record a knowledge gap');
      return false;
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
