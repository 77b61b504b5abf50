import type { ListRow, ReplyButton } from '../messages/index.js';
import { truncateText } from './split.js';

/** WhatsApp Cloud API limits (facts from Meta's documentation). */
export const WHATSAPP_LIMITS = {
  text: 4096,
  buttons: 3,
  buttonTitle: 20,
  buttonId: 256,
  listRows: 10,
  listRowTitle: 24,
  listRowDescription: 72,
  listButton: 20,
  listRowId: 200,
  /** Twilio's body limit, for WhatsApp and SMS sent through Twilio. */
  twilioBody: 1600,
} as const;

/** Text of at most 4,096 characters, cut at a word with "…" when longer. */
export function fitWhatsapp(text: string): string {
  return truncateText(text.trim(), WHATSAPP_LIMITS.text);
}

/** At most 3 reply buttons, titles cut to 20 characters (ids kept, they are ours). */
export function fitButtons(buttons: readonly ReplyButton[]): ReplyButton[] {
  return buttons.slice(0, WHATSAPP_LIMITS.buttons).map((b) => ({
    id: b.id.slice(0, WHATSAPP_LIMITS.buttonId),
    title: truncateText(b.title.trim(), WHATSAPP_LIMITS.buttonTitle),
  }));
}

/** At most 10 rows; row titles ≤ 24, descriptions ≤ 72, the list's button ≤ 20. */
export function fitList(list: { button: string; rows: readonly ListRow[] }): { button: string; rows: ListRow[] } {
  return {
    button: truncateText(list.button.trim(), WHATSAPP_LIMITS.listButton),
    rows: list.rows.slice(0, WHATSAPP_LIMITS.listRows).map((r) => {
      const row: ListRow = {
        id: r.id.slice(0, WHATSAPP_LIMITS.listRowId),
        title: truncateText(r.title.trim(), WHATSAPP_LIMITS.listRowTitle),
      };
      if (r.description !== undefined) {
        row.description = truncateText(r.description.trim(), WHATSAPP_LIMITS.listRowDescription);
      }
      return row;
    }),
  };
}

/**
 * Problems that would make the Graph API reject an interactive message (empty list means valid).
 * Lengths are counted in UTF-16 units, which is never less than what Meta counts.
 */
export function whatsappProblems(msg: {
  text: string;
  buttons?: readonly ReplyButton[];
  list?: { button: string; rows: readonly ListRow[] };
}): string[] {
  const problems: string[] = [];
  const L = WHATSAPP_LIMITS;
  if (msg.text.length > L.text) problems.push(`text is ${msg.text.length} characters, more than ${L.text}`);
  if (msg.buttons) {
    if (msg.buttons.length === 0 || msg.buttons.length > L.buttons) {
      problems.push(`buttons: ${msg.buttons.length} given, 1 to ${L.buttons} allowed`);
    }
    msg.buttons.forEach((b, i) => {
      if (!b.title.trim() || b.title.length > L.buttonTitle)
        problems.push(`buttons[${i}].title must be 1 to ${L.buttonTitle} characters`);
      if (!b.id || b.id.length > L.buttonId) problems.push(`buttons[${i}].id must be 1 to ${L.buttonId} characters`);
    });
    if (new Set(msg.buttons.map((b) => b.id)).size !== msg.buttons.length) problems.push('buttons: ids must be unique');
  }
  if (msg.list) {
    const { button, rows } = msg.list;
    if (!button.trim() || button.length > L.listButton)
      problems.push(`list.button must be 1 to ${L.listButton} characters`);
    if (rows.length === 0 || rows.length > L.listRows)
      problems.push(`list.rows: ${rows.length} given, 1 to ${L.listRows} allowed`);
    rows.forEach((r, i) => {
      if (!r.title.trim() || r.title.length > L.listRowTitle)
        problems.push(`list.rows[${i}].title must be 1 to ${L.listRowTitle} characters`);
      if (r.description !== undefined && r.description.length > L.listRowDescription) {
        problems.push(`list.rows[${i}].description must be at most ${L.listRowDescription} characters`);
      }
      if (!r.id || r.id.length > L.listRowId)
        problems.push(`list.rows[${i}].id must be 1 to ${L.listRowId} characters`);
    });
    if (new Set(rows.map((r) => r.id)).size !== rows.length) problems.push('list.rows: ids must be unique');
  }
  if (msg.buttons && msg.list) problems.push('a message has either buttons or a list, not both');
  return problems;
}
