import type { OutboundMessage } from '../../src/core/messages/index.js';
import type { ProviderSender, SendReceipt } from '../../src/core/outbound.js';
import { analyseSms } from '../../src/core/shaping/index.js';
import type { KeyValueStore } from '../../src/platform/store/index.js';

/** What `GET /simulator/api/outbox?to=` lists (README, HTTP routes); buttons/list let the simulator render WhatsApp menus. */
export interface OutboxItem {
  channel: 'sms' | 'whatsapp';
  provider: string;
  to: string;
  text: string;
  segments?: number;
  encoding?: string;
  at: string;
  kind?: string;
  buttons?: OutboundMessage['buttons'];
  list?: OutboundMessage['list'];
}

const OUTBOX_MAX_ITEMS = 200;
const OUTBOX_TTL_MS = 7 * 24 * 60 * 60 * 1000;
const outboxKey = (to: string) => `outbox:${to}`;

/** Sends into the store-backed outbox, so any gateway sharing the store can list it. */
export function simulatorSender(store: KeyValueStore, provider: string, now: () => number = Date.now): ProviderSender {
  return {
    provider: 'simulator',
    async send(msg: OutboundMessage): Promise<SendReceipt> {
      const sms = msg.channel === 'sms' ? analyseSms(msg.text) : undefined;
      const item: OutboxItem = {
        channel: msg.channel,
        provider,
        to: msg.to,
        text: msg.text,
        ...(sms ? { segments: sms.segments, encoding: sms.encoding } : {}),
        at: new Date(now()).toISOString(),
        kind: msg.kind,
        ...(msg.buttons ? { buttons: msg.buttons } : {}),
        ...(msg.list ? { list: msg.list } : {}),
      };
      await store.listPush(outboxKey(msg.to), JSON.stringify(item), {
        maxLength: OUTBOX_MAX_ITEMS,
        ttlMs: OUTBOX_TTL_MS,
      });
      return { providerMessageId: `sim-${msg.id}`, segments: sms?.segments, encoding: sms?.encoding };
    },
  };
}

export async function readOutbox(store: KeyValueStore, to: string): Promise<OutboxItem[]> {
  const raw = await store.listRange(outboxKey(to), 0, -1);
  return raw.map((r) => JSON.parse(r) as OutboxItem);
}
