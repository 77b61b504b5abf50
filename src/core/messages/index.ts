import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';

/** The channel a subscriber uses; every adapter maps its provider traffic onto these. */
export type Channel = 'ussd' | 'sms' | 'whatsapp';
export type Provider = 'africastalking' | 'twilio' | 'meta' | 'simulator';

export interface InteractiveReply {
  kind: 'button' | 'list';
  id: string;
  title: string;
}

export interface InboundMessage {
  /** Gateway-wide id, `<provider>:<providerMessageId>`; also the inbound job id (dedupe). */
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

export interface OptOutEvent {
  kind: 'opt-out' | 'opt-in';
  provider: Provider;
  subscriber: string;
  at: string;
}

export type ChannelEvent = StatusEvent | OptOutEvent;

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
