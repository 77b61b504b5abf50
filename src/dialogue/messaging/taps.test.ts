/**
 * Issue 11's reported defects, through the whole messaging turn over the sample packs: a WhatsApp tap whose
 * title reads like a TIPS command ("Vidokezo vya kilimo", "Conseils agricoles") opens the pack's topic list in
 * the subscriber's language and never subscribes.
 */
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { sharedAnswerer } from '../../../tests/support/answerer.js';
import { makeTestContext } from '../../../tests/support/context.js';
import type { Answerer } from '../../core/answers.js';
import type { InboundMessage } from '../../core/messages/index.js';
import type { AppContext } from '../../platform/context.js';
import { loadProfile, saveProfile } from '../../platform/subscribers.js';
import { handleMessage } from './index.js';

const FROM = '+254712300011';
let answerer: Answerer;
let ctx: AppContext;
let seq = 0;

beforeAll(async () => {
  answerer = await sharedAnswerer();
});
afterEach(() => ctx?.queues.close());

const tap = (kind: 'button' | 'list', id: string, title: string): InboundMessage => {
  const wamid = `wamid.tap${++seq}`;
  return {
    id: `meta:${wamid}`,
    channel: 'whatsapp',
    provider: 'meta',
    from: FROM,
    // Meta's interactive webhook carries the title as the message text.
    text: title,
    interactive: { kind, id, title },
    providerMessageId: wamid,
    receivedAt: '2026-03-02T08:00:00.000Z',
  };
};

describe.each([
  ['sw', 'Vidokezo vya kilimo', 'Mahindi', /^Kilimo: chagua mada\.$/],
  ['fr', 'Conseils agricoles', 'Maïs', /^Agriculture : choisissez un thème\.$/],
  ['en', 'Farming tips', 'Maize', /^Farming: choose a topic\.$/],
])('a tap in %s titled "%s"', (lang, title, firstTopic, body) => {
  it.each(['button', 'list'] as const)('(%s reply) opens the topic list and never subscribes', async (kind) => {
    ctx = await makeTestContext({ answerer });
    await saveProfile(ctx.store, FROM, { lang });
    const out = await handleMessage(ctx, tap(kind, 'pack:agri-advisory', title));
    expect(out).toHaveLength(1);
    expect(out[0]!.text).toMatch(body);
    const rows = out[0]!.list!.rows;
    expect(rows[0]).toEqual({ id: 'topic:agri-advisory:maize', title: firstTopic });
    expect(rows.every((r) => r.id.startsWith('topic:agri-advisory:') || r.id === 'pack:agri-advisory:1')).toBe(true);
    const profile = await loadProfile(ctx.store, FROM);
    expect(profile.tips).toBeUndefined();
    expect(await ctx.store.setMembers('tips:subscribers')).toEqual([]);
  });
});

it('a tap titled like STOP does not opt the subscriber out', async () => {
  ctx = await makeTestContext({ answerer });
  const out = await handleMessage(ctx, tap('button', 'menu:ask', 'STOP'));
  expect(out[0]!.text).toMatch(/type your question/i);
  expect((await loadProfile(ctx.store, FROM)).optedOut).toBeFalsy();
});

it('the same words typed still work as a TIPS command (typed keywords are commands, taps are not)', async () => {
  ctx = await makeTestContext({ answerer });
  const typed = { ...tap('button', 'x', 'x'), interactive: undefined, text: 'VIDOKEZO kilimo' };
  const out = await handleMessage(ctx, typed);
  expect(out[0]!.text).toMatch(/^Umejiunga!.*Kilimo/);
  expect((await loadProfile(ctx.store, FROM)).tips?.map((t) => `${t.pack}/${t.topic}`)).toEqual(['agri-advisory/any']);
});
