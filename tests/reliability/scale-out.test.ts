/**
 * Scale-out with real processes: two gateways and two workers (`node dist/src/main.js gateway|worker`)
 * on the suite's Redis under one REDIS_PREFIX. A USSD session hops between gateways, SMS traffic spreads over
 * both workers, and at the end every line the four processes wrote (LOG_LEVEL=debug) is searched for the
 * phone numbers and secrets the run used.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { readOutbox } from '../../channels/simulator/outbox.js';
import { pseudonymiser } from '../../src/platform/log/index.js';
import { RedisStore } from '../../src/platform/store/index.js';
import { cleanupPrefix, testRedisUrl, uniquePrefix } from '../support/redis.js';
import { type BarazaProcess, identityOf, ROOT, spawnBaraza, stopAll, waitFor } from './harness.js';
import { basicAuth, call, sendSms, sendTwilio, sendWhatsapp, twilioSmsParams, ussdHop } from './traffic.js';

const prefix = uniquePrefix('scaleout');
const run = randomBytes(3).toString('hex');

/** Every credential the processes get; none may ever show up in their output. */
const SECRETS = {
  AT_USERNAME: 'sandbox',
  AT_API_KEY: 'atsk_scaleout_4f1c9e2a7b',
  AT_WEBHOOK_TOKEN: 'at-webhook-token-9d3e7f',
  TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000002',
  TWILIO_AUTH_TOKEN: 'twilio-auth-token-5b8c1d',
  WHATSAPP_APP_SECRET: 'wa-app-secret-2e6a9f',
  WHATSAPP_TOKEN: 'EAAGwa-token-7c3b0e1d',
  WHATSAPP_PHONE_NUMBER_ID: '100000000000001',
  WHATSAPP_VERIFY_TOKEN: 'wa-verify-token-8a2f4c',
  ADMIN_USER: 'ops',
  ADMIN_PASSWORD: 'admin-password-3f9d1b',
  PII_SALT: 'pii-salt-6e2c8a4d',
};
const SECRETS_CHECKED = [
  'AT_API_KEY',
  'AT_WEBHOOK_TOKEN',
  'TWILIO_AUTH_TOKEN',
  'WHATSAPP_APP_SECRET',
  'WHATSAPP_TOKEN',
  'WHATSAPP_VERIFY_TOKEN',
  'ADMIN_PASSWORD',
  'PII_SALT',
] as const;

const ussdText = JSON.parse(readFileSync(path.join(ROOT, 'locales', 'en', 'ussd.json'), 'utf8')) as {
  main: Record<'title' | 'ask' | 'browse' | 'language' | 'exit', string>;
  ask: { prompt: string };
  resume: { prompt: string; yes: string; no: string };
  busy: string;
};
// USSD_MAX_CHARS is 100 here: the three sample packs do not fit on the main screen, so one item opens them.
const MAIN_MENU = `CON ${[ussdText.main.title, ...(['ask', 'browse', 'language', 'exit'] as const).map((k, i) => `${i + 1} ${ussdText.main[k]}`)].join('\n')}`;
const RESUME = `CON ${ussdText.resume.prompt}\n1 ${ussdText.resume.yes}\n2 ${ussdText.resume.no}`;

/** Every number this run uses (unusual digit runs, so a hit in the logs is a leak, not a coincidence). */
const used = new Set<string>();
let seq = 0;
const newNumber = () => {
  const n = `+2547${String((Number.parseInt(run, 16) % 90) + 10)}9${String(++seq).padStart(5, '0')}`;
  used.add(n);
  return n;
};

let gateways: BarazaProcess[] = [];
let workers: BarazaProcess[] = [];
let store: RedisStore;
let inbound: Queue;
let connection: Redis;
const token = SECRETS.AT_WEBHOOK_TOKEN;

beforeAll(async () => {
  const env = {
    ...SECRETS,
    REDIS_URL: testRedisUrl(),
    REDIS_PREFIX: prefix,
    SEND_MODE: 'simulator',
    LOG_LEVEL: 'debug',
    USSD_MAX_CHARS: '100',
    IP_RATE_LIMIT_PER_MINUTE: '100000',
  };
  const all = await Promise.all([
    spawnBaraza('gateway', env, 'gateway-1'),
    spawnBaraza('gateway', env, 'gateway-2'),
    spawnBaraza('worker', env, 'worker-1'),
    spawnBaraza('worker', env, 'worker-2'),
  ]);
  gateways = all.slice(0, 2);
  workers = all.slice(2);
  store = new RedisStore(testRedisUrl(), prefix);
  connection = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  inbound = new Queue('inbound', { connection, prefix: `${prefix}q` });
}, 120_000);

