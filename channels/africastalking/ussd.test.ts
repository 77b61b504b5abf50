import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { processInbound } from '../../src/apps/worker/inbound.js';
import { processOutbound } from '../../src/apps/worker/outbound.js';
import type { Answerer } from '../../src/core/answers.js';
import type { InboundMessage, OutboundMessage } from '../../src/core/messages/index.js';
import { loadUssdMenus } from '../../src/dialogue/ussd/menus.js';
import { createUssdDialogue } from '../../src/dialogue/ussd/session.js';
import type { AppContext } from '../../src/platform/context.js';
import type { WorkerHandle } from '../../src/platform/queue/index.js';
import { sharedAnswerer } from '../../tests/support/answerer.js';
import { type ChannelHarness, runIncomingCases } from '../../tests/support/channel-cases.js';
import { makeTestContext } from '../../tests/support/context.js';
import { request, serveSurfaces } from '../../tests/support/http.js';
import { readOutbox } from '../simulator/outbox.js';
import { AT_ROOT, africasTalkingRouter } from './routes.js';
import { ussdFirstHop as firstHop, USSD_PATH, ussdBadInputCases } from './testcases.js';

const MAX = 160;
let seq = 0;

type Harness = ChannelHarness & { ctx: AppContext };

async function harness(
  opts: { env?: Record<string, string>; answerer?: Answerer; worker?: boolean; now?: () => number } = {},
): Promise<Harness> {
  const ctx = await makeTestContext({
    env: opts.env,
    answerer: opts.answerer ?? (await sharedAnswerer()),
    ...(opts.now ? { now: opts.now } : {}),
  });
  const menus = loadUssdMenus();
  const gw = await serveSurfaces(ctx, [
    (c) => ({ path: AT_ROOT, router: africasTalkingRouter(c, createUssdDialogue(c, menus)) }),
  ]);
  const workers: WorkerHandle[] = [];
  const inbound: InboundMessage[] = [];
  if (opts.worker !== false) {
    workers.push(
      ctx.queues.queue<InboundMessage>('inbound').process((job) => {
        inbound.push(job.data);
        return processInbound(ctx, async () => [], job);
      }),
    );
    workers.push(ctx.queues.queue<OutboundMessage>('outbound').process((job) => processOutbound(ctx, {}, job)));
  }
  return {
    ctx,
    base: gw.base,
    inbound,
    async close() {
      for (const w of workers) await w.close();
      await gw.close();
      await ctx.queues.close();
    },
  };
}

const close = (h: Harness) => h.close();

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

/** Drives one USSD session the way Africa's Talking does: `text` carries every input so far joined by `*`. */
class Session {
  readonly id = `ATUid_test_${++seq}_${Date.now()}`;
  readonly inputs: string[] = [];
  readonly screens: string[] = [];
  constructor(
    private readonly h: Harness,
    readonly phone = `+2547110${String(80000 + seq).padStart(5, '0')}`,
  ) {}

  async dial(): Promise<string> {
    return this.send();
  }

  async press(input: string): Promise<string> {
    this.inputs.push(input);
    return this.send();
  }

  /** Presses the number the last screen shows beside `label` (menus are numbered from the loaded packs). */
  async choose(label: string): Promise<string> {
    const last = this.screens.at(-1) ?? '';
    const line = last.split('\n').find((l) => l.replace(/^\d+ /, '') === label && /^\d+ /.test(l));
    if (!line) throw new Error(`no item "${label}" on the screen: ${JSON.stringify(last)}`);
    return this.press(line.split(' ')[0]!);
  }

  private async send(): Promise<string> {
    const res = await request(this.h.base, {
      method: 'POST',
      url: '/channels/africastalking/ussd',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: form({ ...firstHop, sessionId: this.id, phoneNumber: this.phone, text: this.inputs.join('*') }),
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/^(CON|END) /);
    const screen = res.body.slice(4);
    expect(screen.length).toBeLessThanOrEqual(MAX);
    this.screens.push(res.body);
    return res.body;
  }
}

runIncomingCases("Africa's Talking USSD: bad input, answered with the status and the field at fault", {
  provider: 'africastalking',
  path: USSD_PATH,
  contentType: 'application/x-www-form-urlencoded',
  cases: ussdBadInputCases,
  start: () => harness(),
});

describe("Africa's Talking USSD: menus", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => close(h));

