/**
 * Twilio cases, run by tests/support/channel-cases.ts. Incoming: the real webhooks in testdata/, then what each
 * variation must answer and queue or store; every request is signed (X-Twilio-Signature over the URL it is sent
 * to) unless the case says otherwise (see `signTwilio`). Outgoing: what the sender posts to Twilio's Messages API
 * and what it makes of Twilio's real answers.
 */
import twilio from 'twilio';
import {
  type ChannelRequest,
  formFixture as fixture,
  type IncomingCase,
  type OutgoingCase,
  without,
} from '../../tests/support/channel-cases.js';
import { EMPTY_TWIML } from './routes.js';
import error20003 from './testdata/send-error-20003.json' with { type: 'json' };
import error20429 from './testdata/send-error-20429.json' with { type: 'json' };
import error21610 from './testdata/send-error-21610.json' with { type: 'json' };
import created from './testdata/send-response-created.json' with { type: 'json' };
import smsInbound from './testdata/sms-inbound.json' with { type: 'json' };
import statusDelivered from './testdata/status-delivered.json' with { type: 'json' };
import statusOptOut from './testdata/status-undelivered-21610.json' with { type: 'json' };
import whatsappButton from './testdata/whatsapp-button.json' with { type: 'json' };
import whatsappImage from './testdata/whatsapp-image.json' with { type: 'json' };
import whatsappInbound from './testdata/whatsapp-inbound.json' with { type: 'json' };
import whatsappListReply from './testdata/whatsapp-list-reply.json' with { type: 'json' };
import whatsappLocation from './testdata/whatsapp-location.json' with { type: 'json' };

export const MESSAGING = '/channels/twilio/messaging';
export const STATUS = '/channels/twilio/status';
export const TWILIO_TEST_TOKEN = 'twilio-test-auth-token';
/** The AccountSid of every recorded webhook in testdata/ (and the account the sender tests post as). */
export const TWILIO_TEST_SID = 'AC00000000000000000000000000000001';

export const sms = fixture(smsInbound);
const wa = fixture(whatsappInbound);
const delivered = fixture(statusDelivered);
const optOut = fixture(statusOptOut);

export interface TwilioCase extends IncomingCase {
  /** Sign for this URL instead of the one the request goes to (or for what this makes of that URL). */
  signUrl?: string | ((requestUrl: string) => string);
  /** Sign these fields instead of the ones sent (a body changed after signing). */
  signFields?: Record<string, string>;
  /** This header value instead of a signature; null sends none. */
  signature?: string | null;
}

/**
 * Signs a case's request as Twilio does: HMAC-SHA1 of the full URL it calls and the sorted form fields. The URL is
 * `publicBase` + path when given (PUBLIC_BASE_URL, what Twilio was told to call), else the one the request goes to.
 */
export function signTwilio(token: string, publicBase?: string) {
  return (req: ChannelRequest, c: TwilioCase, h: { base: string }): ChannelRequest => {
    const url = (publicBase ?? h.base) + req.path;
    const signUrl = typeof c.signUrl === 'function' ? c.signUrl(url) : (c.signUrl ?? url);
    const signature =
      c.signature === null
        ? undefined
        : (c.signature ?? twilio.getExpectedTwilioSignature(token, signUrl, c.signFields ?? req.fields ?? {}));
    return signature ? { ...req, headers: { ...req.headers, 'x-twilio-signature': signature } } : req;
  };
}

const acknowledged = { responseBody: EMPTY_TWIML, responseType: /^text\/xml/ } as const;
const FORM_ONLY = 'Content-Type must be application/x-www-form-urlencoded';
const MISMATCH = 'X-Twilio-Signature does not match the request';