afterAll(async () => {
  await inbound?.close();
  connection?.disconnect();
  await store?.close();
  await stopAll();
  await cleanupPrefix(prefix);
}, 30_000);

const gw = (i: number) => gateways[i % 2]!.url!;

describe('two gateways, two workers, one Redis', () => {
  it('keeps a USSD session whose hops alternate between gateways: menus, a question, its pages, resume', async () => {
    const phone = newNumber();
    const session = `ATUid_scale_${run}_1`;
    const hop = async (i: number, text: string, sessionId = session) => {
      const r = await ussdHop(gw(i), { sessionId, phone, text, token });
      expect(r.status).toBe(200);
      return r.body;
    };
    expect(await hop(0, '')).toBe(MAIN_MENU);
    expect(await hop(1, '1')).toBe(`CON ${ussdText.ask.prompt}`);
    const page1 = await hop(0, '1*how do I do the salt test to check my grain is dry');
    expect(page1).toMatch(/^CON /);
    expect(page1).toMatch(/1 More/);
    expect(page1).not.toContain(ussdText.busy);
    // "More" on the other gateway: only the stored session knows the answer's pages (a replay would re-ask).
    const page2 = await hop(1, '1*how do I do the salt test to check my grain is dry*1');
    expect(page2).toMatch(/^CON /);
    expect(page2).not.toBe(page1);
    expect(await hop(0, '1*how do I do the salt test to check my grain is dry*1*0')).toBe(page1);

    // The handset drops; the next dial lands on the other gateway and offers to resume where it stopped.
    expect(await hop(1, '', `ATUid_scale_${run}_2`)).toBe(RESUME);
    expect(await hop(0, '1', `ATUid_scale_${run}_2`)).toBe(page1);

    // Choices offered by one gateway, picked on the other: the offer lives in Redis, not in a process.
    const other = newNumber();
    const hop3 = async (i: number, text: string) =>
      (await ussdHop(gw(i), { sessionId: `ATUid_scale_${run}_3`, phone: other, text, token })).body;
    await hop3(0, '');
    const offered = await hop3(0, '1*maize');
    expect(offered).toMatch(/^CON Did you mean:\n1 .*\n2 .*\n0 None of these$/s);
    const picked = await hop3(1, '1*maize*2');
    expect(picked).toMatch(/^CON /);
    expect(picked).not.toContain('Did you mean');
    expect(picked).toMatch(/0 Back/);
  }, 30_000);

  it('spreads SMS jobs over both workers and answers each message exactly once', async () => {
    const messages = Array.from({ length: 40 }, (_, i) => ({ from: newNumber(), id: `ATXid_scale_${run}_${i}` }));
    const questions = [
      'when should I plant maize',
      'how do I keep records for my shop',
      'how do I store beans',
      'what is a savings group',
    ];
    for (let b = 0; b < messages.length; b += 10) {
      const batch = messages.slice(b, b + 10);
      const statuses = await Promise.all(
        batch.map((m, i) =>
          sendSms(gw(i), { from: m.from, id: m.id, text: questions[i % questions.length]!, token }).then(
            (r) => r.status,
          ),
        ),
      );
      expect(statuses).toEqual(batch.map(() => 200));
    }
    await waitFor(
      'a reply to each of the 40 messages',
      async () => {
        const counts = await Promise.all(messages.map(async (m) => (await readOutbox(store, m.from)).length));
        return counts.every((c) => c >= 1) ? counts : undefined;
      },
      30_000,
      200,
    );
    const ids = new Set(messages.map((m) => m.id));
    const done = (await inbound.getCompleted(0, 500)).filter((j) =>
      ids.has((j.data as { providerMessageId: string }).providerMessageId),
    );
    expect(done).toHaveLength(messages.length);
    const perWorker = new Map<string, number>();
    for (const j of done) perWorker.set(j.processedBy ?? '?', (perWorker.get(j.processedBy ?? '?') ?? 0) + 1);
    const w1 = perWorker.get(identityOf(workers[0]!)) ?? 0;
    const w2 = perWorker.get(identityOf(workers[1]!)) ?? 0;
    expect({ w1: w1 > 0, w2: w2 > 0, total: w1 + w2 }).toEqual({ w1: true, w2: true, total: messages.length });
    const counts = await Promise.all(messages.map(async (m) => (await readOutbox(store, m.from)).length));
    expect(counts).toEqual(messages.map(() => 1));
  }, 60_000);
});

