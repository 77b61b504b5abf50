/**
 * Resident memory (VmRSS from /proc/<pid>/status) of the product's gateway and worker processes at idle and
 * under load, next to the smallest honest baseline: one process with Express, a form route that enqueues a
 * BullMQ job, and two BullMQ workers (bench/bare/service.ts). Both get the same load: Africa's Talking-shaped
 * SMS webhooks, 32 in flight, for a fixed time; the product also answers every one with the lexical tier.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { atDate } from '../src/apps/simulator/public/sim-core.js';
import {
  atUrl,
  benchQuestions,
  closeHttpAgent,
  freePort,
  httpRequest,
  machine,
  type Proc,
  productEnv,
  ROOT,
  ratio,
  round,
  sampleRss,
  sleep,
  spawnBaraza,
  spawnBare,
  startRedis,
  waitDrained,
  waitReady,
  waitWorkers,
} from './harness.js';
import type { BenchResult } from './types.js';

const LOAD_MS = 10_000;
/** The issue's figure: both processes' RSS once 300 questions have been answered and the queues are empty. */
const WARM_QUESTIONS = 300;
const TARGET_AFTER_300_MIB = 250;
const IDLE_SAMPLE_MS = 3000;
const SETTLE_MS = 3000;
const IN_FLIGHT = 32;

interface Phase {
  mean: number;
  peak: number;
}

interface ProcessMemory {
  idle: Phase;
  load: Phase;
  /** Idle again after the load (does memory come back?). */
  after: Phase;
}

const phase = (samples: number[]): Phase => ({
  mean: round(samples.reduce((a, b) => a + b, 0) / Math.max(1, samples.length)),
  peak: round(Math.max(...samples)),
});

/** Closed-loop SMS webhooks for `ms` (or until `max` were sent); how many were sent, and how many refused. */
async function smsLoad(
  url: string,
  ms: number,
  questions: string[],
  tag: string,
  max = Infinity,
): Promise<{ sent: number; refused: number }> {
  const until = performance.now() + ms;
  let sent = 0;
  let refused = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async (_, lane) => {
      while (performance.now() < until && sent < max) {
        const i = sent++;
        const body = new URLSearchParams({
          from: `+2547${tag}${String(i % 2000).padStart(6, '0')}`,
          to: '21525',
          text: questions[i % questions.length]!,
          date: atDate(new Date()),
          id: `ATXid_${tag}_${lane}_${i}_${randomBytes(3).toString('hex')}`,
        }).toString();
        const res = await httpRequest(url, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
        if (res.status !== 200) refused++;
      }
    }),
  );
  return { sent, refused };
}

/** Idle, load and idle-again RSS of the given processes, driving `url` with SMS webhooks. */
async function measure(
  procs: Record<string, Proc>,
  url: string,
  questions: string[],
  tag: string,
  drained: () => Promise<boolean>,
): Promise<{ memory: Record<string, ProcessMemory>; sent: number; refused: number; backlogMs: number }> {
  const pids = Object.fromEntries(Object.entries(procs).map(([k, p]) => [k, p.pid]));
  // Warm-up: 300 questions answered (every code path loaded and compiled once), then let it settle; the idle
  // sample that follows is the "after 300 questions" figure.
  const warm = await smsLoad(url, 120_000, questions, `${tag}0`, WARM_QUESTIONS);
  // A refused webhook is a question nobody answered: the "after 300 questions" figure would not be one.
  if (warm.refused > 0) throw new Error(`${warm.refused} of ${warm.sent} warm-up webhooks were refused`);
  await drained();
  await sleep(SETTLE_MS);
  let sampler = sampleRss(pids);
  await sleep(IDLE_SAMPLE_MS);
  const idle = sampler.stop();
  sampler = sampleRss(pids);
  const { sent, refused } = await smsLoad(url, LOAD_MS, questions, `${tag}1`);
  // Under load until the backlog the webhooks queued is worked off, then idle again.
  const loadEnded = performance.now();
  await drained();
  const backlogMs = Math.round(performance.now() - loadEnded);
  const load = sampler.stop();
  await sleep(SETTLE_MS);
  sampler = sampleRss(pids);
  await sleep(IDLE_SAMPLE_MS);
  const after = sampler.stop();
  const memory = Object.fromEntries(
    Object.keys(procs).map((k) => [k, { idle: phase(idle[k]!), load: phase(load[k]!), after: phase(after[k]!) }]),
  );
  return { memory, sent, refused, backlogMs };
}

