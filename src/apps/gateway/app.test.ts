/**
 * The plumbing every route shares: security headers, body reading, the JSON 404, the one error handler and the
 * per-IP limit, on a gateway with a test surface (and the real simulator and admin pages for their policies).
 */

import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { readBody } from '../../../channels/shared/body.js';
import { BadRequestError } from '../../../channels/shared/errors.js';
import { arrivedAt, newRouter } from '../../../channels/shared/http.js';
import { makeTestContext } from '../../../tests/support/context.js';
import { serveSurfaces, type TestGateway } from '../../../tests/support/http.js';
import { MemoryStore, RedisStore, StoreUnavailableError } from '../../platform/store/index.js';
import { adminRouter } from '../admin/routes.js';
import type { Runtime } from '../runtime.js';
import { simulatorRouter } from '../simulator/routes.js';
import type { SurfaceFactory } from './app.js';
import { createGatewayServer } from './index.js';

let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

/** Echoes what the body parser made of a request; throws what the test asks for. */
const probe: SurfaceFactory = (ctx) => {
  const router = newRouter();
  router.post('/echo', readBody(ctx.config.limits.bodyLimitBytes), (req, res) => {
    res.json({ body: req.body ?? null, raw: req.rawBody?.toString('utf8') ?? null });
  });
  router.get('/fail/:how', (req) => {
    if (req.params.how === 'typed') throw new BadRequestError("field 'x' is wrong");
    if (req.params.how === 'redis') throw new StoreUnavailableError('connect ECONNREFUSED 10.0.0.7:6379');
    throw new Error('secret internals: password=hunter2');
  });
  router.get('/arrival', async (req, res) => {
    await new Promise((r) => setTimeout(r, 30));
    res.json({ waitedMs: performance.now() - arrivedAt(req) });
  });
  return { path: '/probe', router };
};

async function start(env: Record<string, string> = {}, surfaces: SurfaceFactory[] = [probe]) {
  const ctx = await makeTestContext({ env: { BODY_LIMIT_BYTES: '2048', ...env } });
  gw = await serveSurfaces(ctx, surfaces);
  return { ctx, base: gw.base };
}

const post = (base: string, body: string | undefined, type?: string, headers: Record<string, string> = {}) =>
  fetch(`${base}/probe/echo`, {
    method: 'POST',
    headers: { ...(type ? { 'content-type': type } : {}), ...headers },
    body,
  });

describe('body reading', () => {
  it('parses forms flat (repeated fields as arrays), JSON with its raw bytes, and plain text', async () => {
    const { base } = await start();
    const form = await post(base, 'a=1&a=2&b%5Bc%5D=3', 'application/x-www-form-urlencoded');
    expect(await form.json()).toEqual({ body: { a: ['1', '2'], 'b[c]': '3' }, raw: null });
    const raw = '{ "x" : [1, 2] }';
    const json = await post(base, raw, 'application/json; charset=utf-8');
    expect(await json.json()).toEqual({ body: { x: [1, 2] }, raw });
    const text = await post(base, 'hello', 'text/plain');
    expect(await text.json()).toEqual({ body: 'hello', raw: null });
  });

  it.each([
    {
      label: 'an unsupported type, named',
      body: 'x',
      type: 'application/octet-stream',
      status: 415,
      error: 'unsupported Content-Type "application/octet-stream"',
    },
    { label: 'an empty JSON body', body: '', type: 'application/json', status: 400, error: 'request body is empty' },
    {
      label: 'broken JSON',
      body: '{"a":',
      type: 'application/json',
      status: 400,
      error: 'request body is not valid JSON',
    },
    {
      label: 'a form in a charset it cannot read',
      body: 'a=1',
      type: 'application/x-www-form-urlencoded; charset=utf-16',
      status: 415,
      error: 'unsupported charset "UTF-16" in Content-Type "application/x-www-form-urlencoded; charset=utf-16"',
    },
    {
      label: 'a body in an unknown Content-Encoding',
      body: 'a=1',
      type: 'application/x-www-form-urlencoded',
      headers: { 'content-encoding': 'x-squeezed' },
      status: 415,
      error: 'unsupported Content-Encoding "x-squeezed"',
    },
    {
      label: 'a body over BODY_LIMIT_BYTES',
      body: `a=${'x'.repeat(3000)}`,
      type: 'application/x-www-form-urlencoded',
      status: 413,
      error: 'request body is larger than 2048 bytes',
    },
  ] as {
    label: string;
    body: string;
    type: string;
    headers?: Record<string, string>;
    status: number;
    error: string;
  }[])('refuses $label with $status', async ({ body, type, headers, status, error }) => {
    const { base } = await start();
    const res = await post(base, body, type, headers);
    expect(res.status).toBe(status);
    expect(await res.json()).toEqual({ error });
  });
});

