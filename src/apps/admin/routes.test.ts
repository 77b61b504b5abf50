import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { makeTestContext } from '../../../tests/support/context.js';
import { serveSurfaces, type TestGateway } from '../../../tests/support/http.js';
import { cleanupPrefix, testRedisUrl, uniquePrefix } from '../../../tests/support/redis.js';
import { GAPS_KEY } from '../../knowledge/answer/gaps.js';
import { BullQueueBackend, UnrecoverableJobError } from '../../platform/queue/index.js';
import { type KeyValueStore, RedisStore } from '../../platform/store/index.js';
import { adminRouter } from './routes.js';

const ADMIN = { ADMIN_USER: 'editor', ADMIN_PASSWORD: 'correct horse battery' };
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const AUTH = { authorization: basic(ADMIN.ADMIN_USER, ADMIN.ADMIN_PASSWORD) };

type Ctx = Awaited<ReturnType<typeof makeTestContext>>;
let ctx: Ctx | undefined;
let app: TestGateway | undefined;
let base: string;

async function start(opts: Parameters<typeof makeTestContext>[0] = {}) {
  ctx = await makeTestContext(opts);
  app = await serveSurfaces(ctx, [(c) => ({ path: '/admin', router: adminRouter(c) })]);
  base = app.base;
}

async function stop() {
  await app?.close();
  await ctx?.queues.close();
  app = undefined;
  ctx = undefined;
}

afterEach(stop);

async function pushGaps(store: KeyValueStore, gaps: object[]) {
  for (const g of gaps) await store.listPush(GAPS_KEY, JSON.stringify(g));
}

