/**
 * Bounded HTTP fuzz of every route the gateway serves (read from the Express router's own stack, so a new route is
 * fuzzed without editing this file): thousands of malformed requests — random methods, content types and
 * bodies (truncated JSON, deep JSON, huge fields, binary, wrong encodings, missing fields), bad and good
 * signatures, odd query strings — against the whole product (gateway and workers) on the test Redis.
 * Promises: no 5xx while Redis is up, the server still answers /healthz after, and every 4xx carries a JSON
 * body `{ "error": string }`.
 */
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import twilio from 'twilio';
import { signBody } from '../../channels/whatsapp/signature.js';
import { createGatewayServer, type GatewayServer } from '../../src/apps/gateway/index.js';
import { createRuntime, type Runtime } from '../../src/apps/runtime.js';
import { startWorkers } from '../../src/apps/worker/index.js';
import { loadConfig } from '../../src/platform/config/index.js';
import type { WorkerHandle } from '../../src/platform/queue/index.js';
import { cleanupPrefix, testRedisUrl, uniquePrefix } from '../support/redis.js';
import { type RouteEntry as Route, routeTable } from '../support/routes.js';
import { hostileText, phoneish } from './arbitraries.js';

const ROOT = path.resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../..');
const REQUESTS = 5000;
const IN_FLIGHT = 4;
const SECRETS = {
  AT_WEBHOOK_TOKEN: 'fuzz-at-token',
  TWILIO_AUTH_TOKEN: 'fuzz-twilio-token',
  WHATSAPP_APP_SECRET: 'fuzz-app-secret',
  WHATSAPP_VERIFY_TOKEN: 'fuzz-verify-token',
  ADMIN_USER: 'fuzz-admin',
  ADMIN_PASSWORD: 'fuzz-admin-password',
};
const PUBLIC_BASE_URL = 'https://gateway.fuzz.example';
const BODY_LIMIT = 16 * 1024;

interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: Buffer;
  label: string;
}

interface FuzzResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

