/**
 * Meta WhatsApp Cloud API cases, run by tests/support/channel-cases.ts. Incoming: the real webhooks in testdata/,
 * then what each variation must answer and queue or store; every body is signed with the app secret
 * (X-Hub-Signature-256 over the raw bytes) unless the case says otherwise (see `signMeta`). Outgoing: what the
 * sender posts to the Graph API and what it makes of Graph's answers.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChannelRequest, IncomingCase, OutgoingCase } from '../../tests/support/channel-cases.js';
import { signBody } from './signature.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
/** A real webhook body, as Meta sends it. */
export const fixture = (name: string) => readFileSync(path.join(dir, name), 'utf8');

export const WHATSAPP_PATH = '/channels/whatsapp';
export const META_TEST_SECRET = 'test-app-secret';
export const META_TEST_VERIFY_TOKEN = 'verify-me-please';
/** The subscriber of every fixture, and the moment the tests' clock says it is. */
export const FROM = '+254712345678';
export const NOW = Date.parse('2026-01-01T08:00:30Z');

export interface MetaCase extends IncomingCase {
  /** @defaultValue 'valid' */
  signature?: 'valid' | 'forged' | 'none' | 'malformed';
}

/** Signs a case's raw body as Meta does (HMAC-SHA256 with the app secret), or forges/omits/garbles it. */
export function signMeta(secret: string) {
  return (req: ChannelRequest, c: MetaCase): ChannelRequest => {
    const how = c.signature ?? 'valid';
    if (req.method !== 'POST' || how === 'none') return req;
    const body = req.body ?? '';
    const value =
      how === 'valid' ? signBody(body, secret) : how === 'forged' ? signBody(body, 'not-the-secret') : 'md5=abc';
    return { ...req, headers: { ...req.headers, 'x-hub-signature-256': value } };
  };
}

const statusId = (body: string) => JSON.parse(body).entry[0].changes[0].value.statuses[0].id as string;
const delivered = fixture('status_delivered.json');
const failed = fixture('status_failed.json');
const receivedAt = new Date(NOW).toISOString();

export const webhookCases: MetaCase[] = [
  {
    label: 'text message',
    body: fixture('text.json'),
    status: 200,
    inbound: {
      id: 'meta:whatsapp:wamid.HBgMMjU0NzEyMzQ1Njc4FQIAEhgUM0E5QjE2RjE1QjA3RDQ1RkU3MjYA',
      channel: 'whatsapp',
      provider: 'meta',
      from: FROM,
      text: 'When should I plant beans?',
      receivedAt,
    },
  },
  {
    label: 'button reply',
    body: fixture('button_reply.json'),
    status: 200,
    inbound: {
      from: FROM,
      text: 'Farming tips',
      interactive: { kind: 'button', id: 'pack:agri-advisory', title: 'Farming tips' },
      receivedAt,
    },
  },
  {
    label: 'list reply',
    body: fixture('list_reply.json'),
    status: 200,
    inbound: { interactive: { kind: 'list', id: 'topic:agri-advisory:beans', title: 'Beans' }, receivedAt },
  },
  {
    label: 'location',
    body: fixture('location.json'),
    status: 200,
    inbound: {
      text: '',
      location: { latitude: -0.2833, longitude: 36.0667, name: 'Nakuru market', address: 'Kenyatta Avenue, Nakuru' },
      receivedAt,
    },
  },
  { label: 'image', body: fixture('image.json'), status: 200, inbound: { unsupported: 'image', text: '', receivedAt } },
  { label: 'voice note', body: fixture('audio.json'), status: 200, inbound: { unsupported: 'audio', receivedAt } },
  { label: 'sticker', body: fixture('sticker.json'), status: 200, inbound: { unsupported: 'sticker', receivedAt } },
  {
    label: 'delivered status',
    body: delivered,
    status: 200,
    statusEvent: {
      providerMessageId: 'wamid.HBgMMjU0NzEyMzQ1Njc4FQIAERgSQzJFRjlCMjQ0QTk0RjBDNjQ5AA==',
      status: 'delivered',
      providerStatus: 'delivered',
      subscriber: FROM,
      at: '2026-01-01T08:01:00.000Z',
    },
  },
  {
    label: 'failed status (re-engagement)',
    body: failed,
    status: 200,
    statusEvent: {
      providerMessageId: statusId(failed),
      status: 'failed',
      failureReason: '131047 Re-engagement message',
    },
  },
  {
    label: 'unknown status word',
    body: delivered.replace('"delivered"', '"deleted"'),
    status: 200,
    statusEvent: { providerMessageId: statusId(delivered), status: 'unknown', providerStatus: 'deleted' },
  },
  {
    label: 'forged signature',
    body: fixture('text.json'),
    signature: 'forged',
    status: 403,
    error: /X-Hub-Signature-256 does not match/,
  },
  {
    label: 'missing signature',
    body: fixture('text.json'),
    signature: 'none',
    status: 403,
    error: /X-Hub-Signature-256 header is missing/,
  },
  {
    label: 'malformed signature',
    body: fixture('text.json'),
    signature: 'malformed',
    status: 403,
    error: /X-Hub-Signature-256 must be/,
  },
  {
    label: 'malformed JSON',
    body: '{"object":"whatsapp_business_account","entry":[',
    status: 400,
    error: /not valid JSON/,
  },
  {
    label: 'malformed JSON with a forged signature: the signature is judged first',
    body: '{"object":"whatsapp_business_account","entry":[',
    signature: 'forged',
    status: 403,
    error: /X-Hub-Signature-256 does not match/,
  },
  {
    label: 'not a WhatsApp object',
    body: JSON.stringify({ object: 'page', entry: [] }),
    status: 400,
    error: /^object:/,
  },
  {
    label: 'entry missing',
    body: JSON.stringify({ object: 'whatsapp_business_account' }),
    status: 400,
    error: /^entry:/,
  },
  {
    label: 'wrong content type',
    body: fixture('text.json'),
    contentType: 'text/plain',
    status: 415,
    error: /Content-Type must be application\/json/,
  },
  {
    label: 'message without from is skipped, delivery acknowledged',
    body: fixture('text.json').replace('"from": "254712345678",', ''),
    status: 200,
  },
  {
    label: 'template status updates (other fields) are acknowledged',
    body: JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '1',
          changes: [{ field: 'message_template_status_update', value: { event: 'APPROVED', message_template_id: 5 } }],
        },
      ],
    }),
    status: 200,
  },
];

