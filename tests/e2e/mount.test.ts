/**
 * Baraza mounted in someone else's Express app, as the README shows: `app.use('/baraza', await createGateway())`.
 * Provider traffic goes through the mount path — a USSD hop, a Twilio message signed over the mounted URL, a
 * Meta webhook signed over its raw body — and Baraza's JSON errors stay inside its own path.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import express from 'express';
import { USSD_PATH, ussdFirstHop } from '../../channels/africastalking/testcases.js';
import { MESSAGING, messagingCases, signTwilio, sms, type TwilioCase } from '../../channels/twilio/testcases.js';
import { type MetaCase, signMeta, WHATSAPP_PATH, webhookCases } from '../../channels/whatsapp/testcases.js';
import type { InboundMessage } from '../../src/core/messages/index.js';
import { createGateway, type MountableGateway } from '../../src/index.js';
import { type ChannelHarness, type IncomingCase, runIncomingCases } from '../support/channel-cases.js';
import { testEnv } from './gateway.js';

const TWILIO_TOKEN = 'mount-twilio-token';

/** A recorded Meta webhook with its messages' timestamps set to now. */
function sentNow(body: string): string {
  const payload = JSON.parse(body);
  for (const entry of payload.entry)
    for (const change of entry.changes)
      for (const m of change.value.messages ?? []) m.timestamp = String(Math.floor(Date.now() / 1000));
  return JSON.stringify(payload);
}
const META_SECRET = 'mount-meta-secret';

interface Host {
  url: string;
  gateway: MountableGateway;
  inbound: InboundMessage[];
  close(): Promise<void>;
}

/** A host app with its own routes and 404, and Baraza under /baraza; the caller's queue consumer records inbound. */
async function startHost(): Promise<Host> {
  const gateway = await createGateway({
    // The simulator page is served beside provider secrets only in simulator mode.
    // AT callbacks unauthenticated by choice: this file is about mounting, not AT's token (finding 2).
    env: testEnv({
      WHATSAPP_APP_SECRET: META_SECRET,
      LOG_LEVEL: 'silent',
      SEND_MODE: 'simulator',
      AT_ALLOW_UNAUTHENTICATED: 'true',
    }),
    // Settings given in code win over the environment's.
    config: { twilio: { authToken: TWILIO_TOKEN } },
    workers: false,
  });
  const inbound: InboundMessage[] = [];
  gateway.runtime.queues.queue<InboundMessage>('inbound').process(async (job) => {
    inbound.push(job.data);
  });
  const app = express();
  app.get('/', (_req, res) => {
    res.type('text/plain').send('the host app');
  });
  app.use('/baraza', gateway);
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('not found by the host');
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    gateway,
    inbound,
    async close() {
      await new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await gateway.close();
    },
  };
}

let host: Host;
beforeAll(async () => {
  host = await startHost();
}, 60_000);
afterAll(() => host?.close());

/** Every case goes to `<host>/baraza<path>`: the runner's base is the mount. */
const mounted = async (): Promise<ChannelHarness> => ({
  ctx: host.gateway.runtime,
  base: `${host.url}/baraza`,
  inbound: host.inbound,
  close: async () => {},
});

const pick = <C extends IncomingCase>(cases: C[], ...labels: string[]) =>
  labels.map((label) => {
    const c = cases.find((x) => x.label === label);
    if (!c) throw new Error(`no case "${label}"`);
    return c;
  });

runIncomingCases<IncomingCase>("Africa's Talking USSD through the mount", {
  provider: 'africastalking',
  path: USSD_PATH,
  start: mounted,
  cases: [
    {
      label: 'first hop of a session: the main menu',
      body: ussdFirstHop,
      status: 200,
      responseBody: /^CON Baraza: ask us anything\n1 Ask a question/,
      responseType: /^text\/plain/,
    },
  ],
});

runIncomingCases<TwilioCase>('Twilio through the mount: signed over the mounted URL', {
  provider: 'twilio',
  path: MESSAGING,
  start: mounted,
  prepare: signTwilio(TWILIO_TOKEN),
  cases: [
    ...pick(messagingCases, 'signed SMS', 'signed with a query string in the URL', 'signed for another URL'),
    {
      label: 'signed over the URL without the mount path',
      body: { ...sms, MessageSid: 'SMunmounted' },
      signUrl: (url) => url.replace('/baraza/', '/'),
      status: 403,
      error: 'X-Twilio-Signature does not match the request',
    },
  ],
});

runIncomingCases<MetaCase>('Meta WhatsApp through the mount: signed over the raw body', {
  provider: 'meta',
  path: WHATSAPP_PATH,
  start: mounted,
  prepare: signMeta(META_SECRET),
  cases: pick(webhookCases, 'delivered status', 'forged signature', 'malformed JSON').concat({
    label: 'text message',
    // Sent now: the gateway runs on the real clock and drops messages older than Meta's retry window.
    body: sentNow(webhookCases.find((c) => c.label === 'text message')!.body as string),
    status: 200,
    inbound: { channel: 'whatsapp', provider: 'meta', from: '+254712345678', text: 'When should I plant beans?' },
  }),
});

runIncomingCases<IncomingCase>("Baraza's own answers inside the mount", {
  provider: 'africastalking',
  path: '/healthz',
  start: mounted,
  cases: [
    { label: 'health', method: 'GET', status: 200, responseBody: '{"status":"ok"}' },
    {
      label: 'an unknown path inside the mount: JSON 404 naming the full path',
      method: 'GET',
      path: '/nope?x=1',
      status: 404,
      error: 'no route for GET /baraza/nope',
    },
    {
      label: 'the admin pages are off without ADMIN_USER/ADMIN_PASSWORD',
      method: 'GET',
      path: '/admin/gaps',
      status: 403,
      error: /ADMIN_USER and ADMIN_PASSWORD/,
    },
  ],
});

describe('the host app around the mount', () => {
  it('keeps its own routes and its own 404 outside /baraza', async () => {
    const home = await fetch(`${host.url}/`);
    expect(await home.text()).toBe('the host app');
    const missing = await fetch(`${host.url}/elsewhere`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe('not found by the host');
  });

  it('serves the simulator page with asset links under the mount path', async () => {
    const page = await fetch(`${host.url}/baraza/simulator`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const a of assets) {
      expect(a.startsWith('/baraza/simulator/assets/')).toBe(true);
      expect((await fetch(host.url + a)).status).toBe(200);
    }
  });
});