function send(base: string, r: FuzzRequest): Promise<FuzzResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      base + r.url,
      {
        method: r.method,
        agent,
        headers: { ...r.headers, ...(r.body ? { 'content-length': String(r.body.length) } : {}) },
        timeout: 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within 15 s: ${r.method} ${r.url}`)));
    req.on('error', reject);
    req.end(r.body);
  });
}

const NAMES_THE_FAULT =
  /field '|body|JSON|header|Content-Type|hub\.|parameter|token|signature|X-|entry|object|message/i;

const isBullBoardApi = (url: string) => url.startsWith('/admin/queues/api/');

/** The promises every answer keeps; returns a problem description or undefined. */
function problemWith(r: FuzzRequest, res: FuzzResponse): string | undefined {
  if (res.status >= 500) return `HTTP ${res.status}: ${res.body.slice(0, 200)}`;
  if (res.status >= 400 && r.method !== 'HEAD') {
    if (!String(res.headers['content-type'] ?? '').startsWith('application/json')) {
      return `HTTP ${res.status} without a JSON body (content-type ${res.headers['content-type']}): ${res.body.slice(0, 120)}`;
    }
    let json: unknown;
    try {
      json = JSON.parse(res.body);
    } catch {
      return `HTTP ${res.status} with a body that is not JSON: ${res.body.slice(0, 120)}`;
    }
    const error = (json as { error?: unknown }).error;
    // Bull Board's own API (the dashboard's, behind admin auth) answers { error: { key } }: its UI translates the
    // key. Kept as it is, so the dashboard shows its messages; it must still be JSON, 4xx and say what failed.
    if (isBullBoardApi(r.url) && typeof (error as { key?: unknown })?.key === 'string') return undefined;
    if (typeof error !== 'string' || error.trim().length < 3) {
      return `HTTP ${res.status} without an { error: string } naming the problem: ${res.body.slice(0, 120)}`;
    }
    // A provider's 400 says which field, header, parameter or part of the body is at fault.
    if (r.url.startsWith('/channels/') && res.status === 400 && !NAMES_THE_FAULT.test(error)) {
      return `HTTP 400 that does not name the field or header at fault: ${error}`;
    }
  }
  return undefined;
}

const FORM = 'application/x-www-form-urlencoded';

/** Plausible bodies per route, each field possibly missing, hostile or huge. */
const FORM_FIELDS: Record<string, string[]> = {
  '/channels/africastalking/ussd': ['sessionId', 'serviceCode', 'phoneNumber', 'networkCode', 'text'],
  '/channels/africastalking/sms': ['from', 'to', 'text', 'date', 'id', 'linkId', 'networkCode'],
  '/channels/africastalking/delivery': ['id', 'status', 'phoneNumber', 'networkCode', 'failureReason', 'retryCount'],
  '/channels/twilio/messaging': [
    'MessageSid',
    'AccountSid',
    'From',
    'To',
    'Body',
    'NumMedia',
    'ButtonPayload',
    'Latitude',
    'Longitude',
  ],
  '/channels/twilio/status': ['MessageSid', 'MessageStatus', 'To', 'From', 'ErrorCode', 'ErrorMessage'],
};

const goodValue: Record<string, fc.Arbitrary<string>> = {
  sessionId: fc.string({ minLength: 1, maxLength: 20 }).map((s) => `ATUid_${s}`),
  serviceCode: fc.constant('*384*12#'),
  phoneNumber: phoneish,
  from: phoneish,
  From: fc.oneof(
    phoneish,
    phoneish.map((p) => `whatsapp:${p}`),
  ),
  To: phoneish,
  networkCode: fc.constant('63902'),
  text: fc.oneof(fc.constantFrom('', '1', '1*how do I plant maize', '2*1*1', '4*2', '1*0*9*9*9'), hostileText),
  Body: fc.oneof(fc.constant('how do I plant maize'), hostileText),
  status: fc.constantFrom('Success', 'Failed', 'Rejected', '__proto__', 'Buffered'),
  MessageStatus: fc.constantFrom('delivered', 'failed', 'undelivered', 'constructor', 'sent'),
  id: fc.string({ minLength: 1, maxLength: 30 }).map((s) => `ATXid_${s}`),
  MessageSid: fc.string({ minLength: 1, maxLength: 30 }).map((s) => `SM${s}`),
  date: fc.constant('2026-01-02 03:04:05'),
  ErrorCode: fc.constantFrom('', '30008', '21610'),
  NumMedia: fc.constantFrom('0', '1'),
  AccountSid: fc.constant('AC00000000000000000000000000000000'),
  Latitude: fc.constantFrom('-1.2921', '91', 'x'),
  Longitude: fc.constantFrom('36.8219', 'NaN', ''),
  retryCount: fc.constantFrom('0', '3'),
};

const fieldValue = (name: string) =>
  fc.oneof(
    { weight: 12, arbitrary: goodValue[name] ?? hostileText },
    { weight: 3, arbitrary: hostileText },
    { weight: 1, arbitrary: fc.constantFrom('x'.repeat(5000), '\u0000', '%', '&', '=') },
  );

/** Each field usually there (so many requests get past validation), sometimes missing, odd or huge. */
const formPairs = (fields: string[]) =>
  fc
    .tuple(
      fc
        .tuple(
          ...fields.map((f) =>
            fc.option(
              fieldValue(f).map((v) => [f, v] as [string, string]),
              { freq: 8, nil: undefined },
            ),
          ),
        )
        .map((ps) => ps.filter((p): p is [string, string] => p !== undefined)),
      fc.array(
        fc.tuple(
          fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('__proto__', 'constructor', 'text', 'from')),
          hostileText,
        ),
        {
          maxLength: 3,
        },
      ),
    )
    .map(([known, extra]) => [...known, ...extra] as [string, string][]);

/** Twilio's signature for a form body, as Twilio would compute it for the URL it called. */
function twilioSignature(url: string, pairs: [string, string][]): string {
  // The parameters exactly as the server will parse the body: URL-decoded, repeated keys as arrays.
  const params: Record<string, string | string[]> = Object.create(null);
  for (const [k, v] of new URLSearchParams(new URLSearchParams(pairs).toString())) {
    const had = params[k];
    params[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
  }
  return twilio.getExpectedTwilioSignature(SECRETS.TWILIO_AUTH_TOKEN, PUBLIC_BASE_URL + url, params);
}

const deepJson = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

function whatsappBody(from: string, text: string, id: string): string {
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '1',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550001234', phone_number_id: '1' },
              messages: [{ from, id, timestamp: '1767225600', type: 'text', text: { body: text } }],
            },
          },
        ],
      },
    ],
  });
}

const bytes = fc.uint8Array({ maxLength: 2000 }).map((a) => Buffer.from(a));
const invalidUtf8 = fc.constantFrom(
  Buffer.from([0xff, 0xfe, 0xfd]),
  Buffer.from([0xc3, 0x28]),
  Buffer.from([0xe2, 0x82]),
  Buffer.from('text=%E0%A4%A&sessionId=%ZZ', 'latin1'),
  Buffer.from('sessionId=caf\xe9&phoneNumber=0711000001', 'latin1'),
);

/** Percent-encoding that survives lone surrogates (they become U+FFFD, as a browser would send them). */
const enc = (s: string) => encodeURIComponent(s.replace(/\p{Cs}/gu, '\ufffd'));

const queryString = fc.oneof(
  { weight: 6, arbitrary: fc.constant('') },
  { weight: 3, arbitrary: fc.constant(`?token=${SECRETS.AT_WEBHOOK_TOKEN}`) },
  {
    weight: 3,
    arbitrary: fc
      .array(
        fc.tuple(
          fc.oneof(
            fc.constantFrom('token', 'to', 'hub.mode', 'hub.verify_token', 'hub.challenge', 'page', '__proto__'),
            fc.string({ maxLength: 8 }),
          ),
          fc.oneof(
            fc.constantFrom(SECRETS.AT_WEBHOOK_TOKEN, SECRETS.WHATSAPP_VERIFY_TOKEN, 'subscribe', '+254711000001'),
            hostileText,
          ),
        ),
        { maxLength: 4 },
      )
      .map((pairs) => `?${pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&')}`),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '?%',
      '?a=%E0%A4%A',
      '?&&==&',
      '?token',
      `?token=${'t'.repeat(5000)}`,
      '?a[b]=1&a[c]=2',
      '?#frag',
    ),
  },
);

