import type { Provider } from '../core/messages/index.js';
import { getJson, type KeyValueStore, setJson } from './store/index.js';

/** What we remember about a number across sessions. */
export interface SubscriberProfile {
  lang?: string;
  /** `lang` was read from what they wrote, not chosen: it does not keep the profile (see keepsProfile). */
  langDetected?: boolean;
  lastTopic?: string;
  optedOut?: boolean;
  /** ISO time of the last inbound WhatsApp message: free-form replies only within 24 h of it. */
  lastWhatsappInboundAt?: string;
  /** Tip subscriptions: topic (or `any`) -> pack id. */
  tips?: { topic: string; pack: string; since: string }[];
  /** Entry ids already sent as tips (never repeat). */
  tipsSent?: string[];
  /** Local date (YYYY-MM-DD) of the last tip, so at most one a day. */
  lastTipDate?: string;
  /** Where tips go: the channel and provider the subscriber used to sign up. */
  tipsVia?: { channel: 'sms' | 'whatsapp'; provider: Provider };
}

/** A subscriber who acted (opted out or in, chose a language, subscribed) is remembered this long after the last write. */
export const PROFILE_TTL_MS = 400 * 24 * 60 * 60 * 1000;
/**
 * A number that only asked is remembered one day: long enough for the WhatsApp 24-hour window and the language it
 * wrote in, short enough that hostile traffic from many numbers cannot grow the store for a year.
 */
export const TRANSIENT_PROFILE_TTL_MS = 24 * 60 * 60 * 1000;

const key = (phone: string) => `sub:${phone}`;

/** Whether the profile records something the subscriber did, which must outlive a day (an opt-out above all). */
function keepsProfile(p: SubscriberProfile): boolean {
  return (
    p.optedOut !== undefined ||
    (p.lang !== undefined && !p.langDetected) ||
    (p.tips?.length ?? 0) > 0 ||
    (p.tipsSent?.length ?? 0) > 0
  );
}

function profileTtlMs(p: SubscriberProfile): number {
  return keepsProfile(p) ? PROFILE_TTL_MS : TRANSIENT_PROFILE_TTL_MS;
}

/** The subscriber chose `lang` (a keyword, a menu): a choice, never mistaken for a detected language. */
export function chooseLanguage(p: SubscriberProfile, lang: string): SubscriberProfile {
  const { langDetected: _detected, ...rest } = p;
  return { ...rest, lang };
}

export async function loadProfile(store: KeyValueStore, phone: string): Promise<SubscriberProfile> {
  return (await getJson<SubscriberProfile>(store, key(phone))) ?? {};
}

export async function saveProfile(store: KeyValueStore, phone: string, profile: SubscriberProfile): Promise<void> {
  await setJson(store, key(phone), profile, { ttlMs: profileTtlMs(profile) });
}

/**
 * Read-modify-write of a profile; last writer wins, which is fine for one subscriber's own traffic. A change of
 * `lang` that does not itself say it was detected is a choice (the USSD language menu, for one).
 */
export async function updateProfile(
  store: KeyValueStore,
  phone: string,
  // biome-ignore lint/suspicious/noConfusingVoidType: a change may mutate `p` in place and return nothing
  change: (p: SubscriberProfile) => SubscriberProfile | void,
): Promise<SubscriberProfile> {
  const current = await loadProfile(store, phone);
  const before = { lang: current.lang, langDetected: current.langDetected };
  let next = change(current) ?? current;
  if (next.lang !== before.lang && next.langDetected === before.langDetected && next.lang !== undefined) {
    next = chooseLanguage(next, next.lang);
  }
  await saveProfile(store, phone, next);
  return next;
}
