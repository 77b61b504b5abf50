// Types for sim-core.js (plain browser JavaScript, served as is), so TypeScript tests can import it.
export interface SmsInfo {
  chars: number;
  encoding: 'GSM-7' | 'UCS-2';
  segments: number;
}
export function smsInfo(text: string): SmsInfo;
export function ussdScreenInfo(
  text: string,
  maxChars: number,
): { chars: number; encoding: 'GSM-7' | 'UCS-2'; limit: number; fits: boolean };
export function parseUssdResponse(body: string): { end: boolean; text: string } | null;
export function isUssdCode(code: string): boolean;
export function cumulativeText(inputs: string[]): string;
export function newUssdSessionId(): string;
export function newSmsId(): string;
export function newWamid(): string;
export function ussdForm(f: {
  sessionId: string;
  serviceCode: string;
  phoneNumber: string;
  networkCode: string;
  text: string;
}): string;
export function atDate(d: Date): string;
export function smsForm(f: { from: string; to: string; text: string; date: Date; id: string }): string;
export type WhatsappSimMessage =
  | { type: 'text'; text: string }
  | { type: 'button_reply'; id: string; title: string }
  | { type: 'list_reply'; id: string; title: string; description?: string };
export function whatsappWebhook(f: {
  from: string;
  name: string;
  phoneNumberId: string;
  displayNumber: string;
  wamid: string;
  timestamp: number;
  message: WhatsappSimMessage;
  context?: { from: string; id: string };
}): Record<string, unknown>;
export interface ThreadItem {
  at: string;
  dir: 'in' | 'out';
  key: string;
  [k: string]: unknown;
}
export function mergeThread<S extends { id: string; at: string }, R extends { at: string }>(
  sent: S[],
  received: R[],
): ThreadItem[];
export function describeSegments(item: { encoding?: string; segments?: number }): string;
export function whatsappSegments(text: string): { text: string; style?: 'bold' | 'italic' | 'strike' | 'mono' }[];
