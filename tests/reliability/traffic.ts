/** Provider-shaped requests to a running gateway over real HTTP, each bounded in time. */
import twilio from 'twilio';
import { signBody } from '../../channels/whatsapp/signature.js';
import { smsForm, ussdForm, whatsappWebhook } from '../../src/apps/simulator/public/sim-core.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
  ms: number;
}

/** A request that never hangs a test: network errors and timeouts come back as status 0. */
export async function call(url: string, init: RequestInit = {}, timeoutMs = 10_000): Promise<Reply> {
  const started = performance.now();
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    const body = await res.text();
    return {
      status: res.status,
      headers: Object.fromEntries(res.headers.entries()),
      body,
      ms: performance.now() - started,
    };
  } catch (err) {
    return { status: 0, headers: {}, body: String((err as Error).message), ms: performance.now() - started };
  }
}

const tokenQuery = (token?: string) => (token ? `?token=${encodeURIComponent(token)}` : '');

export function ussdHop(
  base: string,
  f: { sessionId: string; phone: string; text: string; token?: string },
): Promise<Reply> {
  return call(`${base}/channels/africastalking/ussd${tokenQuery(f.token)}`, {
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
}

/** Africa's Talking inbound SMS callback (form). `id` is AT's message id: re-sending it is a provider retry. */
export function sendSms(base: string, f: { from: string; text: string; id: string; token?: string }): Promise<Reply> {
  return call(`${base}/channels/africastalking/sms${tokenQuery(f.token)}`, {
    method: 'POST',
    headers: FORM,
    body: smsForm({ from: f.from, to: '21525', text: f.text, date: new Date(), id: f.id }),
  });
}

/** The exact JSON text Meta would post for one text message. */
export function whatsappBody(f: { from: string; text: string; wamid: string }): string {
  return JSON.stringify(
    whatsappWebhook({
      from: f.from,
      name: 'Test User',
      phoneNumberId: '100000000000001',
      displayNumber: '15550001234',
      wamid: f.wamid,
      timestamp: Date.now(),
      message: { type: 'text', text: f.text },
    }),
  );
}

/** A signed Meta webhook (`signature` overrides the header: forged, truncated, or '' for none). */
export function sendWhatsapp(
  base: string,
  f: { from: string; text: string; wamid: string; secret: string; signature?: string; raw?: string },
): Promise<Reply> {
  const raw = f.raw ?? whatsappBody(f);
  const signature = f.signature ?? signBody(raw, f.secret);
  return call(`${base}/channels/whatsapp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature ? { 'x-hub-signature-256': signature } : {}) },
    body: raw,
  });
}

export const TWILIO_MESSAGING_PATH = '/channels/twilio/messaging';

/** Twilio's incoming-message form fields for one SMS. */
export function twilioSmsParams(f: {
  from: string;
  text: string;
  sid: string;
  accountSid: string;
}): Record<string, string> {
  return {
    MessageSid: f.sid,
    SmsSid: f.sid,
    AccountSid: f.accountSid,
    From: f.from,
    To: '+15005550006',
    Body: f.text,
    NumMedia: '0',
    NumSegments: '1',
    ApiVersion: '2010-04-01',
  };
}

/** A Twilio webhook signed as Twilio signs it (URL + sorted params, HMAC-SHA1 with the auth token). */
export function sendTwilio(
  base: string,
  params: Record<string, string>,
  f: { authToken: string; signature?: string },
): Promise<Reply> {
  const url = `${base}${TWILIO_MESSAGING_PATH}`;
  const signature = f.signature ?? twilio.getExpectedTwilioSignature(f.authToken, url, params);
  return call(url, {
    method: 'POST',
    headers: { ...FORM, ...(signature ? { 'x-twilio-signature': signature } : {}) },
    body: new URLSearchParams(params).toString(),
  });
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