const verifyPath = (query: Record<string, string>) => `${WHATSAPP_PATH}?${new URLSearchParams(query)}`;

export const verificationCases: MetaCase[] = [
  {
    label: 'correct token',
    method: 'GET',
    path: verifyPath({
      'hub.mode': 'subscribe',
      'hub.verify_token': META_TEST_VERIFY_TOKEN,
      'hub.challenge': '1158201444',
    }),
    status: 200,
    responseBody: '1158201444',
    responseType: /^text\/plain/,
  },
  {
    label: 'wrong token',
    method: 'GET',
    path: verifyPath({ 'hub.mode': 'subscribe', 'hub.verify_token': 'guess', 'hub.challenge': '1' }),
    status: 403,
    error: /hub\.verify_token/,
  },
  {
    label: 'token missing',
    method: 'GET',
    path: verifyPath({ 'hub.mode': 'subscribe', 'hub.challenge': '1' }),
    status: 403,
    error: /hub\.verify_token/,
  },
  {
    label: 'wrong mode',
    method: 'GET',
    path: verifyPath({ 'hub.mode': 'unsubscribe', 'hub.verify_token': META_TEST_VERIFY_TOKEN, 'hub.challenge': '1' }),
    status: 403,
    error: /hub\.mode/,
  },
  {
    label: 'challenge missing',
    method: 'GET',
    path: verifyPath({ 'hub.mode': 'subscribe', 'hub.verify_token': META_TEST_VERIFY_TOKEN }),
    status: 400,
    error: /hub\.challenge/,
  },
];

// ---------------------------------------------------------------------------------------------------------------
// Outgoing: what the sender asks of the Graph API's /messages, and what it makes of the answer (sent inside the
// 24-hour window unless a case says otherwise).

export const GRAPH_API = 'https://graph.facebook.com';
export const GRAPH_MESSAGES_PATH = '/v21.0/106540352242922/messages';
export const META_TEST_TOKEN = 'EAAG-test-token';
const SENT_WAMID = 'wamid.HBgMMjU0NzEyMzQ1Njc4FQIAERgSQUFBQUFBQUFBQUFBAA==';

/** Graph's answer to an accepted message. */
export const graphAccepted = (id = SENT_WAMID) => ({
  messaging_product: 'whatsapp',
  contacts: [{ input: '254712345678', wa_id: '254712345678' }],
  messages: [{ id }],
});