  it('an unknown menu choice shows the menu again with a short hint, not an error', async () => {
    const s = new Session(h);
    const menu = await s.dial();
    const again = await s.press('7');
    expect(again.startsWith('CON Invalid choice.\n')).toBe(true);
    expect(again).toContain(menu.slice(4));
    const typed = await s.press('hello');
    expect(typed).toContain('Invalid choice.');
  });
});

describe("Africa's Talking USSD: sessions", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => close(h));

  it('opens with the main menu in well under a second', async () => {
    const s = new Session(h);
    const started = performance.now();
    const body = await s.dial();
    expect(performance.now() - started).toBeLessThan(1000);
    // The frame from menu.yaml, the sample packs' menu labels (pack.yaml menu_title) in the browse slot.
    expect(body).toBe(
      'CON Baraza: ask us anything\n1 Ask a question\n2 Farming\n3 Money\n4 Nutrition and water\n5 Change language\n6 Exit',
    );
  });

  it('answers a free-text farming question from the sample packs (en)', async () => {
    const s = new Session(h);
    await s.dial();
    expect(await s.press('1')).toBe('CON Type your question:');
    const answer = await s.press('how do i dry maize before storing');
    expect(answer.startsWith('CON ')).toBe(true);
    expect(answer.toLowerCase()).toMatch(/dry|aflatoxin|mould|bag|store/);
    expect(answer).toMatch(/0 Back/);
  });

  it('runs a whole session in Swahili after choosing the language, and remembers it', async () => {
    const s = new Session(h);
    await s.dial();
    await s.choose('Change language');
    const menu = await s.choose('Kiswahili');
    expect(menu).toContain('Lugha imehifadhiwa.');
    expect(menu).toContain('1 Uliza swali');
    expect(await s.press('1')).toBe('CON Andika swali lako:');
    const answer = await s.press('nawezaje kuweka akiba kidogo kidogo');
    expect(answer.toLowerCase()).toMatch(/akiba|okoa|weka/);
    // Redialling (the session was dropped on the answer) speaks Swahili from the first screen.
    const again = new Session(h, s.phone);
    expect(await again.dial()).toBe('CON Endelea ulipoachia?\n1 Ndiyo, endelea\n2 Hapana, anza upya');
    expect(await again.press('2')).toContain('1 Uliza swali');
  });

  it('runs a whole session in French: browse money tips down to an answer page and back', async () => {
    const s = new Session(h);
    await s.dial();
    await s.choose('Change language');
    expect(await s.choose('Francais')).toContain('1 Poser une question');
    const topics = await s.choose('Argent');
    expect(topics).toContain('Choisissez un sujet :');
    const entries = await s.press('1');
    expect(entries).toMatch(/\n1 /);
    const page1 = await s.press('1');
    expect(page1).toMatch(/0 Retour$/);
    if (page1.includes('1 Suite')) {
      const page2 = await s.press('1');
      expect(page2).not.toBe(page1);
      expect(await s.press('0')).toBe(page1);
    }
  });

  it('pages through a long answer and returns to the menu it came from', async () => {
    const s = new Session(h);
    await s.dial();
    const topics = await s.press('2');
    expect(topics).toContain('Choose a topic:');
    const entries = await s.press('1');
    const page1 = await s.press('1');
    expect(page1).toContain('1 More');
    const page2 = await s.press('1');
    expect(page2).not.toBe(page1);
    await s.press('0');
    expect(await s.press('0')).toBe(entries);
  });

  it('ends the session on Exit', async () => {
    const s = new Session(h);
    await s.dial();
    expect(await s.choose('Exit')).toBe('END Thank you for using Baraza. Goodbye!');
  });

  it('offers to resume a dropped session within five minutes', async () => {
    const dropped = new Session(h);
    await dropped.dial();
    await dropped.press('2');
    const where = await dropped.press('1');
    const redial = new Session(h, dropped.phone);
    expect(await redial.dial()).toBe('CON Continue where you left off?\n1 Yes, continue\n2 No, start again');
    expect(await redial.press('1')).toBe(where);
    const fresh = new Session(h, dropped.phone);
    expect(await fresh.dial()).toContain('Continue where you left off?');
    expect(await fresh.press('2')).toContain('1 Ask a question');
  });

  it('finding 11: a session is bound to its number: another number sending the same session id starts afresh', async () => {
    const owner = new Session(h);
    await owner.dial();
    await owner.press('2');
    const topics = await owner.press('1');
    expect(topics).not.toContain('1 Ask a question');
    // Same session id and the same history, but another phone number: never the owner's screen.
    const res = await request(h.base, {
      method: 'POST',
      url: '/channels/africastalking/ussd',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: form({ ...firstHop, sessionId: owner.id, phoneNumber: '+254711099999', text: '' }),
    });
    expect(res.body).toContain('1 Ask a question');
    expect(res.body).not.toBe(topics);
    // The owner's session goes on where it was.
    expect(await owner.press('0')).not.toContain('Invalid');
  });

  it('does not offer to resume after the user exited normally', async () => {
    const s = new Session(h);
    await s.dial();
    await s.choose('Exit');
    expect(await new Session(h, s.phone).dial()).toContain('1 Ask a question');
  });
});

