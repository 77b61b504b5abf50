import { describe, expect, it } from '@jest/globals';
import { parseWebhook, webhookSchema } from '../../../channels/whatsapp/payload.js';
import {
  atDate,
  cumulativeText,
  isUssdCode,
  mergeThread,
  parseUssdResponse,
  smsForm,
  smsInfo,
  ussdForm,
  ussdScreenInfo,
  whatsappSegments,
  whatsappWebhook,
} from './public/sim-core.js';

describe('what the handset shows', () => {
  it.each([
    ['CON Baraza\n1. Ask', { end: false, text: 'Baraza\n1. Ask' }],
    ['END Thank you', { end: true, text: 'Thank you' }],
    ['END', { end: true, text: '' }],
    ['CONTINUE', null],
    ['Hello', null],
    ['', null],
  ])('reads %j', (body, expected) => {
    expect(parseUssdResponse(body)).toEqual(expected);
  });

  it('counts a screen against the limit, halved when one character forces UCS-2', () => {
    expect(ussdScreenInfo('a'.repeat(160), 160)).toEqual({ chars: 160, encoding: 'GSM-7', limit: 160, fits: true });
    expect(ussdScreenInfo('a'.repeat(161), 160).fits).toBe(false);
    expect(ussdScreenInfo(`${'a'.repeat(79)}ŋ`, 160)).toEqual({ chars: 80, encoding: 'UCS-2', limit: 80, fits: true });
  });

  it('recognises dialled codes', () => {
    expect(isUssdCode('*384*12#')).toBe(true);
    expect(isUssdCode(' *123# ')).toBe(true);
    expect(isUssdCode('384*12#')).toBe(false);
    expect(isUssdCode('*384*12')).toBe(false);
    expect(isUssdCode('*ab#')).toBe(false);
  });
});

describe('requests as the providers send them', () => {
  it("joins every USSD input so far with *, as Africa's Talking does", () => {
    expect(cumulativeText([])).toBe('');
    expect(cumulativeText(['1', 'how do I dry maize'])).toBe('1*how do I dry maize');
    const form = new URLSearchParams(
      ussdForm({
        sessionId: 'ATUid_1',
        serviceCode: '*384*12#',
        phoneNumber: '+254700000101',
        networkCode: '63902',
        text: '1*2',
      }),
    );
    expect(Object.fromEntries(form)).toEqual({
      sessionId: 'ATUid_1',
      serviceCode: '*384*12#',
      phoneNumber: '+254700000101',
      networkCode: '63902',
      text: '1*2',
    });
  });

  it('sends SMS with the AT date format', () => {
    const d = new Date('2026-03-09T14:05:07.123Z');
    expect(atDate(d)).toBe('2026-03-09 14:05:07');
    const form = Object.fromEntries(
      new URLSearchParams(smsForm({ from: '+254700000102', to: '21525', text: 'hi & bye', date: d, id: 'x1' })),
    );
    expect(form).toEqual({
      from: '+254700000102',
      to: '21525',
      text: 'hi & bye',
      date: '2026-03-09 14:05:07',
      id: 'x1',
    });
  });

  it.each([
    [{ type: 'text', text: 'Habari' } as const, { text: 'Habari' }],
    [
      { type: 'button_reply', id: 'more', title: 'More' } as const,
      { text: 'More', interactive: { kind: 'button', id: 'more', title: 'More' } },
    ],
    [
      { type: 'list_reply', id: 'e:1', title: 'Drying', description: 'Salt test' } as const,
      { text: 'Drying', interactive: { kind: 'list', id: 'e:1', title: 'Drying' } },
    ],
  ])('builds a WhatsApp webhook the Meta parser reads as the same message (%j)', (message, expected) => {
    const body = whatsappWebhook({
      from: '+254700000103',
      name: 'Amina',
      phoneNumberId: '1001',
      displayNumber: '15550001234',
      wamid: 'wamid.X',
      timestamp: Date.parse('2026-01-01T00:00:00Z'),
      message,
    });
    const parsed = webhookSchema.parse(body);
    const items = parseWebhook(parsed, { receivedAt: '2026-01-01T00:00:01.000Z', defaultCountry: 'KE' });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      kind: 'message',
      message: { from: '+254700000103', channel: 'whatsapp', providerMessageId: 'wamid.X', ...expected },
    });
  });
});

describe('SMS counter', () => {
  it.each([
    ['', 'GSM-7', 0],
    ['a'.repeat(160), 'GSM-7', 1],
    ['a'.repeat(161), 'GSM-7', 2],
    ['€'.repeat(80), 'GSM-7', 1],
    ['€'.repeat(81), 'GSM-7', 2],
    [`${'a'.repeat(70)}“`, 'UCS-2', 2],
    ['ñ'.repeat(160), 'GSM-7', 1],
    ['ŋ'.repeat(70), 'UCS-2', 1],
  ])('%#: encoding and segments', (text, encoding, segments) => {
    expect(smsInfo(text)).toMatchObject({ encoding, segments });
  });
});

describe('thread order', () => {
  it('puts sent and received messages in time order, a sent message before a reply at the same instant', () => {
    const t = mergeThread(
      [
        { id: 'a', at: '2026-01-01T00:00:01Z', text: 'q1' },
        { id: 'b', at: '2026-01-01T00:00:05Z', text: 'q2' },
      ],
      [
        { at: '2026-01-01T00:00:01Z', text: 'r1' },
        { at: '2026-01-01T00:00:09Z', text: 'r2' },
      ],
    );
    expect(t.map((i) => i.text)).toEqual(['q1', 'r1', 'q2', 'r2']);
  });
});

describe('WhatsApp formatting', () => {
  it('splits *bold*, _italic_, ~strike~ and ```mono``` from plain text, keeping every character of the words', () => {
    expect(whatsappSegments('*Plant beans* at the _start_ of the rains ~now~ ```OK```')).toEqual([
      { text: 'Plant beans', style: 'bold' },
      { text: ' at the ' },
      { text: 'start', style: 'italic' },
      { text: ' of the rains ' },
      { text: 'now', style: 'strike' },
      { text: ' ' },
      { text: 'OK', style: 'mono' },
    ]);
    expect(whatsappSegments('2 * 3 = 6, no markup')).toEqual([{ text: '2 * 3 = 6, no markup' }]);
    expect(whatsappSegments('<b>not html</b>')).toEqual([{ text: '<b>not html</b>' }]);
  });
});
