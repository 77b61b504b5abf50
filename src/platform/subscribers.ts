import type { Provider } from '../core/messages/index.js';
import { getJson, type KeyValueStore, setJson } from './store/index.js';

/** What we remember about a number across sessions (long TTL, refreshed on every contact). */
export interface SubscriberProfile {
  lang?: string;
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

export const PROFILE_TTL_MS = 400 * 24 * 60 * 60 * 1000;
const key = (phone: string) => `sub:${phone}`;

export async function loadProfile(store: KeyValueStore, phone: string): Promise<SubscriberProfile> {
  return (await getJson<SubscriberProfile>(store, key(phone))) ?? {};
}

export async function saveProfile(store: KeyValueStore, phone: string, profile: SubscriberProfile): Promise<void> {
  await setJson(store, key(phone), profile, { ttlMs: PROFILE_TTL_MS });
}

/** Read-modify-write of a profile; last writer wins, which is fine for one subscriber's own traffic. */
export async function updateProfile(
  store: KeyValueStore,
  phone: string,
  change: (p: SubscriberProfile) => SubscriberProfile | void,
): Promise<SubscriberProfile> {
  const current = await loadProfile(store, phone);
  const next = change(current) ?? current;
  await saveProfile(store, phone, next);
  return next;
}