describe("Africa's Talking USSD: the deadline", () => {
  const slow = async (ms: number): Promise<Answerer> => {
    const real = await sharedAnswerer();
    return {
      catalogue: real.catalogue,
      answer: async (req) => {
        await new Promise((r) => setTimeout(r, ms));
        return real.answer(req);
      },
    };
  };

  it('answers within the deadline with an SMS promise, then sends the answer by SMS', async () => {
    const h = await harness({ env: { USSD_DEADLINE_MS: '1000' }, answerer: await slow(1500) });
    try {
      const s = new Session(h);
      await s.dial();
      await s.press('1');
      const started = performance.now();
      const body = await s.press('when should I vaccinate chickens against newcastle');
      expect(performance.now() - started).toBeLessThan(1000);
      expect(body).toBe('END Your answer is on its way by SMS. Thank you!');
      const until = Date.now() + 8000;
      let outbox = await readOutbox(h.ctx.store, s.phone);
      while (outbox.length === 0 && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 100));
        outbox = await readOutbox(h.ctx.store, s.phone);
      }
      expect(outbox).toHaveLength(1);
      expect(outbox[0]).toMatchObject({ channel: 'sms', to: s.phone });
      expect(outbox[0]!.text.toLowerCase()).toMatch(/newcastle|vaccin/);
      await new Promise((r) => setTimeout(r, 300));
      expect(await readOutbox(h.ctx.store, s.phone)).toHaveLength(1);
    } finally {
      await close(h);
    }
  });

  it('does not hang when no worker is running: the SMS screen comes within the deadline', async () => {
    const h = await harness({ env: { USSD_DEADLINE_MS: '800' }, worker: false });
    try {
      const s = new Session(h);
      await s.dial();
      await s.press('1');
      const started = performance.now();
      expect(await s.press('how to make compost')).toBe('END Your answer is on its way by SMS. Thank you!');
      expect(performance.now() - started).toBeLessThan(800);
    } finally {
      await close(h);
    }
  });
});

describe("Africa's Talking USSD: the per-subscriber question limit", () => {
  it('finding 1: USSD questions count against RATE_LIMIT_PER_MINUTE; past it the caller gets a localised END screen', async () => {
    // A fixed clock: the one-minute window cannot roll over during the test.
    const h = await harness({ env: { RATE_LIMIT_PER_MINUTE: '2' }, now: () => 1_800_000_000_000 });
    const phone = '+254711077001';
    const ask = async (question: string) => {
      const s = new Session(h, phone);
      // The previous session ended on an answer, so the next one offers to resume it: start again.
      if ((await s.dial()).includes('Continue where you left off?')) await s.press('2');
      await s.press('1');
      return s.press(question);
    };
    expect(await ask('how do I store maize')).toMatch(/^CON /);
    expect(await ask('how do I dry beans')).toMatch(/^CON /);
    const limited = await ask('how do I plant cassava');
    expect(limited).toBe('END You have asked many questions in a short time. Please wait a minute, then try again.');
    expect(h.inbound.map((m) => m.text)).not.toContain('how do I plant cassava');
    // Another subscriber is not affected.
    const other = new Session(h, '+254711077002');
    await other.dial();
    await other.press('1');
    expect(await other.press('how do I plant cassava')).toMatch(/^CON /);
    await h.close();
  });
});
