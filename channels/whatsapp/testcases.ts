/**
 * Meta WhatsApp Cloud API incoming cases, run by tests/support/channel-cases.ts: the real webhooks in testdata/,
 * then what each variation must answer and queue or store. Every body is signed with the app secret
 * (X-Hub-Signature-256 over the raw bytes) unless the case says otherwise: see `signMeta`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChannelRequest, IncomingCase } from '../../tests/support/channel-cases.js';
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
      id: 'meta:wamid.HBgMMjU0NzEyMzQ1Njc4FQIAEhgUM0E5QjE2RjE1QjA3RDQ1RkU3MjYA',
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