export const messagingCases: TwilioCase[] = [
  {
    label: 'signed SMS',
    body: sms,
    status: 200,
    ...acknowledged,
    inbound: {
      id: `twilio:sms:${sms.MessageSid}`,
      channel: 'sms',
      provider: 'twilio',
      from: '+254711082123',
      to: '+254700000111',
      text: 'How do I store beans after harvest?',
      providerMessageId: sms.MessageSid,
    },
  },
  {
    label: 'signed WhatsApp text',
    body: wa,
    status: 200,
    ...acknowledged,
    inbound: {
      id: `twilio:whatsapp:${wa.MessageSid}`,
      channel: 'whatsapp',
      from: '+254711082123',
      text: 'Nipande mahindi lini?',
    },
  },
  {
    label: 'WhatsApp image without words',
    body: fixture(whatsappImage),
    status: 200,
    ...acknowledged,
    inbound: { channel: 'whatsapp', unsupported: 'image', text: '' },
  },
  {
    label: 'WhatsApp location',
    body: fixture(whatsappLocation),
    status: 200,
    ...acknowledged,
    inbound: { channel: 'whatsapp', location: { latitude: -1.2921, longitude: 36.8219, address: 'Nairobi' } },
  },
  {
    label: 'WhatsApp quick-reply button',
    body: fixture(whatsappButton),
    status: 200,
    ...acknowledged,
    inbound: { channel: 'whatsapp', interactive: { kind: 'button', id: 'menu:ask', title: 'Ask a question' } },
  },
  {
    label: 'WhatsApp list-picker row',
    body: fixture(whatsappListReply),
    status: 200,
    ...acknowledged,
    inbound: { channel: 'whatsapp', interactive: { kind: 'list', id: 'choice:2', title: 'Keep your PIN secret' } },
  },
  {
    label: 'signed with a query string in the URL',
    path: `${MESSAGING}?tenant=coop-1`,
    body: { ...sms, MessageSid: 'SMquery' },
    status: 200,
    ...acknowledged,
    inbound: { id: 'twilio:sms:SMquery' },
  },
  {
    label: 'missing MessageSid',
    body: without(sms, 'MessageSid'),
    status: 400,
    error: "field 'MessageSid' is required",
  },
  { label: 'missing From', body: without(sms, 'From'), status: 400, error: "field 'From' is required" },
  { label: 'missing Body', body: without(sms, 'Body'), status: 400, error: "field 'Body' is required" },
  {
    label: 'From that is not a number',
    body: { ...sms, MessageSid: 'SMbadfrom', From: 'client:alice' },
    status: 400,
    error: "field 'From' is not a valid phone number",
  },
  {
    label: 'no X-Twilio-Signature',
    body: { ...sms, MessageSid: 'SMunsigned' },
    signature: null,
    status: 403,
    error: 'X-Twilio-Signature header is missing',
  },
  {
    label: 'forged X-Twilio-Signature',
    body: { ...sms, MessageSid: 'SMforged' },
    signature: 'bm90IGEgcmVhbCBzaWduYXR1cmU=',
    status: 403,
    error: MISMATCH,
  },
  {
    label: 'body changed after signing',
    body: { ...sms, MessageSid: 'SMtampered', Body: 'Send me money' },
    signFields: { ...sms, MessageSid: 'SMtampered' },
    status: 403,
    error: MISMATCH,
  },
  {
    label: 'signed for another URL',
    body: { ...sms, MessageSid: 'SMotherurl' },
    signUrl: 'https://evil.example.com/channels/twilio/messaging',
    status: 403,
    error: MISMATCH,
  },
  { label: 'JSON body', body: sms, contentType: 'application/json', status: 415, error: FORM_ONLY },
];

const OTHER_ACCOUNT = "field 'AccountSid' is not this gateway's TWILIO_ACCOUNT_SID";

/**
 * Finding 10 (issue 14): signed with our token, but naming another account than TWILIO_ACCOUNT_SID (a request
 * captured elsewhere and replayed, or a sub-account this gateway does not serve): refused, nothing queued.
 */
export const accountCases: TwilioCase[] = [
  {
    label: 'a message for another AccountSid',
    body: { ...sms, MessageSid: 'SMotheraccount', AccountSid: 'AC99999999999999999999999999999999' },
    status: 403,
    error: OTHER_ACCOUNT,
  },
  {
    label: 'a message without AccountSid',
    body: without({ ...sms, MessageSid: 'SMnoaccount' }, 'AccountSid'),
    status: 403,
    error: OTHER_ACCOUNT,
  },
];

/** A status callback for another account changes nothing stored (finding 10). */
export const accountStatusCases: TwilioCase[] = [
  {
    label: 'a status callback for another AccountSid',
    body: { ...delivered, MessageSid: 'SMotheraccountstatus', AccountSid: 'AC99999999999999999999999999999999' },
    status: 403,
    error: OTHER_ACCOUNT,
  },
];