export async function run(): Promise<BenchResult> {
  const redis = await startRedis();
  const questions = benchQuestions();
  const startedAt = machine();
  let product: Awaited<ReturnType<typeof measure>> | undefined;
  let bare: Awaited<ReturnType<typeof measure>> | undefined;
  try {
    const port = await freePort();
    // As DEPLOYING says to run it: the index (with each pack's calibration) built once by `baraza packs build`,
    // so workers load it instead of building and calibrating in memory at start-up.
    const indexDir = mkdtempSync(path.join(os.tmpdir(), 'baraza-bench-index-'));
    const build = spawnSync(
      process.execPath,
      [
        'dist/src/apps/cli/main.js',
        'packs',
        'build',
        ...readdirSync(path.join(ROOT, 'packs')).map((p) => path.join('packs', p)),
      ],
      { cwd: ROOT, env: { ...process.env, INDEX_DIR: indexDir }, encoding: 'utf8' },
    );
    if (build.status !== 0) throw new Error(`packs build failed: ${build.stderr}`);
    const env = productEnv(redis.url, { PORT: String(port), SEND_MODE: 'simulator', INDEX_DIR: indexDir });
    const worker = spawnBaraza('worker', env, 'mem-worker');
    const gateway = spawnBaraza('gateway', env, 'mem-gateway');
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitReady(base, gateway);
      await waitWorkers(redis.url, 'bench:q', ['inbound', 'outbound'], worker);
      product = await measure({ gateway, worker }, atUrl(base, 'sms'), questions, '1', () =>
        waitDrained(redis.url, 'bench:q', ['inbound', 'outbound']),
      );
    } finally {
      await gateway.stop();
      await worker.stop();
    }

    const barePort = await freePort();
    const service = spawnBare(
      'service.ts',
      { BARE_REDIS_URL: redis.url, BARE_PREFIX: 'bare-mem', BARE_PORT: String(barePort) },
      'service',
    );
    try {
      const base = `http://127.0.0.1:${barePort}`;
      await waitReady(base, service);
      bare = await measure({ service }, `${base}/sms`, questions, '2', () =>
        waitDrained(redis.url, 'bare-mem', ['inbound', 'outbound']),
      );
    } finally {
      await service.stop();
    }
  } finally {
    closeHttpAgent();
    await redis.stop();
  }

  const b = bare!.memory.service!;
  const table: Record<string, string | number>[] = (['gateway', 'worker'] as const).map((name) => {
    const m = product!.memory[name]!;
    return {
      process: name,
      'after 300 q MiB': m.idle.mean,
      'load peak MiB': m.load.peak,
      'load mean MiB': m.load.mean,
      'after load MiB': m.after.mean,
      'bare idle MiB': b.idle.mean,
      'bare load peak MiB': b.load.peak,
      'idle ratio': ratio(m.idle.mean, b.idle.mean),
      'peak ratio': ratio(m.load.peak, b.load.peak),
    };
  });
  const both = product!.memory.gateway!.load.peak + product!.memory.worker!.load.peak;
  table.push({
    process: 'gateway + worker',
    'after 300 q MiB': round(product!.memory.gateway!.idle.mean + product!.memory.worker!.idle.mean),
    'load peak MiB': round(both),
    'load mean MiB': round(product!.memory.gateway!.load.mean + product!.memory.worker!.load.mean),
    'after load MiB': round(product!.memory.gateway!.after.mean + product!.memory.worker!.after.mean),
    'bare idle MiB': b.idle.mean,
    'bare load peak MiB': b.load.peak,
    'idle ratio': ratio(product!.memory.gateway!.idle.mean + product!.memory.worker!.idle.mean, b.idle.mean),
    'peak ratio': ratio(both, b.load.peak),
  });
  const after300 = round(product!.memory.gateway!.idle.mean + product!.memory.worker!.idle.mean);
  return {
    name: 'memory',
    table,
    verdicts: [
      {
        target: `gateway + worker under ${TARGET_AFTER_300_MIB} MiB RSS after ${WARM_QUESTIONS} questions`,
        met: after300 < TARGET_AFTER_300_MIB,
        detail: `${after300} MiB (gateway ${product!.memory.gateway!.idle.mean} + worker ${product!.memory.worker!.idle.mean}); bare Express + BullMQ process ${b.idle.mean} MiB`,
      },
    ],
    json: {
      machine: { atStart: startedAt, atEnd: machine() },
      setup: {
        measure: 'VmRSS from /proc/<pid>/status every 200 ms',
        load: `${WARM_QUESTIONS} questions answered first (idle = RSS after them, sampled for ${IDLE_SAMPLE_MS} ms after ${SETTLE_MS} ms settling with empty queues); then AT SMS form webhooks, ${IN_FLIGHT} in flight, for ${LOAD_MS} ms, until the queued backlog is processed`,
        product:
          'gateway and worker as separate processes, started as production starts them (npm run gateway|worker: node with the V8 flags of bin/node-flags, dist/src/main.js), lexical tier over the real packs (index prebuilt by packs build), simulator outbox',
        baseline:
          'bench/bare/service.ts compiled to JavaScript: Express (express.urlencoded) + BullMQ queue and two workers in one process, node with the same V8 flags',
      },
      product: {
        ...product!.memory,
        webhooksSent: product!.sent,
        webhooksRefused: product!.refused,
        backlogAfterLoadMs: product!.backlogMs,
      },
      bare: { ...b, webhooksSent: bare!.sent, webhooksRefused: bare!.refused, backlogAfterLoadMs: bare!.backlogMs },
    },
  };
}
