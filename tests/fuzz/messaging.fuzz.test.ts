/**
 * SMS and WhatsApp webhook parsers: Africa's Talking (inbound SMS, delivery reports), Twilio (messaging, status)
 * and Meta WhatsApp (envelope schema, parseWebhook). Whatever arrives, they never throw anything but the
 * documented InvalidPhoneNumberError, and never hand on an invalid InboundMessage or StatusEvent.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  toInboundMessage as atInbound,
  toStatusEvent as atStatus,
  deliveryReportSchema,
  inboundSmsSchema,
} from '../../channels/africastalking/sms.js';
import {
  toInboundMessage as twilioInbound,
  incomingSchema as twilioIncomingSchema,
  toStatusEvent as twilioStatus,
  statusSchema as twilioStatusSchema,
} from '../../channels/twilio/routes.js';
import { parseWebhook, webhookSchema } from '../../channels/whatsapp/payload.js';
import { type InboundMessage, InvalidPhoneNumberError, type StatusEvent } from '../../src/core/messages/index.js';
import { gatewayMessageId } from '../../src/platform/inbound.js';
import { anyValue, E164, formBody, hostileText, phoneish } from './arbitraries.js';

const RECEIVED = '2026-01-02T03:04:05.000Z';
const STATUSES = ['queued', 'sent', 'delivered', 'read', 'failed', 'unknown'];

/** What every adapter promises about the messages it hands to acceptInbound. */
function expectValidInbound(msg: InboundMessage, provider: string, channels: string[]): void {
  expect(msg.provider).toBe(provider);
  expect(channels).toContain(msg.channel);
  expect(msg.from).toMatch(E164);
  expect(msg.providerMessageId.trim().length).toBeGreaterThan(0);
  // acceptInbound queues every message under `<provider>:<channel>:<id>` (issue 14, finding 11).
  expect(gatewayMessageId(msg)).toBe(`${provider}:${msg.channel}:${msg.providerMessageId}`);
  expect(typeof msg.text).toBe('string');
  expect(msg.receivedAt).toBe(RECEIVED);
  if (msg.location) {
    expect(Number.isFinite(msg.location.latitude)).toBe(true);
    expect(Number.isFinite(msg.location.longitude)).toBe(true);
  }
}

function expectValidStatus(event: StatusEvent, provider: string): void {
  expect(event.kind).toBe('status');
  expect(event.provider).toBe(provider);
  expect(STATUSES).toContain(event.status);
  expect(event.providerMessageId.length).toBeGreaterThan(0);
  if (event.subscriber !== undefined) expect(event.subscriber).toMatch(E164);
  expect(Number.isNaN(Date.parse(event.at))).toBe(false);
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Maps, accepting only the documented failure. */
function mapOrInvalidPhone<T>(map: () => T): T | undefined {
  try {
    return map();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidPhoneNumberError);
    return undefined;
  }
}

