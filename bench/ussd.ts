/**
 * USSD response time at 50 and 200 concurrent sessions, menu hops and question hops, against the product's
 * gateway and worker as separate processes on BullMQ/Redis, next to the bare BullMQ job round-trip (add a job,
 * a worker in another process returns, the caller sees it through QueueEvents) at the same concurrency.
 *
 * A session is what Africa's Talking sends for one caller: a dial, then hops whose `text` carries every input so
 * far. Between hops each simulated caller "thinks" for 0.5-1.5 s (real callers read and type for several
 * seconds, so this is the heavier side); the baseline callers keep the same pace.
 */
import { randomBytes } from 'node:crypto';
import { type Job, Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import {
  atUrl,
  benchQuestions,
  closeHttpAgent,
  freePort,
  httpRequest,
  loadNote,
  machine,
  type Percentiles,
  percentiles,
  productEnv,
  ratio,
  round,
  sleep,
  spawnBaraza,
  spawnBare,
  startRedis,
  waitReady,
  waitWorkers,
} from './harness.js';
import type { BenchResult } from './types.js';

const LEVELS = [
  { sessions: 50, rounds: 3 },
  { sessions: 200, rounds: 2 },
];
const THINK_MS: [number, number] = [500, 1500];
const RAMP_MS = 1000;
const DEADLINE_MS = 8000;
const TARGET_P99_MS = 300;

type HopKind = 'dial' | 'menu' | 'question';
interface Hop {
  input: string | null;
  kind: HopKind;
}

/** One caller's session: ask two questions, browse a pack down to an entry. */
function script(q1: string, q2: string): Hop[] {
  return [
    { input: null, kind: 'dial' },
    { input: '1', kind: 'menu' }, // Ask a question -> prompt
    { input: q1, kind: 'question' },
    { input: '0', kind: 'menu' }, // back to the main menu
    { input: '1', kind: 'menu' },
    { input: q2, kind: 'question' },
    { input: '0', kind: 'menu' },
    { input: '2', kind: 'menu' }, // Farming tips -> topics
    { input: '1', kind: 'menu' }, // first topic -> entries
    { input: '1', kind: 'menu' }, // first entry -> its answer screen
  ];
}

/** Every session of this process gets a number of its own (a redialling number would be offered to resume). */
let phoneSeq = 0;

const think = () => THINK_MS[0] + Math.random() * (THINK_MS[1] - THINK_MS[0]);

interface LevelStats {
  latencies: Record<HopKind, number[]>;
  pastDeadline: number;
  /** END screens that are not the planned end: busy, "answer by SMS", failed. */
  fallbacks: number;
  errors: string[];
  hops: number;
  wallMs: number;
}

export async function runUssdLevel(
  base: string,
  sessions: number,
  rounds: number,
  questions: string[],
  tag: string,
): Promise<LevelStats> {
  const stats: LevelStats = {
    latencies: { dial: [], menu: [], question: [] },
    pastDeadline: 0,
    fallbacks: 0,
    errors: [],
    hops: 0,
    wallMs: 0,
  };
  const url = atUrl(base, 'ussd');
  const started = performance.now();
  let qi = Math.floor(Math.random() * questions.length);
  const nextQuestion = () => questions[qi++ % questions.length]!.replace(/[*#]/g, ' ');
  await Promise.all(
    Array.from({ length: sessions }, async (_, user) => {
      await sleep((user / sessions) * RAMP_MS);
      for (let round = 0; round < rounds; round++) {
        // A new number per session: the same number redialling would (rightly) be offered to resume.
        const phone = `+2547${String(++phoneSeq).padStart(8, '0')}`;
        const sessionId = `ATUid_${tag}_${user}_${round}_${randomBytes(3).toString('hex')}`;
        const inputs: string[] = [];
        let previous = '';
        for (const hop of script(nextQuestion(), nextQuestion())) {
          if (hop.input !== null) inputs.push(hop.input);
          const body = new URLSearchParams({
            sessionId,
            serviceCode: '*384*12#',
            phoneNumber: phone,
            networkCode: '63902',
            text: inputs.join('*'),
          }).toString();
          const t0 = performance.now();
          let res: { status: number; body: string };
          try {
            res = await httpRequest(url, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
          } catch (err) {
            stats.errors.push(`${hop.kind}: ${(err as Error).message}`);
            break;
          }
          const ms = performance.now() - t0;
          stats.hops++;
          stats.latencies[hop.kind].push(ms);
          if (ms > DEADLINE_MS) stats.pastDeadline++;
          if (res.status !== 200) {
            stats.errors.push(`${hop.kind}: HTTP ${res.status} ${res.body.slice(0, 80)}`);
            break;
          }
          if (res.body.startsWith('END')) {
            stats.fallbacks++;
            break;
          }
          if (hop.kind === 'question' && res.body === previous) {
            stats.errors.push(`question hop answered with the prompt again: ${res.body.slice(0, 60)}`);
          }
          previous = res.body;
          await sleep(think());
        }
      }
    }),
  );
  stats.wallMs = performance.now() - started;
  return stats;
}

interface BaselineStats {
  latencies: number[];
  errors: number;
  wallMs: number;
}

/** The bare round-trip, paced like the USSD callers: same callers, same think time, same number of requests. */
async function runBaselineLevel(
  queue: Queue,
  events: QueueEvents,
  callers: number,
  requestsPerCaller: number,
  tag: string,
): Promise<BaselineStats> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async (_, c) => {
      await sleep((c / callers) * RAMP_MS);
      for (let i = 0; i < requestsPerCaller; i++) {
        const t0 = performance.now();
        try {
          const job: Job = await queue.add(
            'ussd',
            { text: 'hop', caller: c },
            { jobId: `${tag}-${c}-${i}`, priority: 1 },
          );
          await job.waitUntilFinished(events, DEADLINE_MS);
          latencies.push(performance.now() - t0);
        } catch {
          errors++;
        }
        await sleep(think());
      }
    }),
  );
  return { latencies, errors, wallMs: performance.now() - started };
}

const fmt = (p: Percentiles) => ({
  p50: round(p.p50),
  p95: round(p.p95),
  p99: round(p.p99),
  max: round(p.max),
  n: p.n,
});

export async function run(): Promise<BenchResult> {
  const atStart = machine();
  const redis = await startRedis();
  const questions = benchQuestions();
  const levels: {
    sessions: number;
    product: LevelStats;
    baseline: BaselineStats;
  }[] = [];
  let setup: Record<string, unknown> = {};
  try {
    // --- the product: gateway and worker as separate processes, like `npm run gateway` / `npm run worker` ---
    const port = await freePort();
    const env = productEnv(redis.url, {
      PORT: String(port),
      SEND_MODE: 'simulator',
      USSD_DEADLINE_MS: String(DEADLINE_MS),
    });
    const worker = spawnBaraza('worker', env, 'ussd-worker');
    const gateway = spawnBaraza('gateway', env, 'ussd-gateway');
    const base = `http://127.0.0.1:${port}`;
    const productResults: LevelStats[] = [];
    try {
      const t0 = performance.now();
      await waitReady(base, gateway);
      await waitWorkers(redis.url, 'bench:q', ['inbound', 'outbound'], worker);
      setup = { startupMs: Math.round(performance.now() - t0) };
      // Warm-up (JIT, connections, QueueEvents stream): not counted.
      await runUssdLevel(base, 20, 1, questions, 'warm');
      for (const level of LEVELS) {
        productResults.push(await runUssdLevel(base, level.sessions, level.rounds, questions, `s${level.sessions}`));
      }
    } finally {
      await gateway.stop();
      await worker.stop();
    }

    // --- the baseline: bare BullMQ on the same Redis, worker in its own process ---
    const prefix = 'bare-rt';
    const bare = spawnBare(
      'worker.ts',
      { BARE_REDIS_URL: redis.url, BARE_PREFIX: prefix, BARE_MODE: 'roundtrip' },
      'roundtrip',
    );
    const conn = new Redis(redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue('inbound', {
      connection: conn,
      prefix,
      defaultJobOptions: { removeOnComplete: { count: 50_000 }, removeOnFail: { count: 1000 } },
    });
    // Every waiting caller listens on the queue; 200 of them are expected here, not a leak.
    queue.setMaxListeners(0);
    const eventsConn = new Redis(redis.url, { maxRetriesPerRequest: null });
    const events = new QueueEvents('inbound', { connection: eventsConn, prefix });
    try {
      await waitWorkers(redis.url, prefix, ['inbound'], bare);
      await events.waitUntilReady();
      await runBaselineLevel(queue, events, 20, 10, 'warm');
      for (const [i, level] of LEVELS.entries()) {
        const perCaller = script('', '').length * level.rounds;
        const baseline = await runBaselineLevel(queue, events, level.sessions, perCaller, `b${level.sessions}`);
        levels.push({ sessions: level.sessions, product: productResults[i]!, baseline });
      }
    } finally {
      await events.close();
      await queue.close();
      // BullMQ never closes a connection it was handed.
      eventsConn.disconnect();
      conn.disconnect();
      await bare.stop();
    }
  } finally {
    closeHttpAgent();
    await redis.stop();
  }

  const table: Record<string, string | number>[] = [];
  const verdicts: NonNullable<BenchResult['verdicts']> = [];
  const json: Record<string, unknown> = {
    machine: { atStart, atEnd: machine() },
    setup: {
      ...setup,
      processes:
        'gateway and worker as separate processes (node --import tsx src/main.ts gateway|worker), BullMQ on a private redis-server',
      tier: 'lexical (no models), real packs',
      thinkMs: THINK_MS,
      deadlineMs: DEADLINE_MS,
      baseline: 'Queue.add + job.waitUntilFinished(QueueEvents), worker in its own process returning at once',
    },
    levels: [] as unknown[],
  };
  const load = loadNote(atStart, (json.machine as { atEnd: Record<string, string | number> }).atEnd);
  let totalPast = 0;
  for (const { sessions, product, baseline } of levels) {
    const b = percentiles(baseline.latencies);
    const kinds: HopKind[] = ['dial', 'menu', 'question'];
    const byKind = Object.fromEntries(kinds.map((k) => [k, percentiles(product.latencies[k])])) as Record<
      HopKind,
      Percentiles
    >;
    for (const k of kinds) {
      const p = byKind[k];
      table.push({
        sessions,
        hop: k,
        n: p.n,
        'p50 ms': round(p.p50),
        'p95 ms': round(p.p95),
        'p99 ms': round(p.p99),
        'max ms': round(p.max),
        'bare p50': round(b.p50),
        'bare p99': round(b.p99),
        'p50 ratio': ratio(p.p50, b.p50, 1),
        'p99 ratio': ratio(p.p99, b.p99, 1),
      });
    }
    totalPast += product.pastDeadline;
    const hopsPerSec = product.hops / (product.wallMs / 1000);
    (json.levels as unknown[]).push({
      sessions,
      hops: product.hops,
      hopsPerSecond: round(hopsPerSec),
      wallMs: Math.round(product.wallMs),
      dial: fmt(byKind.dial),
      menu: fmt(byKind.menu),
      question: fmt(byKind.question),
      pastDeadline: product.pastDeadline,
      fallbackEndScreens: product.fallbacks,
      errors: product.errors.length,
      errorSamples: product.errors.slice(0, 5),
      baseline: {
        ...fmt(b),
        errors: baseline.errors,
        requestsPerSecond: round(baseline.latencies.length / (baseline.wallMs / 1000)),
      },
    });
    if (product.errors.length || product.fallbacks) {
      process.stdout.write(
        `  ${sessions} sessions: ${product.errors.length} error(s), ${product.fallbacks} fallback END screen(s)` +
          `${product.errors[0] ? ` e.g. ${product.errors[0]}` : ''}\n`,
      );
    }
    if (sessions === 200) {
      const p99 = byKind.question.p99;
      verdicts.push({
        target: `question hops p99 < ${TARGET_P99_MS} ms at 200 sessions`,
        met: p99 < TARGET_P99_MS,
        detail:
          p99 < TARGET_P99_MS
            ? `p99 ${round(p99)} ms, ${round(TARGET_P99_MS - p99)} ms under (bare BullMQ p99 ${round(b.p99)} ms; ${load})`
            : `p99 ${round(p99)} ms, over by ${round(p99 - TARGET_P99_MS)} ms (bare BullMQ p99 ${round(b.p99)} ms; ${load})`,
      });
    }
  }
  const allFallbacks = levels.reduce((n, l) => n + l.product.fallbacks, 0);
  const allErrors = levels.reduce((n, l) => n + l.product.errors.length, 0);
  verdicts.push({
    target: `no USSD response past the ${DEADLINE_MS} ms deadline`,
    met: totalPast === 0,
    detail: `${totalPast} of ${levels.reduce((n, l) => n + l.product.hops, 0)} responses past the deadline; ${allFallbacks} fallback END screen(s), ${allErrors} error(s)`,
  });
  return { name: 'ussd', table, json, verdicts };
}
