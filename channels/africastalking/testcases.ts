/**
 * Africa's Talking cases, run by tests/support/channel-cases.ts. Incoming: the real callbacks in testdata/, then
 * what each variation must answer and queue or store. Outgoing: what the sender posts to AT's API and what it
 * makes of AT's real answers.
 */
import {
  formFixture as fixture,
  type IncomingCase,
  type OutgoingCase,
  without,
} from '../../tests/support/channel-cases.js';
import blacklistResponse from './testdata/send-response-blacklist.json' with { type: 'json' };
import successResponse from './testdata/send-response-success.json' with { type: 'json' };
import deliveryBlacklist from './testdata/sms-delivery-blacklist.json' with { type: 'json' };
import deliverySuccess from './testdata/sms-delivery-success.json' with { type: 'json' };
import inboundSms from './testdata/sms-inbound.json' with { type: 'json' };
import firstHop from './testdata/ussd-first-hop.json' with { type: 'json' };

export const SMS_PATH = '/channels/africastalking/sms';
export const DELIVERY_PATH = '/channels/africastalking/delivery';
export const USSD_PATH = '/channels/africastalking/ussd';
const FORM_ONLY = 'Content-Type must be application/x-www-form-urlencoded';

export const sms = fixture(inboundSms);
export const delivery = { success: fixture(deliverySuccess), blacklist: fixture(deliveryBlacklist) };
export const ussdFirstHop = fixture(firstHop);

export const smsCases: IncomingCase[] = [
  {
    label: 'valid premium SMS',
    body: sms,
    status: 200,
    responseBody: '{"status":"accepted"}',
    inbound: {
      id: `africastalking:sms:${sms.id}`,
      channel: 'sms',
      provider: 'africastalking',
      from: '+254711082123',
      to: '40123',
      text: 'When should I plant maize?',
      providerMessageId: sms.id,
      linkId: 'SampleLinkId123',
    },
  },
  {
    label: 'valid SMS without linkId, national number format',
    body: { ...without(sms, 'linkId'), id: 'plain-1', from: '0711082124' },
    status: 200,
    inbound: { id: 'africastalking:sms:plain-1', from: '+254711082124', linkId: undefined },
  },
  { label: 'missing from', body: without(sms, 'from'), status: 400, error: "field 'from' is required" },
  { label: 'missing to', body: without(sms, 'to'), status: 400, error: "field 'to' is required" },
  { label: 'missing text', body: without(sms, 'text'), status: 400, error: "field 'text' is required" },
  { label: 'missing date', body: without(sms, 'date'), status: 400, error: "field 'date' is required" },
  { label: 'missing id', body: without(sms, 'id'), status: 400, error: "field 'id' is required" },
  { label: 'empty body', body: '', status: 400, error: "field 'from' is required" },
  {
    label: 'not a phone number',
    body: { ...sms, from: 'hello' },
    status: 400,
    error: "field 'from' is not a valid phone number",
  },
  {
    label: 'text too long',
    body: { ...sms, id: 'long', text: 'x'.repeat(2001) },
    status: 400,
    error: "field 'text' is longer than 2000 characters",
  },
  { label: 'JSON instead of a form', body: sms, contentType: 'application/json', status: 415, error: FORM_ONLY },
];

/** Every status word Africa's Talking reports, in our words, stored under the report's id. */
const mapped: [string, StatusWord][] = [
  ['Success', 'delivered'],
  ['Sent', 'sent'],
  ['Submitted', 'sent'],
  ['Buffered', 'queued'],
  ['Rejected', 'failed'],
  ['Failed', 'failed'],
  ['AbsentSubscriber', 'failed'],
];
type StatusWord = 'delivered' | 'sent' | 'queued' | 'failed';

export const deliveryCases: IncomingCase[] = [
  ...mapped.map(
    ([atStatus, ours]): IncomingCase => ({
      label: `maps ${atStatus} to ${ours} and stores it`,
      path: DELIVERY_PATH,
      body: { ...delivery.success, id: `ATXid_map_${atStatus}`, status: atStatus },
      status: 200,
      statusEvent: {
        providerMessageId: `ATXid_map_${atStatus}`,
        status: ours,
        providerStatus: atStatus,
        subscriber: '+254711082123',
      },
    }),
  ),
  {
    label: 'unknown status',
    path: DELIVERY_PATH,
    body: { ...delivery.success, status: 'Teleported' },
    status: 400,
    error: `field 'status' has an unknown value "Teleported"`,
  },
  ...['id', 'status', 'phoneNumber', 'networkCode'].map(
    (field): IncomingCase => ({
      label: `missing ${field}`,
      path: DELIVERY_PATH,
      body: without(delivery.success, field),
      status: 400,
      error: `field '${field}' is required`,
    }),
  ),
  {
    label: 'retryCount not a number',
    path: DELIVERY_PATH,
    body: { ...delivery.success, retryCount: 'many' },
    status: 400,
    error: "field 'retryCount' must be a whole number",
  },
];

