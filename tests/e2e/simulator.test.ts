/**
 * The phone simulator in a real browser (Debian's chromium driven by playwright-core) against the whole
 * product started in-process on the embedded default, as `npm start` runs it: dial the USSD code, walk a menu,
 * ask a question and read the answer, text by SMS and chat on WhatsApp (tapping buttons and list rows), and see
 * a session time out; then the menus of a pack nothing names (PACKS_DIR set to a deployer's own pack). Screenshots
 * go to test-artifacts/e2e/.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { type RunningGateway, startGateway } from './gateway.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve('test-artifacts', 'e2e');
/** Shortened idle timeout (the page reads ?ussdIdle=) so the time-out is seen without waiting 180 s. */
const IDLE_S = 4;

let gw: RunningGateway;
let context: BrowserContext;
let page: Page;
let userDataDir: string;
const pageErrors: string[] = [];

function firstWords(text: string, n = 3): string {
  return text.replace(/\s+/g, ' ').trim().split(' ').slice(0, n).join(' ');
}

async function shot(p: Page, name: string): Promise<void> {
  await p.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Waits until the element's text contains `needle` (or matches it), failing with what it saw. */
async function waitForText(p: Page, selector: string, needle: string | RegExp, timeout = 15_000): Promise<string> {
  const source = typeof needle === 'string' ? { s: needle } : { re: needle.source, flags: needle.flags };
  try {
    await p.waitForFunction(
      ({ selector, source }) => {
        const t = document.querySelector(selector)?.textContent ?? '';
        return 're' in source && source.re !== undefined
          ? new RegExp(source.re, source.flags).test(t)
          : t.includes(source.s ?? '');
      },
      { selector, source },
      { timeout },
    );
  } catch (err) {
    const seen = await p
      .locator(selector)
      .first()
      .textContent()
      .catch(() => '(element missing)');
    throw new Error(
      `waiting for ${String(needle)} in ${selector}; it shows: ${JSON.stringify(seen)} (${(err as Error).message.split('\n')[0]})`,
    );
  }
  return (await p.locator(selector).first().textContent()) ?? '';
}

async function pressKeys(p: Page, keys: string): Promise<void> {
  for (const k of keys) await p.click(`#ussd-keypad [data-key="${k}"]`);
}

/** Hangs up whatever the handset shows and returns to the dialler. */
async function resetHandset(p: Page): Promise<void> {
  const state = await p.getAttribute('#ussd-lcd', 'data-state');
  if (state === 'session') await p.click('#ussd-end');
  if (state !== 'idle') {
    await p.waitForSelector('#ussd-lcd[data-state="ended"]');
    await p.click('#ussd-call'); // OK
  }
  await p.waitForSelector('#ussd-lcd[data-state="idle"]');
}

/** The next USSD screen after a hop: waits for the request to finish. */
async function ussdScreen(p: Page): Promise<{ text: string; state: string; meta: string }> {
  try {
    await p.waitForFunction(() => {
      const s = document.querySelector('#ussd-lcd')?.getAttribute('data-state');
      return s === 'session' || s === 'ended';
    });
  } catch (err) {
    const seen = await p.textContent('#ussd-screen').catch(() => '(element missing)');
    throw new Error(
      `no USSD screen arrived; the handset shows ${JSON.stringify(seen)} (${(err as Error).message.split('\n')[0]})`,
    );
  }
  return {
    text: (await p.textContent('#ussd-screen')) ?? '',
    state: (await p.getAttribute('#ussd-lcd', 'data-state')) ?? '',
    meta: (await p.textContent('#ussd-meta')) ?? '',
  };
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: the browser test needs it. Install it with ` +
        '`apt-get install -y chromium` (.ci/run does this), or set CHROMIUM_PATH to a Chromium binary.',
    );
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  // Nothing configured, as after `npm install && npm start`: the simulator signs WhatsApp webhooks with the
  // runtime's per-process secret.
  gw = await startGateway();
  userDataDir = mkdtempSync(path.join(os.tmpdir(), 'baraza-chromium-'));
  // A persistent context is how Playwright takes a fresh --user-data-dir.
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1440, height: 1000 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
  // Offline: the page must not ask for anything outside the gateway.
  await context.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => {
    pageErrors.push(`request to another origin: ${route.request().url()}`);
    return route.abort();
  });
  await page.goto(`${gw.url}/simulator?ussdIdle=${IDLE_S}`);
  await page.waitForSelector('body[data-ready="true"]');
}, 90_000);

afterAll(async () => {
  await context?.close();
  await gw?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

describe('phone simulator in a browser', () => {
  it('dials the USSD code and walks a menu, each screen with its character count', async () => {
    await resetHandset(page);
    await page.fill('#ussd-input', '*384*12#');
    await page.click('#ussd-call');
    const menu = await ussdScreen(page);
    expect(menu.state).toBe('session');
    expect(menu.text).toContain('Ask a question');
    expect(menu.meta).toMatch(new RegExp(`^${[...menu.text].length}/160 chars · GSM-7$`));
    await shot(page, '01-ussd-menu');

    await pressKeys(page, '2');
    await page.click('#ussd-call');
    const topics = await waitForText(page, '#ussd-screen', 'Choose a topic');
    expect(topics).toMatch(/^1 \S/m);
    await shot(page, '02-ussd-topics');

    await page.click('#ussd-end');
    await waitForText(page, '#ussd-state-label', 'Session ended');
    await page.click('#ussd-call'); // OK: back to the dialler
    await waitForText(page, '#ussd-state-label', 'Ready');
    expect(await page.inputValue('#ussd-input')).toBe('*384*12#');
  });

  it('asks a question over USSD and reads the answer from the packs', async () => {
    const question = 'how should I dry my maize after harvest';
    const expected = await gw.rt.answerer.answer({ question, channel: 'ussd', lang: 'en' });
    expect(expected.found).toBe(true);

    await resetHandset(page);
    await page.fill('#ussd-input', '*384*12#');
    await page.click('#ussd-call');
    // The last session was dropped on the topics screen, so the service offers to resume it.
    await waitForText(page, '#ussd-screen', 'Continue where you left off');
    await shot(page, '03-ussd-resume');
    await pressKeys(page, '2');
    await page.click('#ussd-call');
    await waitForText(page, '#ussd-screen', 'Ask a question');
    await pressKeys(page, '1');
    await page.click('#ussd-call');
    await waitForText(page, '#ussd-screen', 'Type your question');
    await page.fill('#ussd-input', question);
    await page.press('#ussd-input', 'Enter');
    const answer = await waitForText(page, '#ussd-screen', firstWords(expected.answer));
    expect(answer.length).toBeGreaterThan(20);
    expect(await page.textContent('#ussd-meta')).toMatch(/^\d+\/\d+ chars · (GSM-7|UCS-2)$/);
    // What was posted is exactly Africa's Talking's cumulative text.
    const trace = (await page.locator('#ussd-trace li code').allTextContents()).map((t) =>
      t.replace(/^text="|"$/g, ''),
    );
    expect(trace).toEqual(['', '2', '2*1', `2*1*${question}`]);
    await shot(page, '04-ussd-answer');
  });

  it('closes an idle USSD session after the timeout', async () => {
    await resetHandset(page);
    await page.fill('#ussd-phone', '+254700000199'); // a fresh subscriber: no session to resume
    await page.fill('#ussd-input', '*384*12#');
    await page.click('#ussd-call');
    await waitForText(page, '#ussd-screen', 'Ask a question');
    const started = Date.now();
    await waitForText(page, '#ussd-state-label', 'Session timed out', (IDLE_S + 3) * 1000);
    expect(Date.now() - started).toBeGreaterThanOrEqual((IDLE_S - 1) * 1000);
    expect(await page.textContent('#ussd-screen')).toContain(`No answer for ${IDLE_S} s`);
    await shot(page, '05-ussd-timeout');
  });

  it('sends an SMS and shows the reply with its encoding and segment count', async () => {
    const question = 'how do I store beans against weevils?';
    const phone = (await page.inputValue('#sms-phone')).trim();
    await page.fill('#sms-text', question);
    expect(await page.textContent('#sms-counter')).toMatch(/^\d+ chars · GSM-7 · 1 segment$/);
    await page.click('#sms-send');
    await page.waitForSelector('#sms-thread .bubble.in', { timeout: 15_000 });
    const reply = (await page.textContent('#sms-thread .bubble.in p')) ?? '';
    const meta = (await page.textContent('#sms-thread .bubble.in .meta')) ?? '';
    const sent = await (await fetch(`${gw.url}/simulator/api/outbox?to=${encodeURIComponent(phone)}`)).json();
    expect(reply).toBe(sent[0].text);
    expect(meta).toContain(`${sent[0].encoding} · ${sent[0].segments} segment`);
    expect(sent[0].segments).toBeGreaterThanOrEqual(1);
    expect(await page.textContent('#sms-thread .bubble.out .meta')).toContain('✓ accepted');
    await shot(page, '06-sms');
  });

  it('chats on WhatsApp, tapping reply buttons and list rows', async () => {
    const replies = () => page.locator('#wa-thread .bubble.in').count();
    await page.fill('#wa-text', 'hi');
    await page.click('#wa-send');
    // The main menu lists "ask" and every loaded pack: reply buttons for up to three items, else a list.
    await page.waitForSelector('#wa-thread .wa-reply-button, #wa-thread .wa-list-open', { timeout: 15_000 });
    const packs = gw.rt.answerer.catalogue.packs();
    let before = await replies();
    if (packs.length + 1 <= 3) {
      const buttons = await page.locator('#wa-thread .wa-reply-button').allTextContents();
      expect(buttons).toHaveLength(packs.length + 1);
      await shot(page, '07-whatsapp-menu');
      // A tap posts an interactive button_reply webhook; the answer here is a list.
      const farming = buttons.find((b) => /farm/i.test(b)) ?? buttons[1]!;
      await page.click(`#wa-thread .wa-reply-button:text-is("${farming}")`);
    } else {
      await page.locator('#wa-thread .wa-list-open').last().click();
      const menuRows = await page.locator('#wa-thread .wa-list-row').allTextContents();
      expect(menuRows).toHaveLength(packs.length + 1);
      await shot(page, '07-whatsapp-menu');
      // A tap posts an interactive list_reply webhook; the answer is the pack's topics, as a list.
      const farming = menuRows.findIndex((r) => /farm/i.test(r));
      await page
        .locator('#wa-thread .wa-list-row')
        .nth(farming >= 0 ? farming : 1)
        .click();
    }
    await page.waitForFunction((n) => document.querySelectorAll('#wa-thread .bubble.in').length > n, before, {
      timeout: 15_000,
    });
    await page.locator('#wa-thread .wa-list-open').last().click();
    const rows = page.locator('#wa-thread .wa-list-row');
    expect(await rows.count()).toBeGreaterThanOrEqual(2);
    await shot(page, '08-whatsapp-list');

    before = await replies();
    await rows.first().click();
    await page.waitForFunction((n) => document.querySelectorAll('#wa-thread .bubble.in').length > n, before, {
      timeout: 15_000,
    });
    expect(await page.locator('#wa-thread .bubble.out').count()).toBe(3);

    // And a typed question gets an answer from the packs.
    const question = 'when should I plant beans?';
    const expected = await gw.rt.answerer.answer({ question, channel: 'whatsapp', lang: 'en' });
    before = await replies();
    await page.fill('#wa-text', question);
    await page.press('#wa-text', 'Enter');
    await page.waitForFunction((n) => document.querySelectorAll('#wa-thread .bubble.in').length > n, before, {
      timeout: 15_000,
    });
    // The chat renders WhatsApp's *bold*/_italic_ markers as formatting, so compare the words without them.
    // When the packs offer choices, the chat shows them as a list whose body numbers them (src/dialogue/choices).
    const shown = await waitForText(
      page,
      '#wa-thread .wa-message:last-child .bubble.in p',
      expected.choices?.length
        ? `1. ${expected.choices[0]!.title}`
        : firstWords(expected.answer.replace(/[*_~`]/g, '')),
    );
    expect(shown).not.toMatch(/^\*/);
    await shot(page, '09-whatsapp-answer');
  });

  it('fits a phone-sized window, one phone at a time', async () => {
    const phone = await context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(`${gw.url}/simulator`);
    await phone.waitForSelector('body[data-ready="true"]');
    expect(await phone.isVisible('.tabs')).toBe(true);
    expect(await phone.isVisible('#pane-ussd')).toBe(true);
    expect(await phone.isVisible('#pane-sms')).toBe(false);
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(phone, '10-phone-ussd');
    await phone.click('[data-tab="whatsapp"]');
    expect(await phone.isVisible('#pane-whatsapp')).toBe(true);
    expect(await phone.isVisible('#pane-ussd')).toBe(false);
    await shot(phone, '11-phone-whatsapp');
    await phone.close();
  });

  it("shows the menus of a pack nobody named (PACKS_DIR set to a deployer's own pack), on USSD and WhatsApp", async () => {
    const own = await startGateway({ env: { PACKS_DIR: path.resolve('tests/fixtures/packs/own-pack-beekeeping') } });
    const p = await context.newPage();
    p.on('pageerror', (e) => pageErrors.push(e.message));
    try {
      await p.goto(`${own.url}/simulator`);
      await p.waitForSelector('body[data-ready="true"]');
      // USSD: one pack loaded, so its topics are on the main menu, labelled from its pack.yaml.
      await p.fill('#ussd-input', '*384*12#');
      await p.click('#ussd-call');
      const menu = await waitForText(p, '#ussd-screen', 'Ask a question');
      expect(menu).toContain('2 Hives');
      expect(menu).toContain('3 Honey harvest');
      expect(menu).toContain('4 Bee health');
      await shot(p, '12-own-pack-ussd-menu');
      await pressKeys(p, '3');
      await p.click('#ussd-call');
      await waitForText(p, '#ussd-screen', 'When and how do I harvest honey?');
      await shot(p, '13-own-pack-ussd-entries');
      await pressKeys(p, '1');
      await p.click('#ussd-call');
      await waitForText(p, '#ussd-screen', 'Harvest only capped combs');
      await shot(p, '14-own-pack-ussd-entry');

      // WhatsApp: "Ask" and the pack's topics, as a list; a tap on a topic lists its entries.
      await p.fill('#wa-text', 'hi');
      await p.click('#wa-send');
      await p.waitForSelector('#wa-thread .wa-list-open', { timeout: 15_000 });
      await p.locator('#wa-thread .wa-list-open').last().click();
      const rows = await p.locator('#wa-thread .wa-list-row').allTextContents();
      expect(rows.join('|')).toMatch(/Ask a question.*\|.*Hives.*\|.*Honey harvest.*\|.*Bee health/);
      await shot(p, '15-own-pack-whatsapp-menu');
      const before = await p.locator('#wa-thread .bubble.in').count();
      await p.locator('#wa-thread .wa-list-row').nth(2).click();
      await p.waitForFunction((n) => document.querySelectorAll('#wa-thread .bubble.in').length > n, before, {
        timeout: 15_000,
      });
      await waitForText(p, '#wa-thread .wa-message:last-child', 'Honey harvest');
      await p.locator('#wa-thread .wa-list-open').last().click();
      expect(await p.locator('#wa-thread .wa-list-row').allTextContents()).toEqual(
        expect.arrayContaining([expect.stringContaining('When and how do I')]),
      );
      await shot(p, '16-own-pack-whatsapp-topic');
    } finally {
      await p.close();
      await own.close();
    }
  }, 60_000);

  it('raised no script errors and loaded nothing from outside the gateway', () => {
    expect(pageErrors).toEqual([]);
  });
});