const contentType = fc.constantFrom(
  FORM,
  `${FORM}; charset=utf-8`,
  `${FORM}; charset=latin1`,
  'application/json',
  'application/json; charset=utf-16',
  'text/plain',
  'text/xml',
  'multipart/form-data; boundary=xyz',
  'application/octet-stream',
  'a/b;;;=',
  'application/x-www-form-urlencoded,application/json',
  '',
);

function chaoticRequest(routes: Route[]): fc.Arbitrary<FuzzRequest> {
  // Most traffic on the provider webhooks (where untrusted input arrives), the rest on every other route.
  const webhooks = routes.filter((r) => r.path.startsWith('/channels/'));
  const others = routes.filter((r) => !r.path.startsWith('/channels/'));
  const routePath = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...webhooks) },
    { weight: 4, arbitrary: fc.constantFrom(...others) },
    {
      weight: 1,
      arbitrary: fc
        .oneof(
          fc.constantFrom(
            '/',
            '//',
            '/channels',
            '/channels/../admin',
            '/%2e%2e/admin',
            '/admin/queues/api/queues',
            '/simulator/assets/..%2fpackage.json',
            '/x'.repeat(300),
          ),
          fc.string({ maxLength: 40 }).map((s) => `/${enc(s)}`),
        )
        .map((p) => ({ path: p, methods: ['GET', 'POST'] })),
    },
  );
  return fc
    .record({
      route: routePath,
      methodChoice: fc.oneof(
        { weight: 6, arbitrary: fc.constant('route') },
        { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS') },
      ),
      query: queryString,
      bodyKind: fc.constantFrom(
        ...([
          'form',
          'form',
          'form',
          'form',
          'json',
          'json',
          'truncated-json',
          'deep-json',
          'huge',
          'binary',
          'invalid-utf8',
          'empty',
          'text',
        ] as const),
      ),
      // Fields of a webhook form (usually the chosen route's own, see below).
      pairsByRoute: fc.record(Object.fromEntries(Object.entries(FORM_FIELDS).map(([k, f]) => [k, formPairs(f)]))),
      otherPairs: fc.constantFrom(...Object.keys(FORM_FIELDS)).chain((k) => formPairs(FORM_FIELDS[k]!)),
      json: fc.oneof(
        fc
          .tuple(fc.oneof(phoneish, hostileText), hostileText, fc.oneof(fc.string({ minLength: 1 }), hostileText))
          .map(([f, t, id]) => whatsappBody(f.replace(/^\+/, ''), t, `wamid.${id}`)),
        fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null'),
      ),
      cut: fc.nat(),
      binary: bytes,
      badUtf8: invalidUtf8,
      ct: contentType,
      signing: fc.constantFrom('good', 'good', 'good', 'good', 'good', 'none', 'garbage', 'wrong'),
      auth: fc.constantFrom('good', 'none', 'garbage', 'wrong'),
      forwardedFor: fc.option(fc.oneof(fc.ipV4(), fc.ipV6(), hostileText), { nil: undefined }),
    })
    .map((g) => {
      const method = g.methodChoice === 'route' ? g.route.methods[g.cut % g.route.methods.length]! : g.methodChoice;
      const param: Record<string, string[]> = {
        file: ['app.js', 'nope.js', '..%2f..%2fpackage.json', '%00'],
        queueName: ['inbound', 'outbound', 'scheduled', 'nope', '%3A'],
        jobId: ['1', 'africastalking%3AATXid_1', 'nope', '%00'],
      };
      const routeUrl = g.route.path
        .replace(/:(\w+)/g, (_, name: string) => {
          const options = param[name] ?? ['x', '%ff', '..'];
          return options[g.cut % options.length]!;
        })
        .replace('*', ['x', 'queues/api', '%ff'][g.cut % 3]!);
      // Africa's Talking routes mostly carry the right token, so the fuzz gets past the guard to the parsers.
      const atToken = routeUrl.startsWith('/channels/africastalking/') && g.cut % 4 !== 0 && !g.query.includes('token');
      const url = routeUrl + (atToken ? `${g.query ? `${g.query}&` : '?'}token=${SECRETS.AT_WEBHOOK_TOKEN}` : g.query);
      const own = (g.pairsByRoute as Record<string, [string, string][]>)[g.route.path];
      const pairs = own && g.cut % 5 !== 0 ? own : g.otherPairs;
      let body: Buffer | undefined;
      let ct = g.ct;
      // The body a route expects, most of the time: JSON for Meta's webhook, a form for the others.
      let kind = g.bodyKind;
      if (g.cut % 4 !== 0 && method === 'POST') {
        if (routeUrl === '/channels/whatsapp' && kind === 'form') kind = 'json';
        if (FORM_FIELDS[g.route.path] && kind === 'json') kind = 'form';
      }
      switch (kind) {
        case 'form':
          body = Buffer.from(new URLSearchParams(pairs).toString());
          if (g.cut % 3 !== 0) ct = FORM;
          break;
        case 'json':
          body = Buffer.from(g.json);
          if (g.cut % 3 !== 0) ct = 'application/json';
          break;
        case 'truncated-json':
          body = Buffer.from(g.json.slice(0, g.cut % Math.max(1, g.json.length)));
          ct = 'application/json';
          break;
        case 'deep-json':
          body = Buffer.from(deepJson(1 + (g.cut % 5000)));
          ct = 'application/json';
          break;
        case 'huge':
          body = Buffer.from(`text=${'a'.repeat(BODY_LIMIT + (g.cut % 5000))}`);
          break;
        case 'binary':
          body = g.binary;
          break;
        case 'invalid-utf8':
          body = g.badUtf8;
          break;
        case 'text':
          body = Buffer.from(pairs.map(([k, v]) => `${k}: ${v}`).join('\n'));
          break;
        case 'empty':
          body = g.cut % 2 ? Buffer.alloc(0) : undefined;
          break;
      }
      if (method === 'GET' || method === 'HEAD') {
        if (g.cut % 4 !== 0) body = undefined; // mostly no body, sometimes one anyway
      }
      const headers: Record<string, string> = {};
      if (ct && body !== undefined) headers['content-type'] = ct;
      if (g.forwardedFor !== undefined) headers['x-forwarded-for'] = g.forwardedFor.replace(/[^\x20-\x7e]/g, '');
      // Signatures: right, missing, malformed or for another body.
      if (routeUrl === '/channels/whatsapp') {
        const raw = body ?? Buffer.alloc(0);
        if (g.signing === 'good') headers['x-hub-signature-256'] = signBody(raw, SECRETS.WHATSAPP_APP_SECRET);
        if (g.signing === 'garbage') headers['x-hub-signature-256'] = `sha256=${'zz'.repeat(g.cut % 40)}`;
        if (g.signing === 'wrong')
          headers['x-hub-signature-256'] = signBody(
            Buffer.concat([raw, Buffer.from(' ')]),
            SECRETS.WHATSAPP_APP_SECRET,
          );
      }
      if (routeUrl.startsWith('/channels/twilio/')) {
        if (g.signing === 'good') {
          headers['x-twilio-signature'] = twilioSignature(url, pairs);
          body = Buffer.from(new URLSearchParams(pairs).toString());
          headers['content-type'] = FORM;
        }
        if (g.signing === 'garbage') headers['x-twilio-signature'] = 'not-a-signature=='.repeat(1 + (g.cut % 3));
        if (g.signing === 'wrong') headers['x-twilio-signature'] = twilioSignature(`${url}x`, pairs);
      }
      if (routeUrl.startsWith('/admin')) {
        const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
        if (g.auth === 'good') headers.authorization = basic(SECRETS.ADMIN_USER, SECRETS.ADMIN_PASSWORD);
        if (g.auth === 'garbage')
          headers.authorization = ['Basic', 'Basic !!!', 'Bearer x', `Basic ${'A'.repeat(3000)}`][g.cut % 4]!;
        if (g.auth === 'wrong') headers.authorization = basic(SECRETS.ADMIN_USER, 'nope');
      }
      return {
        method,
        url,
        headers,
        body,
        label: `${method} ${url.slice(0, 80)} [${kind}, ${headers['content-type'] ?? 'no type'}]`,
      };
    });
}

