/**
 * Meta WhatsApp Cloud API webhook bodies: zod schemas for the fields we read (unknown fields pass through)
 * and pure mapping onto the gateway's message model.
 */
import { z } from 'zod';
import {
  type DeliveryStatus,
  type InboundMessage,
  InvalidPhoneNumberError,
  inboundMessageId,
  MAX_PROVIDER_ID_LENGTH,
  normaliseSubscriber,
  olderThanReplayWindow,
  type StatusEvent,
} from '../../src/core/messages/index.js';

/**
 * Lengths past anything Meta sends: every id and word read from a webhook becomes a key or a job, so none may be
 * as long as the body allows (ids of our own buttons and rows are at most 256 characters by Meta's rules).
 */
const providerId = z.string().trim().min(1).max(MAX_PROVIDER_ID_LENGTH);
const short = z.string().max(256);
/** Meta's own limit on a text message. */
const MAX_TEXT = 4096;

const replySchema = z.object({ id: z.string().min(1).max(256), title: short }).passthrough();

const messageSchema = z
  .object({
    from: z.string().min(1).max(32),
    // A blank id would make every blank-id message a duplicate of the first (dedupe is on the id).
    id: providerId,
    timestamp: z
      .string()
      .regex(/^\d{1,12}$/)
      .optional(),
    type: z.string().min(1).max(64),
    text: z
      .object({ body: z.string().max(MAX_TEXT) })
      .passthrough()
      .optional(),
    interactive: z
      .object({
        type: z.string(),
        button_reply: replySchema.optional(),
        list_reply: replySchema.optional(),
      })
      .passthrough()
      .optional(),
    /** Quick-reply button on a template message. */
    button: z.object({ text: short, payload: short.optional() }).passthrough().optional(),
    location: z
      .object({
        latitude: z.number(),
        longitude: z.number(),
        name: short.optional(),
        address: short.optional(),
      })
      .passthrough()
      .optional(),
  })
  .passthrough();

type MetaMessage = z.infer<typeof messageSchema>;

const statusSchema = z
  .object({
    id: providerId,
    status: z.string().min(1).max(32),
    timestamp: z
      .string()
      .regex(/^\d{1,12}$/)
      .optional(),
    recipient_id: z.string().max(32).optional(),
    errors: z
      .array(
        z
          .object({
            code: z.number(),
            title: short.optional(),
            message: z.string().max(1024).optional(),
            error_data: z
              .object({ details: z.string().max(1024).optional() })
              .passthrough()
              .optional(),
          })
          .passthrough(),
      )
      .max(16)
      .optional(),
  })
  .passthrough();

type MetaStatus = z.infer<typeof statusSchema>;

/**
 * The envelope is checked strictly enough to name what is wrong; messages and statuses are kept raw here and
 * validated one by one, so one odd item never makes Meta retry the whole delivery.
 */
export const webhookSchema = z
  .object({
    object: z.literal('whatsapp_business_account'),
    entry: z.array(
      z
        .object({
          id: z.string().optional(),
          changes: z.array(
            z
              .object({
                field: z.string().optional(),
                value: z
                  .object({
                    messaging_product: z.string().optional(),
                    metadata: z
                      .object({
                        display_phone_number: z.string().max(32).optional(),
                        phone_number_id: z.string().max(64).optional(),
                      })
                      .passthrough()
                      .optional(),
                    messages: z.array(z.unknown()).optional(),
                    statuses: z.array(z.unknown()).optional(),
                  })
                  .passthrough(),
              })
              .passthrough(),
          ),
        })
        .passthrough(),
    ),
  })
  .passthrough();

export type MetaWebhook = z.infer<typeof webhookSchema>;

/** `entry.0.changes.1.value` style path of the first problem, for a 400 body that names the field. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid body';
  const at = issue.path.length ? issue.path.join('.') : 'body';
  return `${at}: ${issue.message}`;
}

/** Message types that are not from the subscriber and need no reply. */
const IGNORED_TYPES = new Set(['system', 'ephemeral']);

export type ParsedItem =
  | { kind: 'message'; message: InboundMessage; sentAt?: string }
  | { kind: 'status'; status: StatusEvent; errors: { code: number; title?: string }[] }
  | { kind: 'skipped'; reason: string };

const secondsToIso = (s: string | undefined): string | undefined => {
  if (s === undefined) return undefined;
  const d = new Date(Number(s) * 1000);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
};