describe("Africa's Talking SMS", () => {
  it('inbound: schema never throws; accepted bodies map to a valid InboundMessage or a phone-number 400', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          { weight: 4, arbitrary: formBody(['from', 'to', 'text', 'date', 'id', 'linkId', 'networkCode']) },
          anyValue,
        ),
        (body) => {
          const parsed = inboundSmsSchema.safeParse(body);
          if (!parsed.success) {
            // The route always hands over an object (the form parser's); its 400 then names the field.
            if (isPlainObject(body)) expect(parsed.error.issues[0]?.message).toMatch(/field '\w+'/);
            return;
          }
          const msg = mapOrInvalidPhone(() => atInbound(parsed.data, RECEIVED, 'KE'));
          if (!msg) return;
          expectValidInbound(msg, 'africastalking', ['sms']);
          expect(msg.text.length).toBeLessThanOrEqual(2000);
          if (msg.linkId !== undefined) expect(msg.linkId.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('delivery reports: schema and mapping never throw; a known status gives a valid StatusEvent', () => {
    const status = fc.oneof(
      fc.constantFrom('Success', 'Sent', 'Submitted', 'Buffered', 'Rejected', 'Failed', 'AbsentSubscriber', 'Expired'),
      hostileText,
    );
    const reason = fc.oneof(fc.constantFrom('UserInBlackList', 'InsufficientCredit', 'DeliveryFailure'), hostileText);
    fc.assert(
      fc.property(
        formBody(['id', 'phoneNumber', 'networkCode', 'retryCount']),
        fc.option(status, { nil: undefined }),
        fc.option(reason, { nil: undefined }),
        (body, s, r) => {
          const parsed = deliveryReportSchema.safeParse({
            ...body,
            ...(s !== undefined ? { status: s } : {}),
            ...(r !== undefined ? { failureReason: r } : {}),
          });
          if (!parsed.success) return;
          const event = atStatus(parsed.data, RECEIVED, 'KE');
          if (!event) return;
          expectValidStatus(event, 'africastalking');
          if (event.optedOut) expect(event.failureReason).toMatch(/blacklist/i);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('Twilio', () => {
  const from = fc.oneof(
    phoneish,
    phoneish.map((p) => `whatsapp:${p}`),
  );
  it('messaging: schema never throws; accepted bodies map to a valid InboundMessage or a phone-number 400', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          {
            weight: 4,
            arbitrary: fc
              .tuple(
                formBody([
                  'MessageSid',
                  'AccountSid',
                  'To',
                  'Body',
                  'NumMedia',
                  'MediaContentType0',
                  'MessageType',
                  'ButtonPayload',
                  'ButtonText',
                  'Latitude',
                  'Longitude',
                  'Address',
                  'Label',
                ]),
                fc.option(from, { nil: undefined }),
              )
              .map(([b, f]) => (f === undefined ? b : { ...b, From: f })),
          },
          anyValue,
        ),
        (body) => {
          const parsed = twilioIncomingSchema.safeParse(body);
          if (!parsed.success) {
            if (isPlainObject(body)) expect(parsed.error.issues[0]?.message).toMatch(/field '\w+'/);
            return;
          }
          const msg = mapOrInvalidPhone(() => twilioInbound(parsed.data, RECEIVED, 'KE'));
          if (!msg) return;
          expectValidInbound(msg, 'twilio', ['sms', 'whatsapp']);
          expect(msg.channel === 'whatsapp').toBe(/^whatsapp:/i.test(parsed.data.From));
          expect(msg.text.length).toBeLessThanOrEqual(1600);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('status callbacks: schema and mapping never throw; a known status gives a valid StatusEvent', () => {
    const status = fc.oneof(
      fc.constantFrom('queued', 'sent', 'delivered', 'undelivered', 'failed', 'read', 'canceled'),
      hostileText,
    );
    fc.assert(
      fc.property(formBody(['MessageSid', 'To', 'From', 'ErrorCode', 'ErrorMessage']), status, (body, s) => {
        const parsed = twilioStatusSchema.safeParse({ ...body, MessageStatus: s });
        if (!parsed.success) return;
        const event = twilioStatus(parsed.data, RECEIVED, 'KE');
        if (!event) return;
        expectValidStatus(event, 'twilio');
        if (event.optedOut) expect(parsed.data.ErrorCode).toBe('21610');
      }),
      { numRuns: 3000 },
    );
  });
});

describe('Meta WhatsApp', () => {
  const text = fc.oneof(hostileText, fc.constantFrom('how do I plant maize', 'STOP', 'hujambo'));
  const timestamp = fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 0, max: 4_000_000_000 }).map(String) },
    { weight: 1, arbitrary: fc.constantFrom('99999999999999999999', '-1', '1e9', '') },
    { weight: 1, arbitrary: hostileText },
  );
  const waFrom = fc.oneof(
    phoneish.map((p) => p.replace(/^\+/, '')),
    phoneish,
    hostileText,
  );
  const reply = fc.record({ id: fc.oneof(hostileText, fc.constant('btn-1')), title: text }, { requiredKeys: [] });
  /** Message objects: the real shapes with hostile values, and nonsense. */
  /** Mostly well-formed (so the mapping runs), sometimes anything (so the schema is tested). */
  const mostly = <T>(good: fc.Arbitrary<T>) =>
    fc.oneof({ weight: 5, arbitrary: good }, { weight: 1, arbitrary: anyValue });
  const messageFields = {
    from: waFrom,
    id: fc.oneof(
      { weight: 4, arbitrary: fc.string({ minLength: 1 }).map((id) => `wamid.${id}`) },
      { weight: 1, arbitrary: hostileText },
    ),
    timestamp,
    type: fc.oneof(
      {
        weight: 5,
        arbitrary: fc.constantFrom(
          'text',
          'interactive',
          'button',
          'location',
          'image',
          'audio',
          'system',
          'ephemeral',
          'unsupported',
        ),
      },
      { weight: 1, arbitrary: hostileText },
    ),
    text: mostly(fc.record({ body: text })),
    interactive: mostly(
      fc.record(
        { type: fc.constantFrom('button_reply', 'list_reply'), button_reply: reply, list_reply: reply },
        { requiredKeys: ['type'] },
      ),
    ),
    button: mostly(fc.record({ text, payload: text }, { requiredKeys: ['text'] })),
    location: mostly(
      fc.record(
        { latitude: fc.double(), longitude: fc.double(), name: text, address: text },
        { requiredKeys: ['latitude', 'longitude'] },
      ),
    ),
  };
  const message = fc.oneof(
    // Mostly the fields Meta always sends, so the mapping behind the schema is exercised too.
    { weight: 6, arbitrary: fc.record(messageFields, { requiredKeys: ['from', 'id', 'type'] }) },
    { weight: 2, arbitrary: fc.record(messageFields, { requiredKeys: [] }) },
    { weight: 1, arbitrary: anyValue },
  );
  const status = fc.oneof(
    fc.record(
      {
        id: hostileText,
        status: fc.oneof(fc.constantFrom('sent', 'delivered', 'read', 'failed'), hostileText),
        timestamp,
        recipient_id: waFrom,
        errors: fc.oneof(
          fc.array(fc.record({ code: fc.integer(), title: text }, { requiredKeys: ['code'] }), { maxLength: 2 }),
          anyValue,
        ),
      },
      { requiredKeys: [] },
    ),
    anyValue,
  );
  const delivery = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record(
        {
          object: fc.oneof(
            { weight: 5, arbitrary: fc.constant('whatsapp_business_account') },
            { weight: 1, arbitrary: hostileText },
          ),
          entry: fc.array(
            fc.record({
              id: fc.string(),
              changes: fc.array(
                fc.record({
                  field: fc.constant('messages'),
                  value: fc.record(
                    {
                      messaging_product: fc.constant('whatsapp'),
                      metadata: mostly(
                        fc.record(
                          { display_phone_number: fc.oneof(phoneish, hostileText), phone_number_id: hostileText },
                          { requiredKeys: [] },
                        ),
                      ),
                      messages: fc.oneof(
                        { weight: 5, arbitrary: fc.array(message, { minLength: 1, maxLength: 3 }) },
                        { weight: 1, arbitrary: anyValue },
                      ),
                      statuses: mostly(fc.array(status, { maxLength: 3 })),
                    },
                    { requiredKeys: ['messages'] },
                  ),
                }),
                { minLength: 1, maxLength: 2 },
              ),
            }),
            { minLength: 1, maxLength: 2 },
          ),
        },
        { requiredKeys: ['object', 'entry'] },
      ),
    },
    { weight: 1, arbitrary: anyValue },
  );

  it('webhookSchema + parseWebhook never throw; every message item is a valid InboundMessage', () => {
    let messages = 0;
    fc.assert(
      fc.property(delivery, (body) => {
        const parsed = webhookSchema.safeParse(body);
        if (!parsed.success) {
          expect(parsed.error.issues[0]?.message).toMatch(/\S/);
          return;
        }
        for (const item of parseWebhook(parsed.data, { receivedAt: RECEIVED, defaultCountry: 'KE' })) {
          if (item.kind === 'message') {
            messages++;
            expectValidInbound(item.message, 'meta', ['whatsapp']);
            if (item.sentAt !== undefined) expect(Number.isNaN(Date.parse(item.sentAt))).toBe(false);
          } else if (item.kind === 'status') {
            expectValidStatus(item.status, 'meta');
          } else {
            expect(item.reason).toMatch(/\S/);
          }
        }
      }),
      { numRuns: 3000 },
    );
    // The generator must reach the mapping, not only the schema's rejections.
    expect(messages).toBeGreaterThan(100);
  });
});

describe('regressions the fuzzing found', () => {
  it('a status named like an Object.prototype property is unknown, not Object.prototype itself', () => {
    for (const s of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const at = deliveryReportSchema.parse({
        id: 'ATXid_1',
        status: s,
        phoneNumber: '+254711000001',
        networkCode: '63902',
      });
      expect(atStatus(at, RECEIVED, 'KE')).toBeUndefined();
      const tw = twilioStatusSchema.parse({ MessageSid: 'SM1', MessageStatus: s, To: '+254711000001' });
      expect(twilioStatus(tw, RECEIVED, 'KE')).toBeUndefined();
      const meta = webhookSchema.parse({
        object: 'whatsapp_business_account',
        entry: [{ changes: [{ value: { statuses: [{ id: 'wamid.1', status: s }] } }] }],
      });
      const [item] = parseWebhook(meta, { receivedAt: RECEIVED, defaultCountry: 'KE' });
      expect(item?.kind === 'status' && item.status.status).toBe('unknown');
    }
  });

  it('a WhatsApp message with a blank id is skipped, not handed on (dedupe is on the id)', () => {
    const meta = webhookSchema.parse({
      object: 'whatsapp_business_account',
      entry: [
        {
          changes: [{ value: { messages: [{ from: '254711000001', id: '  ', type: 'text', text: { body: 'hi' } }] } }],
        },
      ],
    });
    const items = parseWebhook(meta, { receivedAt: RECEIVED, defaultCountry: 'KE' });
    expect(items.map((i) => i.kind)).toEqual(['skipped']);
  });
});
