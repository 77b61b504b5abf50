import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { simulatorSender } from '../../../channels/simulator/outbox.js';
import { WHATSAPP_ROUTE, whatsappRouter } from '../../../channels/whatsapp/routes.js';
import { makeTestContext } from '../../../tests/support/context.js';
import { serveSurfaces, type TestGateway } from '../../../tests/support/http.js';
import type { InboundMessage, OutboundMessage } from '../../core/messages/index.js';
import { whatsappWebhook } from './public/sim-core.js';
import { SIMULATOR_PUBLIC_DIR, simulatorRouter } from './routes.js';

const SECRET = 'sim-test-app-secret';
type Ctx = Awaited<ReturnType<typeof makeTestContext>>;
let ctx: Ctx;
let app: TestGateway | undefined;
let base: string;

async function start(env: Record<string, string>) {
  ctx = await makeTestContext({ env });
  app = await serveSurfaces(ctx, [
    (c) => ({ path: WHATSAPP_ROUTE, router: whatsappRouter(c) }),
    (c) => ({ path: '/simulator', router: simulatorRouter(c) }),
  ]);
  base = app.base;
}

afterEach(async () => {
  await app?.close();
  await ctx?.queues.close();
});

const reply = (to: string, text: string, extra: Partial<OutboundMessage> = {}): OutboundMessage => ({
  id: `r-${Math.random()}`,
  channel: 'sms',
  provider: 'africastalking',
  to,
  text,
  kind: 'reply',
  createdAt: new Date().toISOString(),
  ...extra,
});

describe('simulator page', () => {
  it('serves the page with its three phones and every asset it references, from this server only', async () => {
    await start({});
    const res = await fetch(`${base}/simulator`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    for (const id of ['pane-ussd', 'pane-sms', 'pane-whatsapp']) expect(html).toContain(`id="${id}"`);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const a of assets) {
      expect(a.startsWith('/simulator/assets/')).toBe(true);
      const asset = await fetch(base + a);
      expect(asset.status).toBe(200);
    }
    const js = await fetch(`${base}/simulator/assets/app.js`);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    // Offline: no file of the page loads anything from another origin.
    for (const f of readdirSync(SIMULATOR_PUBLIC_DIR)) {
      expect(readFileSync(path.join(SIMULATOR_PUBLIC_DIR, f), 'utf8')).not.toMatch(
        /(?:src|href|url\()\s*=?\s*["']?https?:\/\//,
      );
    }
  });

  it('says clearly when the simulator is off, and does not mount the signing helper', async () => {
    await start({ SIMULATOR: 'off', WHATSAPP_APP_SECRET: SECRET });
    const page = await fetch(`${base}/simulator`);
    expect(page.status).toBe(404);
    expect((await page.json()).error).toMatch(/SIMULATOR=on/);
    const sign = await fetch(`${base}/simulator/api/sign/whatsapp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ body: '{}' }),
    });
    expect(sign.status).toBe(404);
    const outbox = await fetch(`${base}/simulator/api/outbox?to=%2B254700000001`);
    expect(outbox.status).toBe(404);
  });
});

describe('the simulator beside live credentials (finding 3, issue 14)', () => {
  it('is off by default: no signer with the real app secret, no settings with the AT token, no outbox', async () => {
    // An embedded start (no Redis) with live credentials, as the issue tried it; SIMULATOR left to its default.
    await start({ WHATSAPP_APP_SECRET: SECRET, AT_WEBHOOK_TOKEN: 'real-at-token', PII_SALT: 'a-real-salt-0123456789' });
    expect(ctx.config.simulator).toBe(false);
    const sign = await fetch(`${base}/simulator/api/sign/whatsapp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ body: '{}' }),
    });
    expect(sign.status).toBe(404);
    const settings = await fetch(`${base}/simulator/api/settings`);
    expect(settings.status).toBe(404);
    expect(await settings.text()).not.toContain('real-at-token');
    expect((await fetch(`${base}/simulator/api/outbox?to=%2B254700000001`)).status).toBe(404);
  });
});

describe('GET /simulator/api/outbox', () => {
  it('rejects a missing or invalid number with a 400 naming the field', async () => {
    await start({});
    for (const q of ['', '?to=', '?to=hello', '?to=123']) {
      const res = await fetch(`${base}/simulator/api/outbox${q}`);
      expect(res.status).toBe(400);
      expect((await res.json()).error).toMatch(/'to'/);
    }
  });

  it('lists what was sent to a number, oldest first, whatever form the number is written in', async () => {
    await start({});
    const sender = simulatorSender(ctx.store, 'africastalking');
    await sender.send(reply('+254700000001', 'first answer'));
    await sender.send(reply('+254700000001', 'Bei ya mahindi ni nzuri leo — karibu', { kind: 'tip' }));
    await sender.send(reply('+254700000002', 'someone else'));
    for (const form of ['%2B254700000001', '254700000001', '0700000001', '%2B254%20700%20000%20001']) {
      const res = await fetch(`${base}/simulator/api/outbox?to=${form}`);
      expect(res.status).toBe(200);
      const items = (await res.json()) as {
        text: string;
        to: string;
        encoding: string;
        segments: number;
        kind: string;
      }[];
      expect(items.map((i) => i.text)).toEqual(['first answer', 'Bei ya mahindi ni nzuri leo — karibu']);
      expect(items[0]).toMatchObject({ channel: 'sms', to: '+254700000001', encoding: 'GSM-7', segments: 1 });
      expect(items[1]!.kind).toBe('tip');
    }
  });
});

describe('POST /simulator/api/sign/whatsapp', () => {
  it('signs a webhook the real WhatsApp route accepts, as if Meta had sent it', async () => {
    await start({ WHATSAPP_APP_SECRET: SECRET, SEND_MODE: 'simulator' });
    const received: InboundMessage[] = [];
    ctx.queues.queue<InboundMessage>('inbound').process(async (job) => {
      received.push(job.data);
    });
    const payload = whatsappWebhook({
      from: '+254700000103',
      name: 'Amina',
      phoneNumberId: '100000000000001',
      displayNumber: '15550001234',
      wamid: 'wamid.SIMTEST1',
      timestamp: Date.now(),
      message: { type: 'list_reply', id: 'topic:maize', title: 'Maize', description: 'Planting and storage' },
    });
    const raw = JSON.stringify(payload);
    const signed = await fetch(`${base}/simulator/api/sign/whatsapp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ body: raw }),
    });
    expect(signed.status).toBe(200);
    const { signature } = (await signed.json()) as { signature: string };
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    const res = await fetch(`${base}/channels/whatsapp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
      body: raw,
    });
    expect(res.status).toBe(200);
    for (let i = 0; i < 50 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      channel: 'whatsapp',
      from: '+254700000103',
      interactive: { kind: 'list', id: 'topic:maize', title: 'Maize' },
    });
    // A body changed after signing is refused: the signature covers the exact bytes.
    const tampered = await fetch(`${base}/channels/whatsapp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
      body: raw.replace('Maize', 'Maise'),
    });
    expect(tampered.status).toBe(403);
  });

  it('names the missing field, and says when there is no secret to sign with', async () => {
    await start({ WHATSAPP_APP_SECRET: SECRET, SEND_MODE: 'simulator' });
    const bad = await fetch(`${base}/simulator/api/sign/whatsapp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ payload: '{}' }),
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/'body'/);
    await app?.close();
    await start({});
    const none = await fetch(`${base}/simulator/api/sign/whatsapp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ body: '{}' }),
    });
    expect(none.status).toBe(503);
    expect((await none.json()).error).toMatch(/WHATSAPP_APP_SECRET/);
  });
});
