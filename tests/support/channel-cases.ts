/**
 * One runner for every provider's cases (courier's RunIncomingTestCases / RunOutgoingTestCases): each provider
 * folder keeps tables — incoming: a label, the request, the expected status and body, the message it queues or
 * the delivery status it stores; outgoing: the message, the provider API's answer, the request it must receive
 * and the receipt or error — next to its real payloads in `testdata/`, and this file drives them over real HTTP.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { InboundMessage, OutboundMessage, Provider, StatusEvent } from '../../src/core/messages/index.js';
import { ProviderSendError, type ProviderSender, type SendReceipt } from '../../src/core/outbound.js';
import type { AppContext } from '../../src/platform/context.js';
import { loadStatus } from '../../src/platform/delivery-status.js';
import { loadProfile } from '../../src/platform/subscribers.js';

const FORM = 'application/x-www-form-urlencoded';

/** A running gateway with the provider's routes, and what reached its inbound queue. */
/** A recorded form payload's fields (its `_comment` is ours, not the provider's). */
export const formFixture = ({ _comment, ...fields }: Record<string, string>) => fields;

/** The same fields without one of them (the "missing field" cases). */
export function without(fields: Record<string, string>, name: string): Record<string, string> {
  const { [name]: _drop, ...rest } = fields;
  return rest;
}

export interface ChannelHarness {
  ctx: AppContext;
  base: string;
  /** Inbound messages the workers received, in order. */
  inbound: InboundMessage[];
  close(): Promise<void>;
}

/** The request a case sends, before and after the table's provider plumbing (signature, token). */
export interface ChannelRequest {
  method: 'GET' | 'POST';
  /** Path and query under the gateway. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** The form fields when the body is a form (what a signature covers). */
  fields?: Record<string, string>;
}

interface ChannelResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface IncomingCase {
  label: string;
  /** @defaultValue 'POST' */
  method?: 'GET' | 'POST';
  /** Path and query under the gateway; the table's `path` when absent. */
  path?: string;
  /** Form fields, or the raw body text. */
  body?: Record<string, string> | string;
  /** @defaultValue a form for fields, the table's `contentType` for text */
  contentType?: string;
  headers?: Record<string, string>;
  status: number;
  /** The body is exactly `{ "error": <this> }`, or its error matches this pattern. */
  error?: string | RegExp;
  /** The response body text: exactly this string, or a pattern it matches. */
  responseBody?: string | RegExp;
  /** The response's Content-Type. */
  responseType?: RegExp;
  /**
   * The message queued for the workers (compared field by field; a field given as undefined must be absent).
   * Without it, the case must queue nothing.
   */
  inbound?: Partial<InboundMessage>;
  /** The delivery status stored for `providerMessageId` (compared field by field). */
  statusEvent?: Partial<StatusEvent> & { providerMessageId: string };
  /** The subscriber this case marks opted out (the provider says the number refuses our messages). */
  optedOut?: string;
}

