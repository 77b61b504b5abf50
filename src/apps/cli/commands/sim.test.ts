import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import express from 'express';
import { renderUssdScreen, runUssdSession } from './sim.js';

let fake: Server | undefined;
afterEach(async () => {
  const server = fake;
  fake = undefined;
  if (server) await new Promise((resolve) => server.close(resolve));
});

/** A stand-in gateway that answers like the AT USSD route and records every callback. */
async function fakeGateway(answer: (text: string) => { status?: number; body: string }) {
  const calls: Record<string, string>[] = [];
  const app = express();
  app.post('/channels/africastalking/ussd', express.urlencoded({ extended: false }), (req, res) => {
    calls.push({ ...(req.body as Record<string, string>), token: (req.query as Record<string, string>).token ?? '' });
    const a = answer((req.body as Record<string, string>).text ?? '');
    res
      .status(a.status ?? 200)
      .type('text/plain')
      .send(a.body);
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  fake = server;
  server.unref();
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls };
}

function script(answers: (string | null)[]) {
  const printed: string[] = [];
  return {
    printed,
    print: (t: string) => printed.push(t),
    ask: async () => (answers.length ? answers.shift()! : null),
  };
}

describe('baraza sim ussd', () => {
  it("posts what Africa's Talking posts, with the cumulative text, until END", async () => {
    const gw = await fakeGateway((text) => {
      if (text === '') return { body: 'CON Baraza\n1. Ask a question\n2. Farming tips' };
      if (text === '1') return { body: 'CON Type your question:' };
      return { body: `END You asked: ${text.split('*').slice(1).join('*')}` };
    });
    const io = script(['1', 'how do I dry maize?']);
    const outcome = await runUssdSession({
      url: gw.url,
      code: '*384*12#',
      phone: '+254700000100',
      token: 'tok',
      ...io,
    });
    expect(outcome).toBe('end');
    expect(gw.calls.map((c) => c.text)).toEqual(['', '1', '1*how do I dry maize?']);
    const sessionIds = new Set(gw.calls.map((c) => c.sessionId));
    expect(sessionIds.size).toBe(1);
    expect(gw.calls[0]).toMatchObject({
      serviceCode: '*384*12#',
      phoneNumber: '+254700000100',
      networkCode: '63902',
      token: 'tok',
    });
    expect(io.printed.join('\n')).toContain('│ 1. Ask a question');
    expect(io.printed.at(-1)).toContain('END');
    expect(io.printed.at(-1)).toContain('You asked: how do I dry maize?');
  });

  it('times out after the idle limit like the network does', async () => {
    const gw = await fakeGateway(() => ({ body: 'CON Menu' }));
    const outcome = await runUssdSession({
      url: gw.url,
      code: '*384*12#',
      phone: '+254700000100',
      idleTimeoutMs: 50,
      print: () => {},
      ask: (_p, signal) =>
        new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))),
    });
    expect(outcome).toBe('timeout');
    expect(gw.calls).toHaveLength(1);
  });

  it('ends when input closes, and reports HTTP errors and unreachable gateways', async () => {
    const gw = await fakeGateway((text) =>
      text === '' ? { body: 'CON Menu' } : { status: 400, body: '{"error":"field \'text\' is too long"}' },
    );
    const closed = script([]);
    expect(await runUssdSession({ url: gw.url, code: '*1#', phone: '+254700000100', ...closed })).toBe('cancelled');
    const bad = script(['x']);
    expect(await runUssdSession({ url: gw.url, code: '*1#', phone: '+254700000100', ...bad })).toBe('error');
    expect(bad.printed.at(-1)).toContain("field 'text' is too long");
    const gone = script([]);
    expect(await runUssdSession({ url: 'http://127.0.0.1:1', code: '*1#', phone: '+254700000100', ...gone })).toBe(
      'error',
    );
    expect(gone.printed.at(-1)).toMatch(/Is the gateway running/);
  });

  it('frames a screen with its length and encoding, flagging one too long', () => {
    expect(renderUssdScreen('CON', 'Hello\n1. Yes', 160)).toBe('┌ CON · 12/160 chars · GSM-7\n│ Hello\n│ 1. Yes\n└');
    expect(renderUssdScreen('END', 'ŋ'.repeat(81), 160)).toContain('81/80 chars · UCS-2 · TOO LONG');
  });
});