export const ussdBadInputCases: IncomingCase[] = [
  { label: 'missing sessionId', body: { phoneNumber: '+254711082123', text: '' }, status: 400, error: /sessionId/ },
  { label: 'missing phoneNumber', body: { sessionId: 'abc', text: '' }, status: 400, error: /phoneNumber/ },
  { label: 'empty body', body: '', status: 400, error: /sessionId/ },
  {
    label: 'not a phone number',
    body: { sessionId: 'abc', phoneNumber: 'hello', text: '' },
    status: 400,
    error: /phoneNumber/,
  },
  {
    label: '10 kB text',
    body: { sessionId: 'abc', phoneNumber: '+254711082123', text: 'a'.repeat(10_240) },
    status: 400,
    error: /text/,
  },
  {
    label: 'wrong content type (JSON)',
    body: { sessionId: 'abc', phoneNumber: '+254711082123', text: '' },
    contentType: 'application/json',
    status: 415,
    error: /Content-Type/,
  },
  {
    label: 'wrong content type (plain text)',
    body: 'sessionId=abc',
    contentType: 'text/plain',
    status: 415,
    error: /Content-Type/,
  },
  {
    label: 'body over the size limit',
    body: { sessionId: 'abc', phoneNumber: '+254711082123', text: 'x'.repeat(70_000) },
    status: 413,
    error: /larger than/,
  },
];

// ---------------------------------------------------------------------------------------------------------------
// Outgoing: what the sender asks of AT's bulk SMS API, and what it makes of the answer.

export const AT_LIVE_API = 'https://api.africastalking.com';
const AT_CONTENT_API = 'https://content.africastalking.com';
export const AT_TEST_API_KEY = 'test-api-key';

export interface AtOutgoingCase extends OutgoingCase {
  /** Sender settings for this case (premium keyword, segment budget). */
  senderOptions?: { premiumKeyword?: string; maxSegments?: number };
}

export const outgoingCases: AtOutgoingCase[] = [
  {
    label: 'sends a reply through the bulk endpoint with the short code as sender',
    message: { text: 'It’s time — plant now…' },
    response: { status: 201, body: successResponse },
    request: {
      username: 'baraza-live',
      to: '+254711082123',
      message: "It's time - plant now...",
      from: '40123',
      bulkSMSMode: '1',
    },
    requestHeaders: { apikey: AT_TEST_API_KEY, accept: 'application/json' },
    receipt: { providerMessageId: 'ATXid_1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6', segments: 1, encoding: 'GSM-7' },
  },
  {
    label: 'asks AT to enqueue tips (bulk traffic)',
    message: { kind: 'tip', text: 'Tip: save a little every week.' },
    response: { status: 201, body: successResponse },
    requestContains: { bulkSMSMode: '1', enqueue: '1', message: 'Tip: save a little every week.' },
  },
  {
    label: 'passes the linkId through as a premium reply when a premium keyword is configured',
    host: AT_CONTENT_API,
    senderOptions: { premiumKeyword: 'BARAZA' },
    message: { linkId: 'SampleLinkId123' },
    response: { status: 201, body: successResponse },
    request: {
      username: 'baraza-live',
      to: '+254711082123',
      message: 'Plant maize at the onset of the long rains.',
      from: '40123',
      bulkSMSMode: '0',
      keyword: 'BARAZA',
      linkId: 'SampleLinkId123',
    },
  },
  {
    label: 'maps 401 bad credentials to a ProviderSendError',
    response: { status: 401, body: 'The supplied authentication is invalid' },
    error: { retryable: false, status: 401, code: 'unauthorized' },
  },
  {
    label: 'maps 429 rate limited to a ProviderSendError',
    response: { status: 429, body: 'Too Many Requests' },
    error: { retryable: true, status: 429, code: 'rate-limited' },
  },
  {
    label: 'maps 500 server error to a ProviderSendError',
    response: { status: 500, body: 'Internal Server Error' },
    error: { retryable: true, status: 500 },
  },
  {
    label: 'maps 503 unavailable to a ProviderSendError',
    response: { status: 503, body: 'Service Unavailable' },
    error: { retryable: true, status: 503 },
  },
  {
    label: 'maps 400 bad request to a ProviderSendError',
    response: { status: 400, body: 'Invalid phone number' },
    error: { retryable: false, status: 400 },
  },
  {
    label: 'reads a blacklisted recipient in a 201 answer as an opt-out',
    response: { status: 201, body: blacklistResponse },
    error: { retryable: false, optOut: true, code: 'UserInBlacklist' },
  },
];