export interface IncomingTable<C extends IncomingCase> {
  provider: Provider;
  /** Where the cases go unless they say otherwise. */
  path: string;
  /** Content type of a body given as text. @defaultValue 'application/json' */
  contentType?: string;
  cases: readonly C[];
  start(): Promise<ChannelHarness>;
  /** A new harness for every case (empty store and queue) instead of one for the table. */
  fresh?: boolean;
  /** The provider's plumbing on the way out: sign the request, add the token. */
  prepare?(req: ChannelRequest, c: C, h: ChannelHarness): ChannelRequest;
  /** Checks of the provider's own, after the common ones. */
  check?(res: ChannelResponse, c: C, h: ChannelHarness): Promise<void> | void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends one request as the provider would. */
async function sendChannelRequest(base: string, req: ChannelRequest): Promise<ChannelResponse> {
  const res = await fetch(base + req.path, { method: req.method, headers: req.headers, body: req.body });
  return { status: res.status, headers: Object.fromEntries(res.headers.entries()), body: await res.text() };
}

/** The request a case describes, before provider plumbing. */
function caseRequest(c: IncomingCase, table: { path: string; contentType?: string }): ChannelRequest {
  const method = c.method ?? 'POST';
  const req: ChannelRequest = { method, path: c.path ?? table.path, headers: { ...c.headers } };
  if (c.body === undefined) return req;
  if (typeof c.body === 'string') {
    req.body = c.body;
    req.headers['content-type'] = c.contentType ?? table.contentType ?? 'application/json';
  } else {
    req.fields = c.body;
    const type = c.contentType ?? FORM;
    req.body = type.startsWith('application/json') ? JSON.stringify(c.body) : new URLSearchParams(c.body).toString();
    req.headers['content-type'] = type;
  }
  return req;
}

const matches = (actual: string, expected: string | RegExp) =>
  typeof expected === 'string' ? expect(actual).toBe(expected) : expect(actual).toMatch(expected);

/** Runs a provider's table: one test per case, named after its label and status. */
export function runIncomingCases<C extends IncomingCase>(title: string, table: IncomingTable<C>): void {
  describe(title, () => {
    let h: ChannelHarness | undefined;
    const open = async () => {
      h = await table.start();
    };
    const shut = async () => {
      await h?.close();
      h = undefined;
    };
    if (table.fresh) {
      beforeEach(open);
      afterEach(shut);
    } else {
      beforeAll(open);
      afterAll(shut);
    }

    it.each(table.cases as C[])('$label → $status', async (c) => {
      const harness = h!;
      const before = harness.inbound.length;
      const plain = caseRequest(c, table);
      const req = table.prepare ? table.prepare(plain, c, harness) : plain;
      const res = await sendChannelRequest(harness.base, req);

      expect({ label: c.label, status: res.status }).toEqual({ label: c.label, status: c.status });
      if (typeof c.error === 'string') expect(JSON.parse(res.body)).toEqual({ error: c.error });
      else if (c.error) expect((JSON.parse(res.body) as { error: string }).error).toMatch(c.error);
      if (c.responseBody !== undefined) matches(res.body, c.responseBody);
      if (c.responseType) expect(res.headers['content-type'] ?? '').toMatch(c.responseType);

      if (c.inbound) {
        for (let i = 0; i < 100 && harness.inbound.length === before; i++) await sleep(10);
        expect(harness.inbound.length).toBe(before + 1);
        const got = harness.inbound.at(-1)!;
        const defined = Object.entries(c.inbound).filter(([, v]) => v !== undefined);
        expect(got).toMatchObject(Object.fromEntries(defined));
        for (const [k, v] of Object.entries(c.inbound)) if (v === undefined) expect(got).not.toHaveProperty(k);
        expect(Date.parse(got.receivedAt)).not.toBeNaN();
      } else {
        await sleep(30);
        expect(harness.inbound.length).toBe(before);
      }
      if (c.statusEvent) {
        const stored = await loadStatus(harness.ctx, table.provider, c.statusEvent.providerMessageId);
        expect(stored).toMatchObject({ kind: 'status', provider: table.provider, ...c.statusEvent });
      }
      if (c.optedOut) expect((await loadProfile(harness.ctx.store, c.optedOut)).optedOut).toBe(true);
      await table.check?.(res, c, harness);
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Outgoing cases: what a sender asks of the provider's API, and what it makes of the answer.

export interface OutgoingCase {
  label: string;
  /** The message sent, over the table's base message. */
  message?: Partial<OutboundMessage>;
  /** The provider's API on another host for this case (e.g. a premium endpoint). */
  host?: string;
  /** What the provider's API answers: a status and a body (JSON unless a string). */
  response: { status: number; body: unknown };
  /** The request body the provider receives, exactly (form fields or JSON). */
  request?: unknown;
  /** Fields the request body must carry, among others. */
  requestContains?: Record<string, unknown>;
  /** Headers the request must carry, exactly. */
  requestHeaders?: Record<string, string>;
  /** What the sender returns. */
  receipt?: SendReceipt;
  /** Or the ProviderSendError it fails with (a boolean option given as false must be unset or false). */
  error?: Partial<ProviderSendError['opts']>;
}

export interface OutgoingTable<C extends OutgoingCase> {
  /** Where the provider's API lives, and the path messages are posted to. */
  host: string;
  path: string;
  /** How the provider's API reads the body. */
  bodyFormat: 'form' | 'json';
  message: OutboundMessage;
  cases: readonly C[];
  sender(c: C): ProviderSender | Promise<ProviderSender>;
  /** Credentials no error message may quote. */
  secrets?: string[];
}

/**
 * nock patches node:http for the whole Jest worker once loaded, and later test files in the same worker (the HTTP
 * fuzz) would talk through it: only the files that run outgoing cases load it.
 */
const loadNock = async () => (await import('nock')).default;

/** Runs a provider's outgoing table against a faked API (nock): one test per case. */
export function runOutgoingCases<C extends OutgoingCase>(title: string, table: OutgoingTable<C>): void {
  describe(title, () => {
    afterEach(async () => {
      const nock = await loadNock();
      nock.abortPendingRequests();
      nock.cleanAll();
    });

    it.each(table.cases as C[])('$label', async (c) => {
      const nock = await loadNock();
      const captured: { headers: Record<string, unknown>; body: unknown }[] = [];
      const scope = nock(c.host ?? table.host)
        .post(table.path)
        .reply(function (_uri, body) {
          const raw = typeof body === 'string' ? body : JSON.stringify(body);
          captured.push({
            headers: this.req.headers,
            body: table.bodyFormat === 'form' ? Object.fromEntries(new URLSearchParams(raw)) : JSON.parse(raw),
          });
          const json = typeof c.response.body !== 'string';
          return [
            c.response.status,
            c.response.body as import('nock').Body,
            json ? { 'content-type': 'application/json' } : {},
          ];
        });
      const sender = await table.sender(c);
      const outcome = await sender.send({ ...table.message, ...c.message }).then(
        (receipt) => ({ receipt, error: undefined }),
        (error: unknown) => ({ receipt: undefined, error }),
      );
      expect(scope.isDone()).toBe(true);
      const sent = captured[0]!;
      if (c.request !== undefined) expect(sent.body).toEqual(c.request);
      if (c.requestContains) expect(sent.body).toMatchObject(c.requestContains);
      for (const [name, value] of Object.entries(c.requestHeaders ?? {})) expect(sent.headers[name]).toBe(value);
      if (c.error) {
        expect(outcome.error).toBeInstanceOf(ProviderSendError);
        const err = outcome.error as ProviderSendError;
        for (const [k, v] of Object.entries(c.error)) {
          const actual = (err.opts as Record<string, unknown>)[k];
          if (typeof v === 'boolean') expect({ [k]: Boolean(actual) }).toEqual({ [k]: v });
          else expect({ [k]: actual }).toEqual({ [k]: v });
        }
        for (const secret of table.secrets ?? []) expect(err.message).not.toContain(secret);
      } else {
        if (outcome.error) throw outcome.error;
        if (c.receipt) expect(outcome.receipt).toEqual(c.receipt);
      }
    });
  });
}
