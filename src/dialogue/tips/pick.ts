import type { Catalogue } from '../../core/answers.js';
import type { SubscriberProfile } from '../../platform/subscribers.js';

export type Subscription = NonNullable<SubscriberProfile['tips']>[number];

/** How a sent tip is remembered in `profile.tipsSent`. */
export const sentId = (pack: string, entryId: string) => `${pack}/${entryId}`;

export interface TipChoice {
  pack: string;
  topic: string;
  entryId: string;
}

/** Round-robin over the topics so a whole-pack subscription does not send six maize tips in a row. */
function interleave<T>(lists: T[][]): T[] {
  const out: T[] = [];
  for (let i = 0; lists.some((l) => i < l.length); i++) {
    for (const l of lists) if (i < l.length) out.push(l[i]!);
  }
  return out;
}

/** Entries a subscription draws from, in delivery order. */
function subscriptionEntries(catalogue: Catalogue, sub: Subscription, lang: string): TipChoice[] {
  const pack = catalogue.packs().find((p) => p.id === sub.pack);
  if (!pack) return [];
  const topics = sub.topic === 'any' ? pack.topics : pack.topics.filter((t) => t === sub.topic);
  return interleave(
    topics.map((topic) =>
      catalogue.entries(pack.id, topic, lang).map((e) => ({ pack: pack.id, topic, entryId: e.id })),
    ),
  );
}

/**
 * The next tip never sent before. Subscriptions take turns (by how many tips were sent so far), so TIPS maize
 * plus TIPS saving alternates; undefined when every entry of every subscription has been sent.
 */
export function pickNextTip(
  catalogue: Catalogue,
  subs: readonly Subscription[],
  sent: readonly string[],
  lang: string,
): TipChoice | undefined {
  if (subs.length === 0) return undefined;
  const seen = new Set(sent);
  const start = sent.length % subs.length;
  for (let i = 0; i < subs.length; i++) {
    const sub = subs[(start + i) % subs.length]!;
    const next = subscriptionEntries(catalogue, sub, lang).find((c) => !seen.has(sentId(c.pack, c.entryId)));
    if (next) return next;
  }
  return undefined;
}