const envelope = { messaging_product: 'whatsapp', recipient_type: 'individual', to: '254712345678' };
const sentWith = (request: unknown): Omit<OutgoingCase, 'label'> => ({
  response: { status: 200, body: graphAccepted() },
  request,
  requestHeaders: { authorization: `Bearer ${META_TEST_TOKEN}`, 'content-type': 'application/json' },
  receipt: { providerMessageId: SENT_WAMID },
});
const refusedWith = (status: number, body: unknown, error: OutgoingCase['error']): Omit<OutgoingCase, 'label'> => ({
  response: { status, body },
  error: { status, optOut: false, ...error },
});

export const outgoingCases: OutgoingCase[] = [
  {
    label: 'text inside the window',
    ...sentWith({
      ...envelope,
      type: 'text',
      text: { preview_url: false, body: 'Plant beans at the start of the rains.' },
    }),
  },
  {
    label: 'reply buttons (at most 3, titles cut to 20)',
    message: {
      text: 'Welcome to Baraza.',
      buttons: [
        { id: 'menu:ask', title: 'Ask a question' },
        { id: 'pack:agri-advisory', title: 'Farming advice for smallholders' },
        { id: 'pack:financial-literacy', title: 'Money tips' },
        { id: 'pack:extra', title: 'Never shown' },
      ],
    },
    ...sentWith({
      ...envelope,
      type: 'interactive',
      interactive: {
        type: 'button',
        body: { text: 'Welcome to Baraza.' },
        action: {
          buttons: [
            { type: 'reply', reply: { id: 'menu:ask', title: 'Ask a question' } },
            { type: 'reply', reply: { id: 'pack:agri-advisory', title: 'Farming advice for…' } },
            { type: 'reply', reply: { id: 'pack:financial-literacy', title: 'Money tips' } },
          ],
        },
      },
    }),
  },
  {
    label: 'list (at most 10 rows, titles cut to 24)',
    message: {
      text: 'Choose a topic.',
      list: {
        button: 'Topics',
        rows: Array.from({ length: 12 }, (_, i) => ({
          id: `topic:p:t${i}`,
          title: i === 0 ? 'Soil fertility and organic manure' : `Topic ${i}`,
          ...(i === 1 ? { description: 'About topic one' } : {}),
        })),
      },
    },
    ...sentWith({
      ...envelope,
      type: 'interactive',
      interactive: {
        type: 'list',
        body: { text: 'Choose a topic.' },
        action: {
          button: 'Topics',
          sections: [
            {
              rows: [
                { id: 'topic:p:t0', title: 'Soil fertility and…' },
                { id: 'topic:p:t1', title: 'Topic 1', description: 'About topic one' },
                ...Array.from({ length: 8 }, (_, i) => ({ id: `topic:p:t${i + 2}`, title: `Topic ${i + 2}` })),
              ],
            },
          ],
        },
      },
    }),
  },
  {
    label: 'explicit template',
    message: { template: { name: 'daily_tip', lang: 'sw', params: ['Panda mapema.\nTumia mbolea.'] } },
    ...sentWith({
      ...envelope,
      type: 'template',
      template: {
        name: 'daily_tip',
        language: { code: 'sw' },
        components: [{ type: 'body', parameters: [{ type: 'text', text: 'Panda mapema. Tumia mbolea.' }] }],
      },
    }),
  },
  {
    label: '401 invalid token',
    ...refusedWith(
      401,
      { error: { message: 'Error validating access token', type: 'OAuthException', code: 190, error_subcode: 463 } },
      { retryable: false, code: '190' },
    ),
  },
  {
    label: '400 with code 190 (expired token)',
    ...refusedWith(
      400,
      { error: { message: 'Session has expired', type: 'OAuthException', code: 190 } },
      {
        retryable: false,
        code: '190',
      },
    ),
  },
  {
    label: '429 too many requests',
    ...refusedWith(429, { error: { message: 'Rate limit hit', code: 130429 } }, { retryable: true, code: '130429' }),
  },
  {
    label: '400 pair rate limit 131056',
    ...refusedWith(400, { error: { message: 'Pair rate limit', code: 131056 } }, { retryable: true }),
  },
  {
    label: '500 internal error',
    ...refusedWith(500, { error: { message: 'An unknown error occurred', code: 1 } }, { retryable: true }),
  },
  {
    label: '503 without a JSON body',
    ...refusedWith(503, 'Service Unavailable', { retryable: true }),
  },
  {
    label: '400 invalid parameter',
    ...refusedWith(400, { error: { message: 'Invalid parameter', code: 100 } }, { retryable: false, code: '100' }),
  },
  {
    label: '400 user stopped messages (131050)',
    ...refusedWith(
      400,
      { error: { message: 'User stopped marketing messages', code: 131050 } },
      {
        retryable: false,
        optOut: true,
      },
    ),
  },
];