/**
 * Requests a provider could really send, with hostile field values: the right method, content type, token and
 * signature, so they reach the parsers, the dialogue, the queue and the workers behind the guards.
 */
function nearValidRequest(): fc.Arbitrary<FuzzRequest> {
  const form = (route: string) =>
    formPairs(FORM_FIELDS[route]!).map((pairs) => {
      const body = new URLSearchParams(pairs).toString();
      const headers: Record<string, string> = { 'content-type': FORM };
      let url = route;
      if (route.startsWith('/channels/africastalking/')) url += `?token=${SECRETS.AT_WEBHOOK_TOKEN}`;
      if (route.startsWith('/channels/twilio/')) headers['x-twilio-signature'] = twilioSignature(url, pairs);
      return { method: 'POST', url, headers, body: Buffer.from(body), label: `POST ${url} [near-valid form]` };
    });
  const whatsapp = fc
    .tuple(
      fc.oneof(phoneish, hostileText),
      fc.oneof(fc.constantFrom('how do I plant maize', 'STOP', 'TIPS', 'LANG sw'), hostileText),
      fc.string({ minLength: 1, maxLength: 40 }),
    )
    .map(([from, text, id]) => {
      const raw = Buffer.from(whatsappBody(from.replace(/^\+/, ''), text, `wamid.${id}`));
      return {
        method: 'POST',
        url: '/channels/whatsapp',
        headers: {
          'content-type': 'application/json',
          'x-hub-signature-256': signBody(raw, SECRETS.WHATSAPP_APP_SECRET),
        },
        body: raw,
        label: 'POST /channels/whatsapp [near-valid, signed]',
      };
    });
  return fc.oneof(...Object.keys(FORM_FIELDS).map(form), whatsapp);
}

