import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { loadConfig } from '../../../platform/config/index.js';
import { newUssdSessionId, parseUssdResponse, ussdForm, ussdScreenInfo } from '../../simulator/public/sim-core.js';

export const USSD_IDLE_TIMEOUT_MS = 180_000;

export interface UssdSessionOptions {
  url: string;
  code: string;
  phone: string;
  token?: string;
  maxChars?: number;
  idleTimeoutMs?: number;
  networkCode?: string;
  /** The next keypad answer, or null when the user closes input (Ctrl-D). */
  ask: (prompt: string, signal: AbortSignal) => Promise<string | null>;
  print: (text: string) => void;
  fetchImpl?: typeof fetch;
}

export type UssdSessionEnd = 'end' | 'timeout' | 'cancelled' | 'error';

/** One screen as a handset shows it, framed, with its length against the limit. */
export function renderUssdScreen(kind: 'CON' | 'END', text: string, maxChars: number): string {
  const info = ussdScreenInfo(text, maxChars);
  const head = `┌ ${kind} · ${info.chars}/${info.limit} chars · ${info.encoding}${info.fits ? '' : ' · TOO LONG for one screen'}`;
  const body = (text === '' ? [''] : text.split('\n')).map((l) => `│ ${l}`);
  return [head, ...body, '└'].join('\n');
}

/**
 * Runs a USSD session against a running gateway, posting exactly what Africa's Talking posts (the cumulative
 * `text`), until an END screen, the idle timeout, or the user closing input.
 */
export async function runUssdSession(o: UssdSessionOptions): Promise<UssdSessionEnd> {
  const doFetch = o.fetchImpl ?? fetch;
  const maxChars = o.maxChars ?? 160;
  const idle = o.idleTimeoutMs ?? USSD_IDLE_TIMEOUT_MS;
  const endpoint = new URL('/channels/africastalking/ussd', o.url);
  if (o.token) endpoint.searchParams.set('token', o.token);
  const sessionId = newUssdSessionId();
  const inputs: string[] = [];
  o.print(`Dialling ${o.code} from ${o.phone} (${endpoint.origin})…`);
  for (;;) {
    let res: Response;
    try {
      res = await doFetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: ussdForm({
          sessionId,
          serviceCode: o.code,
          phoneNumber: o.phone,
          networkCode: o.networkCode ?? '63902',
          text: inputs.join('*'),
        }),
      });
    } catch (err) {
      o.print(
        `Connection problem: cannot reach ${endpoint.origin} (${(err as Error).message}). Is the gateway running?`,
      );
      return 'error';
    }
    const body = await res.text();
    if (!res.ok) {
      let why = body.slice(0, 200);
      try {
        why = (JSON.parse(body) as { error?: string }).error ?? why;
      } catch {
        /* plain text */
      }
      o.print(`Connection problem or invalid MMI code (HTTP ${res.status}: ${why})`);
      return 'error';
    }
    const screen = parseUssdResponse(body);
    if (!screen) {
      o.print(`The gateway did not answer CON or END: ${body.slice(0, 200)}`);
      return 'error';
    }
    o.print(renderUssdScreen(screen.end ? 'END' : 'CON', screen.text, maxChars));
    if (screen.end) return 'end';

    const ctrl = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ctrl.abort();
    }, idle);
    let answer: string | null;
    try {
      answer = await o.ask('> ', ctrl.signal);
    } catch (err) {
      if (!timedOut) throw err;
      answer = null;
    } finally {
      clearTimeout(timer);
    }
    if (timedOut) {
      o.print(`Session timed out: no answer for ${Math.round(idle / 1000)} s.`);
      return 'timeout';
    }
    if (answer === null) {
      o.print('Session cancelled.');
      return 'cancelled';
    }
    inputs.push(answer.trim());
  }
}

/** Listed by `baraza --help`. */
export const examples = ['baraza sim ussd "*384*12#" --url http://localhost:3000 --phone +254712345678'] as const;

export function register(program: Command): void {
  const sim = program.command('sim').description('talk to a running gateway as a phone would');
  sim
    .command('ussd')
    .description('run a USSD session in the terminal against a running gateway (e.g. baraza sim ussd "*384*12#")')
    .argument('<code>', 'the USSD code to dial, e.g. *384*12#')
    .option('--url <url>', 'the gateway', 'http://localhost:3000')
    .option('--phone <number>', 'the subscriber number sent as phoneNumber', '+254700000100')
    .option('--token <token>', 'AT_WEBHOOK_TOKEN, when the gateway requires one (default: from the environment)')
    .addHelpText(
      'after',
      '\nExample:\n  $ baraza sim ussd "*384*12#" --url http://localhost:3000 --phone +254712345678\n',
    )
    .action(async (code: string, opts: { url: string; phone: string; token?: string }) => {
      const config = loadConfig();
      const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
      let closed = false;
      rl.on('close', () => {
        closed = true;
      });
      // Piped input (tests, scripts) is read line by line as it comes; a closed stdin ends the session.
      const lines: string[] = [];
      const waiting: ((l: string | null) => void)[] = [];
      rl.on('line', (l) => {
        const w = waiting.shift();
        if (w) w(l);
        else lines.push(l);
      });
      rl.on('close', () => {
        for (const w of waiting.splice(0)) w(null);
      });
      try {
        const outcome = await runUssdSession({
          url: opts.url,
          code,
          phone: opts.phone,
          token: opts.token ?? config.africasTalking.webhookToken,
          maxChars: config.ussd.maxChars,
          print: (t) => process.stdout.write(`${t}\n`),
          ask: (prompt, signal) =>
            new Promise((resolve) => {
              if (lines.length) return resolve(lines.shift()!);
              if (closed) return resolve(null);
              process.stdout.write(prompt);
              waiting.push(resolve);
              signal.addEventListener('abort', () => {
                const i = waiting.indexOf(resolve);
                if (i >= 0) waiting.splice(i, 1);
                resolve(null);
              });
            }),
        });
        process.exitCode = outcome === 'error' ? 1 : 0;
      } finally {
        rl.close();
      }
    });
}
