import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';

/** The channel a subscriber uses; every adapter maps its provider traffic onto these. */
export type Channel = 'ussd' | 'sms' | 'whatsapp';
export type Provider = 'africastalking' | 'twilio' | 'meta' | 'simulator';

interface InteractiveReply {
  kind: 'button' | 'list';
  id: string;
  title: string;
}

export interface InboundMessage {
  /**
   * Gateway-wide id, `<provider>:<channel>:<providerMessageId>` (inboundMessageId), so ids from different channels
   * of one provider never meet; also the inbound job id. acceptInbound puts every message under this form.
   */
  id: string;
  channel: Channel;
  provider: Provider;
  /** Subscriber number, E.164 with a leading `+`. */
  from: string;
  /** Our short code / number as the provider gave it. */
  to?: string;
  text: string;
  providerMessageId: string;
  /** ISO-8601 time the gateway received it. */
  receivedAt: string;
  /** ISO-8601 time the provider says the subscriber sent it (a signed field), when it says: replays are judged by it. */
  sentAt?: string;
  ussdSessionId?: string;
  /** Language hint from the provider or the request (ISO 639-1/3), if any. */
  localeHint?: string;
  interactive?: InteractiveReply;
  location?: { latitude: number; longitude: number; name?: string; address?: string };
  /** A media or other message type we cannot read (audio, image, sticker...). */
  unsupported?: string;
  /** Africa's Talking premium SMS link id, passed back on the reply. */
  linkId?: string;
}

/** Longest provider message id kept (Meta wamids are about 60 characters): longer ones are dropped at parse time. */
export const MAX_PROVIDER_ID_LENGTH = 256;

/** `<provider>:<channel>:<providerMessageId>`: an AT SMS id `ussd:S:1` can never equal a USSD question's id. */
export function inboundMessageId(provider: Provider, channel: Channel, providerMessageId: string): string {
  return `${provider}:${channel}:${providerMessageId}`;
}

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

/**
 * How long each provider may deliver the same message again: Meta retries a webhook for up to 7 days; Twilio
 * and Africa's Talking retry on timeouts within minutes (two days leaves a wide margin).
 */
const PROVIDER_RETRY_WINDOW_MS: Readonly<Record<Provider, number>> = Object.freeze({
  meta: 7 * DAY,
  twilio: 2 * DAY,
  africastalking: 2 * DAY,
  simulator: 2 * DAY,
});

/**
 * Replay protection per provider. A message is dropped as a replay only when it is older (by the provider's
 * own signed timestamp) than the whole retry window plus an hour for clocks, so a message the provider may
 * still retry is never dropped; its dedupe mark lasts an hour longer than that, so a replay inside the window
 * always meets the mark. A captured signed request is therefore useless at any age.
 */
export function replayWindow(provider: Provider): { maxAgeMs: number; dedupeTtlMs: number } {
  const retry = PROVIDER_RETRY_WINDOW_MS[provider];
  return { maxAgeMs: retry + HOUR, dedupeTtlMs: retry + 2 * HOUR };
}

/** True when the provider's own timestamp puts `sentAt` past the provider's replay window at `nowMs`. */
export function olderThanReplayWindow(provider: Provider, sentAt: string | undefined, nowMs: number): boolean {
  if (sentAt === undefined) return false;
  const sent = Date.parse(sentAt);
  return Number.isFinite(sent) && nowMs - sent > replayWindow(provider).maxAgeMs;
}

export interface ReplyButton {
  id: string;
  title: string;
}

export interface ListRow {
  id: string;
  title: string;
  description?: string;
}

export type OutboundKind = 'reply' | 'tip' | 'ussd-fallback' | 'system';

export interface OutboundMessage {
  /** Idempotency key: a retried job with the same id never sends twice. */
  id: string;
  channel: Exclude<Channel, 'ussd'>;
  provider: Provider;
  to: string;
  text: string;
  kind: OutboundKind;
  /** The inbound message this answers, if any. */
  replyTo?: string;
  linkId?: string;
  buttons?: ReplyButton[];
  list?: { button: string; rows: ListRow[] };
  /** Set when the WhatsApp 24-hour window is closed: send this template instead of free text. */
  template?: { name: string; lang: string; params: string[] };
  createdAt: string;
}

export type DeliveryStatus = 'queued' | 'sent' | 'delivered' | 'read' | 'failed' | 'unknown';

export interface StatusEvent {
  kind: 'status';
  provider: Provider;
  providerMessageId: string;
  status: DeliveryStatus;
  /** The provider's own word, kept for operators. */
  providerStatus: string;
  subscriber?: string;
  failureReason?: string;
  /** The provider says this number refuses our messages (blacklist, STOP, 21610). */
  optedOut?: boolean;
  at: string;
}

export class InvalidPhoneNumberError extends Error {
  override readonly name = 'InvalidPhoneNumberError';
}

/**
 * Numbers recently normalised (null: not a number). The same subscriber's number arrives on every USSD hop and
 * message, and parsing with full metadata was a sixth of a gateway's CPU per webhook (npm run bench, profiled).
 * The function is pure, so the cache cannot change a result; it is bounded, and long inputs are never kept.
 */
const NORMALISED_CACHE_SIZE = 20_000;
const normalised = new Map<string, string | null>();

function parseSubscriber(raw: string, defaultCountry: string): string | null {
  const cleaned = raw
    .trim()
    .replace(/^whatsapp:/i, '')
    .replace(/^00/, '+');
  const withPlus = /^\d{10,15}$/.test(cleaned) && !cleaned.startsWith('0') ? `+${cleaned}` : cleaned;
  const parsed = parsePhoneNumberFromString(withPlus, defaultCountry as CountryCode);
  return parsed?.isPossible() ? parsed.number : null;
}

/** E.164 with `+`; accepts `whatsapp:` prefixes, spaces, `00` and national forms (in `defaultCountry`). */
export function normaliseSubscriber(raw: string, defaultCountry = 'KE'): string {
  const key = `${defaultCountry}|${raw}`;
  let number = normalised.get(key);
  if (number === undefined) {
    number = parseSubscriber(raw, defaultCountry);
    if (raw.length <= 48) {
      if (normalised.size >= NORMALISED_CACHE_SIZE) normalised.delete(normalised.keys().next().value!);
      normalised.set(key, number);
    }
  }
  if (number === null) throw new InvalidPhoneNumberError(`not a phone number: "${raw.slice(0, 32)}"`);
  return number;
}

/** ISO 3166 country of an E.164 number, if known. */
export function countryOf(e164: string): string | undefined {
  return parsePhoneNumberFromString(e164)?.country;
}
