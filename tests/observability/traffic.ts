/** Provider-shaped requests to a running gateway (the same builders the simulator page uses). */

import { readOutbox } from '../../channels/simulator/outbox.js';
import { signBody } from '../../channels/whatsapp/signature.js';
import {
  newWamid,
  smsForm,
  ussdForm,
  type WhatsappSimMessage,
  whatsappWebhook,
} from '../../src/apps/simulator/public/sim-core.js';
import type { KeyValueStore } from '../../src/platform/store/index.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

export async function ussdHop(
  base: string,
  f: { sessionId: string; phone: string; text: string; token?: string },
): Promise<{ status: number; body: string }> {
  const q = f.token ? `?token=${encodeURIComponent(f.token)}` : '';
  const res = await fetch(`${base}/channels/africastalking/ussd${q}`, {
    method: 'POST',
    headers: FORM,
    body: ussdForm({
      sessionId: f.sessionId,
      serviceCode: '*384*12#',
      phoneNumber: f.phone,
      networkCode: '63902',
      text: f.text,
    }),
  });
  return { status: res.status, body: await res.text() };
}

export async function sendSms(
  base: string,
  f: { from: string; text: string; id?: string; to?: string; token?: string },
): Promise<{ status: number; body: string }> {
  const q = f.token ? `?token=${encodeURIComponent(f.token)}` : '';
  const res = await fetch(`${base}/channels/africastalking/sms${q}`, {
    method: 'POST',
    headers: FORM,
    body: smsForm({
      from: f.from,
      to: f.to ?? '21525',
      text: f.text,
      date: new Date(),
      id: f.id ?? `ATXid_${Math.random().toString(16).slice(2)}`,
    }),
  });
  return { status: res.status, body: await res.text() };
}

export async function sendWhatsapp(
  base: string,
  f: { from: string; secret: string; message: WhatsappSimMessage; wamid?: string },
): Promise<{ status: number; body: string; wamid: string }> {
  const wamid = f.wamid ?? newWamid();
  const raw = JSON.stringify(
    whatsappWebhook({
      from: f.from,
      name: 'Test User',
      phoneNumberId: '100000000000001',
      displayNumber: '15550001234',
      wamid,
      timestamp: Date.now(),
      message: f.message,
    }),
  );
  const res = await fetch(`${base}/channels/whatsapp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(raw, f.secret) },
    body: raw,
  });
  return { status: res.status, body: await res.text(), wamid };
}

/**
 * What the simulator outbox holds for a number, read from the gateway's store: these runs have live credentials,
 * beside which the simulator's HTTP API stays off (issue 14, finding 3).
 */
export async function outbox(
  store: KeyValueStore,
  to: string,
): Promise<{ channel: string; text: string; kind?: string }[]> {
  return readOutbox(store, to);
}

/** Prometheus text → `name{labels}` → value (labels sorted as exposed). */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^(\S+?)(\{.*\})?\s+(\S+)$/.exec(line);
    if (!m) continue;
    out.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  return out;
}

/** Sum of every series of `name` whose labels include all of `labels`. */
export function metricSum(metrics: Map<string, number>, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const [key, v] of metrics) {
    const brace = key.indexOf('{');
    const n = brace < 0 ? key : key.slice(0, brace);
    if (n !== name) continue;
    const ls = brace < 0 ? '' : key.slice(brace);
    if (Object.entries(labels).every(([k, val]) => ls.includes(`${k}="${val}"`))) sum += v;
  }
  return sum;
}

/** Scrapes /metrics on PORT, where it asks for the admin credentials (basic auth, as Prometheus sends them). */
export async function scrape(base: string, admin: { user: string; password: string }): Promise<Map<string, number>> {
  const authorization = `Basic ${Buffer.from(`${admin.user}:${admin.password}`).toString('base64')}`;
  const res = await fetch(`${base}/metrics`, { headers: { authorization } });
  if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
  return parseMetrics(await res.text());
}