function toInbound(
  raw: MetaMessage,
  opts: { receivedAt: string; to?: string; defaultCountry: string },
): InboundMessage | { skipped: string } {
  if (IGNORED_TYPES.has(raw.type)) return { skipped: `type ${raw.type}` };
  let from: string;
  try {
    from = normaliseSubscriber(raw.from, opts.defaultCountry);
  } catch (err) {
    if (err instanceof InvalidPhoneNumberError) return { skipped: 'from is not a phone number' };
    throw err;
  }
  const base: InboundMessage = {
    id: inboundMessageId('meta', 'whatsapp', raw.id),
    channel: 'whatsapp',
    provider: 'meta',
    from,
    ...(opts.to ? { to: opts.to } : {}),
    text: '',
    providerMessageId: raw.id,
    receivedAt: opts.receivedAt,
  };
  const sentAt = secondsToIso(raw.timestamp);
  if (sentAt) base.sentAt = sentAt;
  switch (raw.type) {
    case 'text':
      if (!raw.text) return { ...base, unsupported: 'text' };
      return { ...base, text: raw.text.body };
    case 'button':
      // A tap on a template's quick-reply button arrives as its text: treat it like typed text.
      return raw.button ? { ...base, text: raw.button.text } : { ...base, unsupported: 'button' };
    case 'interactive': {
      const i = raw.interactive;
      const reply = i?.button_reply ?? i?.list_reply;
      if (!i || !reply) return { ...base, unsupported: `interactive:${i?.type ?? 'unknown'}` };
      const kind = i.button_reply ? 'button' : 'list';
      return { ...base, text: reply.title, interactive: { kind, id: reply.id, title: reply.title } };
    }
    case 'location': {
      const l = raw.location;
      if (!l) return { ...base, unsupported: 'location' };
      return {
        ...base,
        location: {
          latitude: l.latitude,
          longitude: l.longitude,
          ...(l.name ? { name: l.name } : {}),
          ...(l.address ? { address: l.address } : {}),
        },
      };
    }
    default:
      return { ...base, unsupported: raw.type };
  }
}

const STATUS_MAP: Record<string, DeliveryStatus> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  failed: 'failed',
};

function toStatus(raw: MetaStatus, opts: { receivedAt: string; defaultCountry: string }): StatusEvent {
  let subscriber: string | undefined;
  try {
    subscriber = raw.recipient_id ? normaliseSubscriber(raw.recipient_id, opts.defaultCountry) : undefined;
  } catch {
    subscriber = undefined;
  }
  const firstError = raw.errors?.[0];
  return {
    kind: 'status',
    provider: 'meta',
    providerMessageId: raw.id,
    // Own keys only: a status of "__proto__" or "constructor" must not find Object.prototype.
    status: (Object.hasOwn(STATUS_MAP, raw.status) ? STATUS_MAP[raw.status] : undefined) ?? 'unknown',
    providerStatus: raw.status,
    ...(subscriber ? { subscriber } : {}),
    ...(firstError
      ? { failureReason: `${firstError.code} ${firstError.title ?? firstError.message ?? ''}`.trim() }
      : {}),
    at: secondsToIso(raw.timestamp) ?? opts.receivedAt,
  };
}

/** Why the items of a change addressed to another business number than WHATSAPP_PHONE_NUMBER_ID are skipped. */
export const OTHER_PHONE_NUMBER = 'metadata.phone_number_id is not WHATSAPP_PHONE_NUMBER_ID';

/**
 * Every message and status in a delivery, in order; items that fail their schema come back as `skipped`, and so
 * does everything in a change for another business number when `phoneNumberId` (WHATSAPP_PHONE_NUMBER_ID) is
 * given (finding 10, issue 14: a webhook signed for the app but meant for another number is not ours to answer).
 */
export function parseWebhook(
  body: MetaWebhook,
  opts: { receivedAt: string; defaultCountry: string; phoneNumberId?: string },
): ParsedItem[] {
  const items: ParsedItem[] = [];
  for (const entry of body.entry) {
    for (const change of entry.changes) {
      const value = change.value;
      if (opts.phoneNumberId !== undefined && value.metadata?.phone_number_id !== opts.phoneNumberId) {
        const count = (value.messages?.length ?? 0) + (value.statuses?.length ?? 0);
        for (let i = 0; i < count; i++) items.push({ kind: 'skipped', reason: OTHER_PHONE_NUMBER });
        continue;
      }
      const to = value.metadata?.display_phone_number;
      for (const rawMsg of value.messages ?? []) {
        const m = messageSchema.safeParse(rawMsg);
        if (!m.success) {
          items.push({ kind: 'skipped', reason: `message ${describeIssue(m.error)}` });
          continue;
        }
        const mapped = toInbound(m.data, { ...opts, ...(to ? { to } : {}) });
        if ('skipped' in mapped) items.push({ kind: 'skipped', reason: mapped.skipped });
        else if (olderThanReplayWindow('meta', mapped.sentAt, Date.parse(opts.receivedAt)))
          // Past Meta's 7-day retry window its dedupe mark may be gone: only a replay can bring it now.
          items.push({ kind: 'skipped', reason: "sent before Meta's retry window: a replay" });
        else
          items.push({
            kind: 'message',
            message: mapped,
            ...(m.data.timestamp ? { sentAt: secondsToIso(m.data.timestamp) } : {}),
          });
      }
      for (const rawStatus of value.statuses ?? []) {
        const s = statusSchema.safeParse(rawStatus);
        if (!s.success) {
          items.push({ kind: 'skipped', reason: `status ${describeIssue(s.error)}` });
          continue;
        }
        items.push({
          kind: 'status',
          status: toStatus(s.data, opts),
          errors: (s.data.errors ?? []).map((e) => ({ code: e.code, ...(e.title ? { title: e.title } : {}) })),
        });
      }
    }
  }
  return items;
}