describe('admin auth', () => {
  it('is off, with a message naming the variables, when ADMIN_USER/ADMIN_PASSWORD are unset', async () => {
    await start();
    for (const path of ['/admin', '/admin/queues', '/admin/gaps', '/admin/gaps.json', '/admin/nope']) {
      const res = await fetch(base + path, { headers: AUTH });
      expect(res.status).toBe(403);
      expect((await res.json()).error).toMatch(/ADMIN_USER and ADMIN_PASSWORD/);
    }
  });

  it('asks for credentials, refuses wrong ones, and lets the right ones in', async () => {
    await start({ env: ADMIN });
    const none = await fetch(`${base}/admin/gaps`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    expect((await none.json()).error).toMatch(/Authorization/);
    for (const auth of [
      basic('editor', 'wrong'),
      basic('other', ADMIN.ADMIN_PASSWORD),
      basic('editor', ''),
      'Bearer abc',
      'Basic !!!',
    ]) {
      const res = await fetch(`${base}/admin/gaps`, { headers: { authorization: auth } });
      expect(res.status).toBe(401);
    }
    const ok = await fetch(`${base}/admin/gaps`, { headers: AUTH });
    expect(ok.status).toBe(200);
    const rejected = await ctx!.metrics.rejected.get();
    expect(rejected.values.reduce((n, v) => n + (v.labels.route === '/admin' ? v.value : 0), 0)).toBe(6);
  });

  it('keeps unknown admin paths behind the guard', async () => {
    await start({ env: ADMIN });
    expect((await fetch(`${base}/admin/secret-thing`)).status).toBe(401);
    expect((await fetch(`${base}/admin/secret-thing`, { headers: AUTH })).status).toBe(404);
  });
});

describe('admin login lockout (finding 12, issue 14)', () => {
  const gaps = (auth: string, from = '203.0.113.7') =>
    fetch(`${base}/admin/gaps`, { headers: { authorization: auth, 'x-forwarded-for': from } });

  async function startAt(clock: { now: number }, store?: KeyValueStore) {
    ctx = await makeTestContext({ env: ADMIN, now: () => clock.now, ...(store ? { store } : {}) });
    app = await serveSurfaces(ctx, [(c) => ({ path: '/admin', router: adminRouter(c) })], { trustProxy: true });
    base = app.base;
  }

  it('locks a user name after 10 failed logins, the right password included, until the window ends', async () => {
    const clock = { now: Date.parse('2026-03-02T08:00:00Z') };
    await startAt(clock);
    // Ten guesses spread over ten addresses: the per-address count never trips, the user name's does.
    for (let i = 0; i < 10; i++) expect((await gaps(basic('editor', `guess${i}`), `198.51.100.${i}`)).status).toBe(401);
    const locked = await gaps(AUTH.authorization, '198.51.100.99');
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBe(15 * 60);
    expect(await locked.json()).toEqual({
      error: 'too many failed logins from this address or for this user; retry in 900 s',
    });
    // Another user name from a fresh address is not locked.
    expect((await gaps(basic('someone-else', 'x'), '198.51.100.98')).status).toBe(401);
    clock.now += 10 * 60_000;
    expect(Number((await gaps(AUTH.authorization, '198.51.100.99')).headers.get('retry-after'))).toBe(5 * 60);
    clock.now += 5 * 60_000;
    expect((await gaps(AUTH.authorization, '198.51.100.99')).status).toBe(200);
    const rejected = (await ctx!.metrics.rejected.get()).values.find((v) => v.labels.reason === 'locked-out');
    expect(rejected?.value).toBe(2);
    expect(ctx!.logs.text()).toContain('admin logins locked out');
  });

  it('locks an address after 20 failed logins whatever user names it tries (IPv6 by its /64)', async () => {
    const clock = { now: Date.parse('2026-03-02T08:00:00Z') };
    await startAt(clock);
    for (let i = 0; i < 20; i++) {
      expect((await gaps(basic(`user${i}`, 'pw'), `2001:db8:1:2::${(i + 1).toString(16)}`)).status).toBe(401);
    }
    expect((await gaps(AUTH.authorization, '2001:db8:1:2::ffff')).status).toBe(429);
    expect((await gaps(AUTH.authorization, '2001:db8:1:3::1')).status).toBe(200);
  });

  it('a missing Authorization header (a browser before the prompt) and a good login count nothing', async () => {
    const clock = { now: Date.parse('2026-03-02T08:00:00Z') };
    await startAt(clock);
    for (let i = 0; i < 9; i++) expect((await gaps(basic('editor', 'wrong'))).status).toBe(401);
    // The right password clears the user name's count: nine more mistakes are still allowed after it.
    expect((await gaps(AUTH.authorization)).status).toBe(200);
    for (let i = 0; i < 30; i++) expect((await fetch(`${base}/admin/gaps`)).status).toBe(401);
    for (let i = 0; i < 9; i++) expect((await gaps(basic('editor', 'wrong'))).status).toBe(401);
    expect((await gaps(AUTH.authorization)).status).toBe(200);
  });

  it('is shared by every gateway on one Redis', async () => {
    const prefix = uniquePrefix('lockout');
    const clock = { now: Date.parse('2026-03-02T08:00:00Z') };
    const stores = [new RedisStore(testRedisUrl(), prefix), new RedisStore(testRedisUrl(), prefix)];
    // The store queues nothing while it connects (a gateway's readiness waits for Redis): wait as a gateway would.
    await Promise.all(
      stores.map((s) =>
        s.client.status === 'ready' ? undefined : new Promise((resolve) => s.client.once('ready', resolve)),
      ),
    );
    try {
      await startAt(clock, stores[0]);
      for (let i = 0; i < 10; i++)
        expect((await gaps(basic('editor', `guess${i}`), `198.51.100.${i}`)).status).toBe(401);
      await stop();
      // Another gateway process, the same Redis: the user name is locked there too.
      await startAt(clock, stores[1]);
      expect((await gaps(AUTH.authorization, '198.51.100.50')).status).toBe(429);
    } finally {
      await stop();
      for (const s of stores) await s.close();
      await cleanupPrefix(prefix);
    }
  });
});

describe('/admin/gaps', () => {
  const gaps = [
    { question: 'How do I store maize?', lang: 'en', channel: 'ussd', at: '2026-01-02T10:00:00Z', confidence: 0.1 },
    { question: 'storing maize grain', lang: 'en', channel: 'sms', at: '2026-01-03T10:00:00Z', confidence: 0.3 },
    { question: 'how do I store maize', lang: 'en', channel: 'whatsapp', at: '2026-01-04T10:00:00Z' },
    { question: 'kuhifadhi mahindi <script>', lang: 'sw', channel: 'sms', at: '2026-01-05T10:00:00Z' },
  ];

  it('lists gaps grouped by similarity with counts per language and channel', async () => {
    await start({ env: ADMIN });
    await pushGaps(ctx!.store, gaps);
    const json = await (await fetch(`${base}/admin/gaps.json`, { headers: AUTH })).json();
    expect(json.total).toBe(4);
    expect(json.langs).toEqual({ en: 3, sw: 1 });
    expect(json.groups[0]).toMatchObject({
      representative: 'How do I store maize?',
      count: 3,
      channels: { ussd: 1, sms: 1, whatsapp: 1 },
    });

    const page = await fetch(`${base}/admin/gaps`, { headers: AUTH });
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toContain('How do I store maize?');
    expect(html).toContain('en 3, sw 1');
    // Subscriber text is escaped, never markup.
    expect(html).toContain('kuhifadhi mahindi &lt;script&gt;');
    expect(html).not.toContain('<script>');
  });

  it('filters by language and channel', async () => {
    await start({ env: ADMIN });
    await pushGaps(ctx!.store, gaps);
    const sw = await (await fetch(`${base}/admin/gaps.json?lang=sw`, { headers: AUTH })).json();
    expect(sw.total).toBe(1);
    expect(sw.groups[0].representative).toBe('kuhifadhi mahindi <script>');
    const sms = await (await fetch(`${base}/admin/gaps.json?channel=sms`, { headers: AUTH })).json();
    expect(sms.total).toBe(2);
  });

  it('says so when there is nothing yet', async () => {
    await start({ env: ADMIN });
    const html = await (await fetch(`${base}/admin/gaps`, { headers: AUTH })).text();
    expect(html).toContain('No knowledge gaps recorded yet');
  });
});

describe('/admin/queues on the embedded backend', () => {
  it('shows counts and dead letters, with phone numbers pseudonymised', async () => {
    await start({ env: ADMIN });
    const q = ctx!.queues.queue<{ to: string }>('outbound');
    q.process(async (job) => {
      if (job.data.to === '+254700000999') throw new UnrecoverableJobError('provider refused +254700000999');
      return 'ok';
    });
    await q.add('send', { to: '+254700000999' }, { jobId: 'poison-1', attempts: 1 });
    await q.add('send', { to: '+254700000998' }, { jobId: 'fine-1' });
    for (let i = 0; i < 100; i++) {
      const c = await q.counts();
      if (c.failed + c.completed >= 2) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const json = await (await fetch(`${base}/admin/queues.json`, { headers: AUTH })).json();
    expect(json.backend).toBe('embedded');
    const outbound = json.queues.find((x: { name: string }) => x.name === 'outbound');
    expect(outbound.counts).toMatchObject({ completed: 1, failed: 1 });
    expect(outbound.deadLetters[0]).toMatchObject({ id: 'poison-1' });
    // Finding 12 (issue 14): the JSON is scrubbed as the page is, in the job data and in the error.
    expect(outbound.deadLetters[0].data.to).toBe(ctx!.pseudonym('+254700000999'));
    expect(outbound.deadLetters[0].error).toContain(ctx!.pseudonym('+254700000999'));
    expect(JSON.stringify(json)).not.toContain('254700000999');

    const html = await (await fetch(`${base}/admin/queues`, { headers: AUTH })).text();
    expect(html).toContain('poison-1');
    expect(html).toContain(ctx!.pseudonym('+254700000999'));
    expect(html).not.toContain('254700000999');
  });
});

describe('/admin/queues on BullMQ', () => {
  const prefix = uniquePrefix('admin');
  afterAll(() => cleanupPrefix(prefix));

  it('serves Bull Board behind the same auth, listing the three queues', async () => {
    const store = new RedisStore(testRedisUrl(), prefix);
    const queues = new BullQueueBackend({ url: testRedisUrl(), prefix: `${prefix}q` });
    try {
      await start({ env: ADMIN, store, queues });
      expect((await fetch(`${base}/admin/queues`)).status).toBe(401);
      const page = await fetch(`${base}/admin/queues`, { headers: AUTH });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      const html = await page.text();
      expect(html).toContain('<base href="/admin/queues/"');
      const script = /src="(static\/js\/main[^"]+)"/.exec(html)?.[1];
      expect(script).toBeDefined();
      expect((await fetch(`${base}/admin/queues/${script}`, { headers: AUTH })).status).toBe(200);
      const api = await fetch(`${base}/admin/queues/api/queues?activeQueue=inbound&page=1`, { headers: AUTH });
      expect(api.status).toBe(200);
      const names = ((await api.json()) as { queues: { name: string }[] }).queues.map((x) => x.name).sort();
      expect(names).toEqual(['inbound', 'outbound', 'scheduled']);
      expect((await fetch(`${base}/admin/queues/api/queues`)).status).toBe(401);
      // Finding 12 (issue 14): Bull Board's JSON shows job data scrubbed of numbers, as the HTML pages are.
      await queues.queue('outbound').add('send', { to: '+254700000777', text: 'call 0712 345 678' }, { jobId: 'w-1' });
      const jobs = await fetch(`${base}/admin/queues/api/queues?activeQueue=outbound&status=prioritized&page=1`, {
        headers: AUTH,
      });
      const jobsText = await jobs.text();
      expect(jobsText).toContain('w-1');
      expect(jobsText).toContain(ctx!.pseudonym('+254700000777'));
      expect(jobsText).not.toContain('254700000777');
      expect(jobsText).not.toContain('345 678');
      // A body that is not JSON is refused with the reason, not passed on to Bull Board (which answered 500).
      const plain = await fetch(`${base}/admin/queues/api/queues/%3A/add`, {
        method: 'POST',
        headers: { ...AUTH, 'content-type': 'text/plain' },
        // found by tests/fuzz/http.fuzz.test.ts
        body: 'MessageSid: \u0000\nMessageStatus: undelivered\nTo: &\nFrom: prototype',
      });
      expect(plain.status).toBe(415);
      expect(((await plain.json()) as { error: string }).error).toMatch(/JSON body.*text\/plain/);
      const badId = await fetch(`${base}/admin/queues/api/queues/inbound/add`, {
        method: 'POST',
        headers: { ...AUTH, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'x', data: {}, options: { jobId: {} } }),
      });
      expect(badId.status).toBe(400);
      expect(((await badId.json()) as { error: string }).error).toBe('body field "options.jobId" must be a string');
    } finally {
      await stop();
      await store.close();
    }
  });
});