describe('errors', () => {
  it('answers a JSON 404 naming the method and path for anything unrouted', async () => {
    const { base } = await start();
    const res = await fetch(`${base}/nowhere/at/all?token=x`, { method: 'DELETE' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'no route for DELETE /nowhere/at/all' });
  });

  it('turns a typed error into its status, Redis trouble into a 503 to retry, and hides anything else', async () => {
    const { base, ctx } = await start();
    const typed = await fetch(`${base}/probe/fail/typed`);
    expect(typed.status).toBe(400);
    expect(await typed.json()).toEqual({ error: "field 'x' is wrong" });
    const redis = await fetch(`${base}/probe/fail/redis`);
    expect(redis.status).toBe(503);
    expect(redis.headers.get('retry-after')).toBe('5');
    expect(await redis.json()).toEqual({ error: 'service temporarily unavailable, retry later' });
    const bug = await fetch(`${base}/probe/fail/bug`);
    expect(bug.status).toBe(500);
    expect(await bug.json()).toEqual({ error: 'internal error' });
    expect(ctx.logs.text()).toContain('unhandled error');
  });
});

describe('headers', () => {
  it('sends no X-Powered-By and the security headers on every answer', async () => {
    const { base } = await start();
    for (const path of ['/healthz', '/nowhere']) {
      const res = await fetch(base + path);
      expect(res.headers.get('x-powered-by')).toBeNull();
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    }
  });

  it('gives the simulator page a policy without inline scripts or styles', async () => {
    const { base } = await start({ SIMULATOR: 'on' }, [(c) => ({ path: '/simulator', router: simulatorRouter(c) })]);
    const csp = (await fetch(`${base}/simulator`)).headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("style-src 'self';");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('upgrade-insecure-requests');
  });

  it('never lets the admin pages be framed, and allows their inline styles only', async () => {
    const { base } = await start({ ADMIN_USER: 'ops', ADMIN_PASSWORD: 'pw' }, [
      (c) => ({ path: '/admin', router: adminRouter(c) }),
    ]);
    const auth = `Basic ${Buffer.from('ops:pw').toString('base64')}`;
    for (const headers of [{}, { authorization: auth }] as Record<string, string>[]) {
      const res = await fetch(`${base}/admin`, { headers });
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("style-src 'self' 'unsafe-inline'");
      expect(csp).toContain("script-src 'self';");
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    }
  });
});

describe('per-IP limit (memory store on the embedded backend)', () => {
  it('answers 429 JSON with retry-after past IP_RATE_LIMIT_PER_MINUTE, never for health, readiness or metrics', async () => {
    const { base, ctx } = await start({ IP_RATE_LIMIT_PER_MINUTE: '10' });
    for (let i = 0; i < 10; i++) expect((await fetch(`${base}/nowhere`)).status).toBe(404);
    const over = await fetch(`${base}/probe/echo`, { method: 'POST' });
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await over.json()).toEqual({
      error: expect.stringMatching(/^too many requests from this address; retry in \d+ s$/),
    });
    for (const path of ['/healthz', '/readyz']) expect((await fetch(base + path)).status).toBe(200);
    // /metrics asks for the admin credentials (finding 12), never for a retry.
    expect((await fetch(`${base}/metrics`)).status).toBe(403);
    const rejected = await ctx.metrics.rejected.get();
    expect(rejected.values.find((v) => v.labels.reason === 'rate-limit')).toMatchObject({
      labels: { route: '/probe', reason: 'rate-limit' },
      value: 1,
    });
  });
});

