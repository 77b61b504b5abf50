import {
  type Channel,
  type DeliveryStatus,
  MAX_PROVIDER_ID_LENGTH,
  normaliseSubscriber,
  type Provider,
  type StatusEvent,
} from '../core/messages/index.js';
import type { AppContext } from './context.js';
import { getJson, setJson } from './store/index.js';
import { updateProfile } from './subscribers.js';

/** Delivery statuses are kept a week, for operators and the simulator. */
const STATUS_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export const statusKey = (provider: string, providerMessageId: string) => `status:${provider}:${providerMessageId}`;

/** Reports can arrive out of order (a late "sent" after "delivered"): never step a stored status backwards. */
const STATUS_RANK: Readonly<Record<DeliveryStatus, number>> = {
  unknown: 0,
  queued: 1,
  sent: 2,
  delivered: 3,
  read: 4,
  failed: 5,
};

export async function loadStatus(ctx: Pick<AppContext, 'store'>, provider: string, id: string) {
  return getJson<StatusEvent>(ctx.store, statusKey(provider, id));
}

/**
 * Stores a delivery report under `status:<provider>:<providerMessageId>`, and when the provider says the
 * number refuses our messages, marks the subscriber opted out so nothing more is sent to it.
 */
export async function recordStatus(
  ctx: Pick<AppContext, 'store' | 'metrics' | 'log' | 'pseudonym'>,
  event: StatusEvent,
  channel: Exclude<Channel, 'ussd'>,
): Promise<'stored' | 'stale'> {
  if (event.providerMessageId.length > MAX_PROVIDER_ID_LENGTH) {
    // No provider sends such an id: never make it a key (a report for it changes nothing we sent).
    ctx.log.warn({ provider: event.provider }, 'delivery report with an over-long message id: ignored');
    return 'stale';
  }
  const key = statusKey(event.provider, event.providerMessageId);
  const previous = await getJson<StatusEvent>(ctx.store, key);
  const stale = previous !== undefined && STATUS_RANK[previous.status] > STATUS_RANK[event.status];
  if (!stale) await setJson(ctx.store, key, event, { ttlMs: STATUS_TTL_MS });
  if (event.optedOut && event.subscriber) {
    let fresh = false;
    await updateProfile(ctx.store, event.subscriber, (p) => {
      fresh = !p.optedOut;
      return { ...p, optedOut: true };
    });
    if (fresh) ctx.metrics.optOuts.inc({ channel });
    ctx.log.info(
      { provider: event.provider, sub: ctx.pseudonym(event.subscriber), reason: event.failureReason },
      'provider reports the subscriber refuses our messages: opted out',
    );
  }
  return stale ? 'stale' : 'stored';
}

/**
 * A delivery report in our words (pure): the provider's status mapped through its table, the subscriber
 * normalised when the address is a number (a report is kept even when it is not). Undefined for an unknown status.
 */
export function buildStatusEvent(input: {
  provider: Provider;
  providerMessageId: string;
  providerStatus: string;
  statusMap: Readonly<Record<string, DeliveryStatus>>;
  address: string;
  at: string;
  defaultCountry: string;
  failureReason?: string;
  optedOut?: boolean;
}): StatusEvent | undefined {
  // Own keys only: a status of "__proto__" or "constructor" must not find Object.prototype.
  const status = Object.hasOwn(input.statusMap, input.providerStatus)
    ? input.statusMap[input.providerStatus]
    : undefined;
  if (!status) return undefined;
  const event: StatusEvent = {
    kind: 'status',
    provider: input.provider,
    providerMessageId: input.providerMessageId,
    status,
    providerStatus: input.providerStatus,
    at: input.at,
  };
  try {
    event.subscriber = normaliseSubscriber(input.address, input.defaultCountry);
  } catch {
    /* a report for an address we cannot parse is still worth keeping */
  }
  if (input.failureReason) event.failureReason = input.failureReason;
  if (input.optedOut) event.optedOut = true;
  return event;
}