function fuzzRequest(routes: Route[]): fc.Arbitrary<FuzzRequest> {
  return fc.oneof({ weight: 3, arbitrary: chaoticRequest(routes) }, { weight: 2, arbitrary: nearValidRequest() });
}

/** Cases that once broke something, or that are too specific for the generator to find often. */
const REGRESSIONS: FuzzRequest[] = [
  {
    label: 'Twilio status named like an Object.prototype property, correctly signed',
    method: 'POST',
    url: '/channels/twilio/status',
    headers: {
      'content-type': FORM,
      'x-twilio-signature': twilioSignature('/channels/twilio/status', [
        ['MessageSid', 'SM1'],
        ['MessageStatus', '__proto__'],
        ['To', '+254711000001'],
      ]),
    },
    body: Buffer.from('MessageSid=SM1&MessageStatus=__proto__&To=%2B254711000001'),
  },
  {
    label: 'AT delivery report with status "constructor"',
    method: 'POST',
    url: `/channels/africastalking/delivery?token=${SECRETS.AT_WEBHOOK_TOKEN}`,
    headers: { 'content-type': FORM },
    body: Buffer.from('id=ATXid_1&status=constructor&phoneNumber=%2B254711000001&networkCode=63902'),
  },
  {
    label: 'deeply nested JSON, correctly signed',
    method: 'POST',
    url: '/channels/whatsapp',
    headers: {
      'content-type': 'application/json',
      'x-hub-signature-256': signBody(deepJson(100_000), SECRETS.WHATSAPP_APP_SECRET),
    },
    body: Buffer.from(deepJson(100_000)),
  },
  {
    label: 'repeated form fields (arrays) on the USSD route',
    method: 'POST',
    url: `/channels/africastalking/ussd?token=${SECRETS.AT_WEBHOOK_TOKEN}`,
    headers: { 'content-type': FORM },
    body: Buffer.from('sessionId=a&sessionId=b&phoneNumber=0711000001&text=1&text=2'),
  },
  {
    label: "GET with a broken JSON body on Bull Board's files (its own JSON parser answered 400 { error: { key } })",
    method: 'GET',
    url: '/admin/queues/static/%ff',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${SECRETS.ADMIN_USER}:${SECRETS.ADMIN_PASSWORD}`).toString('base64')}`,
    },
    body: Buffer.from('":HUh"'),
  },
  {
    label: 'GET with a JSON body on the verification route',
    method: 'GET',
    url: '/channels/whatsapp?hub.mode=subscribe&hub.verify_token=fuzz-verify-token',
    headers: { 'content-type': 'application/json' },
    body: Buffer.from('{"a":'),
  },
];