describe('/metrics is not public (finding 12, issue 14)', () => {
  const ADMIN = { ADMIN_USER: 'ops', ADMIN_PASSWORD: 'metrics-pw' };
  const auth = (user: string, pw: string) => ({
    authorization: `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`,
  });

  it('on PORT it needs ADMIN_USER/ADMIN_PASSWORD, and is off (403 naming them) without them', async () => {
    const off = await start();
    const closed = await fetch(`${off.base}/metrics`);
    expect(closed.status).toBe(403);
    expect((await closed.json()).error).toMatch(/ADMIN_USER and ADMIN_PASSWORD/);
    await gw?.close();
    const { base } = await start(ADMIN);
    const anonymous = await fetch(`${base}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).not.toContain('baraza_');
    expect((await fetch(`${base}/metrics`, { headers: auth('ops', 'wrong') })).status).toBe(401);
    const scraped = await fetch(`${base}/metrics`, { headers: auth('ops', 'metrics-pw') });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('baraza_rejected_requests_total');
  });

  it('with METRICS_PORT it is served only on that port, without credentials, and not on PORT', async () => {
    const free = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    const ctx = await makeTestContext({ env: { ...ADMIN, METRICS_PORT: String(free), HOST: '127.0.0.1' } });
    const rt: Runtime = { ...ctx, packsStatus: () => ({ ok: true, detail: 'test' }), close: async () => {} };
    const server = await createGatewayServer(rt);
    try {
      const { port } = await server.listen(0, '127.0.0.1');
      const main = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: auth('ops', 'metrics-pw') });
      expect(main.status).toBe(404);
      const own = await fetch(`http://127.0.0.1:${free}/metrics`);
      expect(own.status).toBe(200);
      expect(await own.text()).toContain('baraza_queue_depth');
      const elsewhere = await fetch(`http://127.0.0.1:${free}/admin`);
      expect(elsewhere.status).toBe(404);
    } finally {
      await server.close();
      await ctx.queues.close();
    }
    // Closed with the gateway.
    await expect(fetch(`http://127.0.0.1:${free}/metrics`)).rejects.toThrow();
  });
});

describe('arrival time', () => {
  it('is taken when the request reaches the gateway, before the handler runs', async () => {
    const { base } = await start();
    const { waitedMs } = (await (await fetch(`${base}/probe/arrival`)).json()) as { waitedMs: number };
    expect(waitedMs).toBeGreaterThanOrEqual(25);
  });
});

describe('readiness (/readyz) through a Redis outage', () => {
  it('findings 13 and 12: a short Redis outage keeps /readyz ready; a long one fails it, and the body never carries the Redis error', async () => {
    let clock = 1_000_000;
    let down = false;
    const store = new MemoryStore();
    // Stands in for the Redis store: the gateway checks Redis only when the store is Redis.
    Object.defineProperty(store, 'kind', { value: 'redis' });
    store.ping = async () => {
      if (down) throw new StoreUnavailableError('connect ECONNREFUSED 10.9.8.7:6390');
    };
    const ctx = await makeTestContext({ store, now: () => clock });
    gw = await serveSurfaces(ctx, [probe]);
    const readyz = async () => {
      const res = await fetch(`${gw?.base}/readyz`);
      return { status: res.status, body: await res.text() };
    };
    expect((await readyz()).status).toBe(200);

    // Redis away for 10 s, checked every 5 s: three failures, but under 20 s, so still ready.
    down = true;
    const during: { status: number; body: string }[] = [];
    for (let i = 0; i < 3; i++) {
      during.push(await readyz());
      clock += 5_000;
    }
    expect(during.map((r) => r.status)).toEqual([200, 200, 200]);
    down = false;
    expect((await readyz()).status).toBe(200);

    // Away for 25 s: not ready, with a generic reason.
    down = true;
    const long: { status: number; body: string }[] = [];
    for (let i = 0; i < 6; i++) {
      long.push(await readyz());
      clock += 5_000;
    }
    expect(long.at(-1)?.status).toBe(503);
    expect(JSON.parse(long.at(-1)?.body ?? '{}')).toMatchObject({
      status: 'not ready',
      redis: { detail: 'unreachable' },
    });
    for (const r of [...during, ...long]) expect(r.body).not.toMatch(/ECONNREFUSED|10\.9\.8\.7|6390/);
    down = false;
    expect((await readyz()).status).toBe(200);
  });
});

describe('per-IP limit with Redis away', () => {
  it('finding 6: unauthenticated traffic fails closed (503) when the limiter cannot count it', async () => {
    // Nothing listens on port 1: every limiter command fails.
    const store = new RedisStore('redis://127.0.0.1:1', 'limit-away:');
    const ctx = await makeTestContext({ store });
    gw = await serveSurfaces(ctx, [probe]);
    const res = await fetch(`${gw.base}/probe/echo`, { method: 'POST' });
    expect(res.status).toBe(503);
    expect(await res.text()).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
    await store.close();
  });
});