describe('security: the logs of a multi-process run', () => {
  it('contain no phone number (E.164, without +, national) and no secret, at LOG_LEVEL=debug', async () => {
    const wa = newNumber();
    const tw = newNumber();
    const stop = newNumber();
    const inText = newNumber();
    const ussd = newNumber();
    const national = (e164: string) => `0${e164.slice(4)}`;

    // Traffic on every channel, including the paths that tend to leak: errors, refusals, numbers inside text.
    const results = await Promise.all([
      sendWhatsapp(gw(0), {
        from: wa,
        text: 'when do I plant beans',
        wamid: `wamid.LOG${run}1`,
        secret: SECRETS.WHATSAPP_APP_SECRET,
      }),
      sendWhatsapp(gw(1), { from: wa, text: 'forged', wamid: `wamid.LOG${run}2`, secret: 'not-the-secret' }),
      sendTwilio(
        gw(0),
        twilioSmsParams({
          from: tw,
          text: 'how do I save money',
          sid: `SMlog${run}`,
          accountSid: SECRETS.TWILIO_ACCOUNT_SID,
        }),
        {
          authToken: SECRETS.TWILIO_AUTH_TOKEN,
        },
      ),
      sendTwilio(
        gw(1),
        twilioSmsParams({ from: tw, text: 'forged', sid: `SMlog${run}x`, accountSid: SECRETS.TWILIO_ACCOUNT_SID }),
        {
          authToken: 'wrong-token',
        },
      ),
      sendSms(gw(0), { from: stop, text: 'STOP', id: `ATXid_log_${run}_1`, token }),
      sendSms(gw(1), {
        from: inText,
        text: `please call me on ${national(inText)} or ${inText} about maize`,
        id: `ATXid_log_${run}_2`,
        token,
      }),
      sendSms(gw(0), { from: inText, text: 'wrong token', id: `ATXid_log_${run}_3`, token: 'not-the-token' }),
      sendSms(gw(1), { from: 'not-a-number', text: 'hello', id: `ATXid_log_${run}_4`, token }),
      ussdHop(gw(0), { sessionId: `ATUid_log_${run}`, phone: ussd, text: '', token }),
      ussdHop(gw(1), { sessionId: `ATUid_log_${run}`, phone: ussd, text: '1', token }),
      ussdHop(gw(0), {
        sessionId: `ATUid_log_${run}`,
        phone: ussd,
        text: `1*my number is ${ussd} how do I grow tomatoes`,
        token,
      }),
      call(`${gw(1)}/admin/gaps`, { headers: { authorization: basicAuth(SECRETS.ADMIN_USER, 'guess') } }),
      call(`${gw(0)}/admin/queues/api/queues`, {
        headers: { authorization: basicAuth(SECRETS.ADMIN_USER, SECRETS.ADMIN_PASSWORD) },
      }),
      call(
        `${gw(1)}/channels/whatsapp?hub.mode=subscribe&hub.verify_token=${SECRETS.WHATSAPP_VERIFY_TOKEN}&hub.challenge=42`,
      ),
    ]);
    expect(results.map((r) => r.status)).toEqual([
      200, 403, 200, 403, 200, 200, 403, 400, 200, 200, 200, 401, 200, 200,
    ]);
    await waitFor(
      'the replies',
      async () => {
        for (const n of [wa, tw, stop, inText]) if ((await readOutbox(store, n)).length === 0) return undefined;
        return true;
      },
      20_000,
      200,
    );

    // Stop cleanly so every buffered line is written.
    await Promise.all([...gateways, ...workers].map((p) => p.stop()));
    const outputs = [...gateways, ...workers].map((p) => ({ label: p.label, text: p.output() }));
    // The logs do talk about these subscribers (debug lines per message), under their pseudonyms only.
    const lines = [...gateways, ...workers].flatMap((p) => p.logLines());
    const pseudonym = pseudonymiser(SECRETS.PII_SALT);
    for (const n of [wa, tw, inText, ussd]) {
      expect(lines.some((l) => l.level === 20 && l.sub === pseudonym(n))).toBe(true);
    }

    const forms = (e164: string) => [e164, e164.slice(1), national(e164)];
    const needles = [
      ...[...used].flatMap((n) => forms(n).map((f) => ({ what: `number ${n}`, needle: f }))),
      ...SECRETS_CHECKED.map((k) => ({ what: k, needle: SECRETS[k] })),
    ];
    const leaks = outputs.flatMap((o) =>
      needles
        .filter(({ needle }) => o.text.includes(needle))
        .map(({ what, needle }) => {
          const at = o.text.indexOf(needle);
          return `${o.label}: ${what} as "${needle}" in …${o.text.slice(Math.max(0, at - 120), at + 40)}`;
        }),
    );
    expect(leaks).toEqual([]);
  }, 60_000);
});