describe('HTTP fuzz of every gateway route', () => {
  const prefix = uniquePrefix('httpfuzz');
  let rt: Runtime;
  let app: GatewayServer;
  let workers: WorkerHandle;
  let base: string;
  let routes: Route[];
  const crashes: unknown[] = [];
  const onCrash = (err: unknown) => crashes.push(err);

  beforeAll(async () => {
    process.on('unhandledRejection', onCrash);
    process.on('uncaughtException', onCrash);
    const config = loadConfig({
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: prefix,
      PACKS_DIR: path.join(ROOT, 'packs'),
      MODELS_DIR: path.join(ROOT, '.no-models'),
      INDEX_DIR: path.join(ROOT, '.baraza', 'fuzz-no-index'),
      PII_SALT: 'fuzz-salt',
      LOG_LEVEL: 'silent',
      SEND_MODE: 'simulator',
      SIMULATOR: 'on',
      PUBLIC_BASE_URL,
      USSD_DEADLINE_MS: '2000',
      BODY_LIMIT_BYTES: String(BODY_LIMIT),
      IP_RATE_LIMIT_PER_MINUTE: '1000000',
      RATE_LIMIT_PER_MINUTE: '1000',
      ...SECRETS,
    });
    rt = await createRuntime(config);
    workers = await startWorkers(rt);
    app = await createGatewayServer(rt);
    const { port } = await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${port}`;
    routes = routeTable(app.app.router.stack);
  }, 60_000);

  afterAll(async () => {
    agent.destroy();
    await app?.close();
    await workers?.close();
    await rt?.close();
    await cleanupPrefix(prefix);
    process.off('unhandledRejection', onCrash);
    process.off('uncaughtException', onCrash);
  });

  it('knows every mounted route (the fuzz reaches channels, simulator and admin)', () => {
    const paths = routes.map((r) => r.path);
    for (const p of [
      '/channels/africastalking/ussd',
      '/channels/twilio/status',
      '/channels/whatsapp',
      '/simulator/api/outbox',
      // Bull Board is loaded on the first visit, so its pages are one mounted handler, fuzzed below that path.
      '/admin/queues/*',
      '/healthz',
    ]) {
      expect(paths).toContain(p);
    }
  });

  it('regression cases: no 5xx, every 4xx a JSON { error }', async () => {
    for (const r of REGRESSIONS) {
      const res = await send(base, r);
      expect({ label: r.label, problem: problemWith(r, res) }).toEqual({ label: r.label, problem: undefined });
    }
  });

  it(`${REQUESTS} malformed requests: no 5xx, no crash, every 4xx a JSON { error } naming the problem`, async () => {
    const statuses = new Map<number, number>();
    let sent = 0;
    // In batches sent at once, as providers do (concurrent webhooks also meet each other in the store).
    await fc.assert(
      fc.asyncProperty(fc.array(fuzzRequest(routes), { minLength: IN_FLIGHT, maxLength: IN_FLIGHT }), async (batch) => {
        const results = await Promise.all(batch.map((r) => send(base, r)));
        sent += batch.length;
        results.forEach((res, i) => {
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          const problem = problemWith(batch[i]!, res);
          if (problem) throw new Error(`${batch[i]!.label}: ${problem}`);
        });
      }),
      { numRuns: Math.ceil(REQUESTS / IN_FLIGHT), endOnFailure: true },
    );
    expect(sent).toBeGreaterThanOrEqual(REQUESTS);
    const health = await send(base, { method: 'GET', url: '/healthz', headers: {}, label: 'healthz' });
    expect(health.status).toBe(200);
    expect(crashes).toEqual([]);
    // The generator reaches past the guards: accepted requests, not only rejections.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(REQUESTS / 20);
  }, 120_000);
});