/** Twilio's status words in ours, stored under the MessageSid. */
const mapped: [string, 'queued' | 'sent' | 'delivered' | 'read' | 'failed'][] = [
  ['accepted', 'queued'],
  ['queued', 'queued'],
  ['sending', 'sent'],
  ['sent', 'sent'],
  ['delivered', 'delivered'],
  ['read', 'read'],
  ['undelivered', 'failed'],
  ['failed', 'failed'],
  ['canceled', 'failed'],
];

export const statusCases: TwilioCase[] = [
  ...mapped.map(
    ([word, ours]): TwilioCase => ({
      label: `maps ${word} to ${ours} and stores it`,
      body: { ...delivered, MessageSid: `SMstatus${word}`, MessageStatus: word },
      status: 204,
      responseBody: '',
      statusEvent: {
        providerMessageId: `SMstatus${word}`,
        status: ours,
        providerStatus: word,
        subscriber: '+254711082123',
      },
    }),
  ),
  {
    label: 'unknown status',
    body: { ...delivered, MessageStatus: 'teleported' },
    status: 400,
    error: `field 'MessageStatus' has an unknown value "teleported"`,
  },
  {
    label: 'missing MessageStatus',
    body: without(delivered, 'MessageStatus'),
    status: 400,
    error: "field 'MessageStatus' is required",
  },
  {
    label: 'missing MessageSid',
    body: without(delivered, 'MessageSid'),
    status: 400,
    error: "field 'MessageSid' is required",
  },
  { label: 'a forged status callback', body: delivered, signature: 'Zm9yZ2Vk', status: 403, error: MISMATCH },
  {
    label: 'error 21610 marks the recipient opted out',
    body: optOut,
    status: 204,
    statusEvent: { providerMessageId: optOut.MessageSid!, status: 'failed', failureReason: '21610', optedOut: true },
    optedOut: '+254711082123',
  },
];

// ---------------------------------------------------------------------------------------------------------------
// Outgoing: what the sender asks of Twilio's Messages API, and what it makes of the answer.

export const TWILIO_API = 'https://api.twilio.com';
export const TWILIO_MESSAGES_PATH = `/2010-04-01/Accounts/${TWILIO_TEST_SID}/Messages.json`;

const refused = (status: number, body: unknown, error: OutgoingCase['error']) => ({
  response: { status, body },
  error,
});

export const outgoingCases: OutgoingCase[] = [
  {
    label: 'creates an SMS with the configured sender, shaped body and status callback',
    message: { text: 'Dry beans well — then store them “airtight”.' },
    response: { status: 201, body: created },
    request: {
      To: '+254711082123',
      From: '+254700000111',
      Body: 'Dry beans well - then store them "airtight".',
      StatusCallback: 'https://baraza.example.org/channels/twilio/status',
    },
    requestHeaders: {
      authorization: `Basic ${Buffer.from(`${TWILIO_TEST_SID}:${TWILIO_TEST_TOKEN}`).toString('base64')}`,
    },
    receipt: { providerMessageId: created.sid, segments: 1, encoding: 'GSM-7' },
  },
  {
    label: 'maps 401 (20003) bad credentials to a ProviderSendError',
    ...refused(401, error20003, { retryable: false, status: 401, code: '20003' }),
  },
  {
    label: 'maps 429 (20429) too many requests to a ProviderSendError',
    ...refused(429, error20429, { retryable: true, status: 429, code: '20429' }),
  },
  {
    label: 'maps 500 server error to a ProviderSendError',
    ...refused(500, { code: 20500, message: 'Internal Server Error', status: 500 }, { retryable: true, status: 500 }),
  },
  {
    label: 'maps 400 (21610) unsubscribed recipient to a ProviderSendError',
    ...refused(400, error21610, { retryable: false, optOut: true, status: 400, code: '21610' }),
  },
  {
    label: 'maps 400 (21211) invalid To to a ProviderSendError',
    ...refused(
      400,
      { code: 21211, message: "The 'To' number is not a valid phone number.", status: 400 },
      { retryable: false, status: 400, code: '21211' },
    ),
  },
  {
    label: 'maps 400 (63016) WhatsApp window closed to a ProviderSendError',
    ...refused(
      400,
      {
        code: 63016,
        message: 'Failed to send freeform message because you are outside the allowed window.',
        status: 400,
      },
      { retryable: false, windowClosed: true, code: '63016' },
    ),
  },
];
