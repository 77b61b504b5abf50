// Pure helpers of the phone simulator (no DOM): request bodies exactly as the providers send them, and the
// handset's view of a screen. Shared by the page and by its unit tests.

const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENSION = '^{}\\[~]|€\f';

/** Characters, encoding and SMS segments of a text (GSM-7 extension characters count two septets). */
export function smsInfo(text) {
  const chars = [...text];
  let septets = 0;
  let gsm = true;
  for (const ch of chars) {
    if (GSM_BASIC.includes(ch)) septets += 1;
    else if (GSM_EXTENSION.includes(ch)) septets += 2;
    else {
      gsm = false;
      break;
    }
  }
  if (text.length === 0) return { chars: 0, encoding: 'GSM-7', segments: 0 };
  if (gsm) return { chars: chars.length, encoding: 'GSM-7', segments: septets <= 160 ? 1 : Math.ceil(septets / 153) };
  const units = text.length; // UTF-16 code units
  return { chars: chars.length, encoding: 'UCS-2', segments: units <= 70 ? 1 : Math.ceil(units / 67) };
}

/** What a handset shows for one USSD screen: its text, length, encoding and whether it fits. */
export function ussdScreenInfo(text, maxChars) {
  const info = smsInfo(text);
  const limit = info.encoding === 'UCS-2' ? Math.floor(maxChars / 2) : maxChars;
  return { chars: info.chars, encoding: info.encoding, limit, fits: info.chars <= limit };
}

/** `CON …` continues the session, `END …` closes it; anything else is not a USSD answer. */
export function parseUssdResponse(body) {
  const m = /^(CON|END)(?: |$)([\s\S]*)$/.exec(body);
  if (!m) return null;
  return { end: m[1] === 'END', text: m[2] };
}

/** A dialled code such as *384*12# (optionally with inputs: *384*12*1#). */
export function isUssdCode(code) {
  return /^\*\d+(\*\d+)*#$/.test(code.trim());
}

/** Africa's Talking sends every input of the session so far, joined by `*`. */
export function cumulativeText(inputs) {
  return inputs.join('*');
}

function randomHex(n) {
  const bytes = new Uint8Array(Math.ceil(n / 2));
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0'))
    .join('')
    .slice(0, n);
}

export function newUssdSessionId() {
  return `ATUid_${randomHex(32)}`;
}

export function newSmsId() {
  return `ATXid_${randomHex(32)}`;
}

export function newWamid() {
  return `wamid.SIM${randomHex(40).toUpperCase()}`;
}

/** The USSD callback form, in the order Africa's Talking posts it. */
export function ussdForm({ sessionId, serviceCode, phoneNumber, networkCode, text }) {
  return new URLSearchParams({ sessionId, serviceCode, phoneNumber, networkCode, text }).toString();
}

/** `2024-03-09 14:05:00`: the date format of Africa's Talking inbound SMS callbacks (UTC). */
export function atDate(d) {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

export function smsForm({ from, to, text, date, id }) {
  return new URLSearchParams({ from, to, text, date: atDate(date), id }).toString();
}

/**
 * A Meta WhatsApp Cloud API `messages` webhook. `message` is `{ type: 'text', text }`,
 * `{ type: 'button_reply', id, title }` or `{ type: 'list_reply', id, title, description? }`.
 */
export function whatsappWebhook({ from, name, phoneNumberId, displayNumber, wamid, timestamp, message, context }) {
  const waId = from.replace(/^\+/, '');
  const base = { from: waId, id: wamid, timestamp: String(Math.floor(timestamp / 1000)) };
  let msg;
  if (message.type === 'text') {
    msg = { ...base, type: 'text', text: { body: message.text } };
  } else {
    const reply = { id: message.id, title: message.title };
    if (message.type === 'list_reply' && message.description) reply.description = message.description;
    msg = {
      ...(context ? { context } : {}),
      ...base,
      type: 'interactive',
      interactive: { type: message.type, [message.type]: reply },
    };
  }
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: displayNumber, phone_number_id: phoneNumberId },
              contacts: [{ profile: { name }, wa_id: waId }],
              messages: [msg],
            },
            field: 'messages',
          },
        ],
      },
    ],
  };
}

/** The thread a pane shows: what the user sent and what came back, oldest first (stable for equal times). */
export function mergeThread(sent, received) {
  const all = [
    ...sent.map((m, i) => ({ ...m, dir: 'out', key: `out:${m.id}`, order: i })),
    ...received.map((m, i) => ({ ...m, dir: 'in', key: `in:${i}:${m.at}`, order: i })),
  ];
  return all.sort((a, b) =>
    a.at < b.at ? -1 : a.at > b.at ? 1 : a.dir === b.dir ? a.order - b.order : a.dir === 'out' ? -1 : 1,
  );
}

export function describeSegments(item) {
  if (item.encoding === undefined && item.segments === undefined) return '';
  const n = item.segments ?? 0;
  return `${item.encoding ?? '?'} · ${n} segment${n === 1 ? '' : 's'}`;
}

/**
 * WhatsApp's inline formatting (*bold*, _italic_, ~strike~, ```mono```) as segments, so the chat can show it
 * as a phone would without ever treating message text as HTML.
 */
export function whatsappSegments(text) {
  const out = [];
  const re = /```([^`]+)```|\*([^*\n]+)\*|_([^_\n]+)_|~([^~\n]+)~/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > last) out.push({ text: text.slice(last, m.index) });
    const [, mono, bold, italic, strike] = m;
    if (mono !== undefined) out.push({ text: mono, style: 'mono' });
    else if (bold !== undefined) out.push({ text: bold, style: 'bold' });
    else if (italic !== undefined) out.push({ text: italic, style: 'italic' });
    else out.push({ text: strike, style: 'strike' });
    last = re.lastIndex;
  }
  if (last < text.length) out.push({ text: text.slice(last) });
  return out;
}
