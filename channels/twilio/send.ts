import { createHash } from 'node:crypto';
import type twilio from 'twilio';
import type { OutboundMessage } from '../../src/core/messages/index.js';
import { ProviderSendError, type ProviderSender, type SendReceipt } from '../../src/core/outbound.js';
import { fitList, fitSms, fitWhatsapp, truncateText, WHATSAPP_LIMITS } from '../../src/core/shaping/index.js';
import type { Config } from '../../src/platform/config/index.js';
import { TWILIO_OPT_OUT_CODE, TWILIO_STATUS_ROUTE } from './routes.js';

const TWILIO_SEND_TIMEOUT_MS = 10_000;

/** WhatsApp free-form message outside the 24-hour window (Twilio 63016): only a template can go out. */
const WINDOW_CLOSED_CODES = new Set(['63016']);

export interface TwilioSenderOptions {
  accountSid: string;
  authToken: string;
  smsFrom?: string;
  whatsappFrom?: string;
  maxSegments: number;
  /** Where Twilio posts status callbacks (PUBLIC_BASE_URL + /channels/twilio/status), when known. */
  statusCallback?: string;
  timeoutMs?: number;
  /** Reuse TLS connections to api.twilio.com (default on). */
  keepAlive?: boolean;
}

interface TwilioLikeError {
  status?: number;
  code?: number | string;
  message?: string;
  isAxiosError?: boolean;
  response?: unknown;
}

/** Turns what the Twilio SDK threw into a ProviderSendError that says whether a retry can help. */
export function classifyTwilioError(err: unknown): ProviderSendError {
  if (err instanceof ProviderSendError) return err;
  const e = (err ?? {}) as TwilioLikeError;
  const code = e.code === undefined ? undefined : String(e.code);
  if (typeof e.status === 'number' && e.status >= 400) {
    const status = e.status;
    const detail = `Twilio answered HTTP ${status}${code ? ` (error ${code})` : ''}${e.message ? `: ${e.message.slice(0, 200)}` : ''}`;
    if (code === TWILIO_OPT_OUT_CODE) {
      return new ProviderSendError(detail, { retryable: false, optOut: true, status, code });
    }
    if (code && WINDOW_CLOSED_CODES.has(code)) {
      return new ProviderSendError(detail, { retryable: false, windowClosed: true, status, code });
    }
    return new ProviderSendError(detail, {
      retryable: status === 429 || status === 408 || status >= 500,
      status,
      code,
    });
  }
  // No HTTP answer: timeouts (ECONNABORTED, ETIMEDOUT), resets, DNS. Worth another try.
  if (e.isAxiosError || (code && /^E[A-Z_]+$/.test(code))) {
    const c = code ?? 'network';
    const timeout = c === 'ECONNABORTED' || c === 'ETIMEDOUT';
    return new ProviderSendError(`Twilio ${timeout ? 'did not answer in time' : 'unreachable'} (${c})`, {
      retryable: true,
      code: timeout ? 'timeout' : c,
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new ProviderSendError(`Twilio request failed before sending: ${message.slice(0, 200)}`, {
    retryable: false,
    code: 'invalid-request',
  });
}

/** List-picker content made for this process, by the list's hash (menus repeat; each offer of choices is new). */
const LIST_CONTENT_CACHE = 500;

/**
 * The Content API body of a WhatsApp list (twilio/list-picker, only sent inside the 24-hour session, which a
 * reply always is) with the same text as a numbered fallback (twilio/text) for a client that cannot show lists.
 * Twilio's list picker wants a description on every item.
 */
function listPickerContent(text: string, whole: NonNullable<OutboundMessage['list']>) {
  const full = whole.rows;
  const list = fitList(whole);
  const body = truncateText(fitWhatsapp(text), 1024);
  return {
    friendly_name: `baraza-list-${createHash('sha256')
      .update(JSON.stringify([body, list]))
      .digest('hex')
      .slice(0, 16)}`,
    types: {
      'twilio/list-picker': {
        body,
        button: list.button,
        // An item's title is cut at 24 characters: the whole title stands in for a missing description.
        items: list.rows.map((r, i) => ({
          item: r.title,
          id: r.id,
          description: r.description ?? truncateText(full[i]!.title.trim(), WHATSAPP_LIMITS.listRowDescription),
        })),
      },
      'twilio/text': {
        body: [body, ...full.slice(0, list.rows.length).map((r, i) => `${i + 1}. ${r.title}`)].join('\n'),
      },
    },
  };
}

const withPrefix = (address: string) => (address.startsWith('whatsapp:') ? address : `whatsapp:${address}`);

/** Outbound SMS and WhatsApp through the `twilio` SDK (messages.create). */
export class TwilioSender implements ProviderSender {
  readonly provider = 'twilio' as const;
  private client: ReturnType<typeof twilio> | undefined;
  /** friendly_name of a list-picker content → its ContentSid (HX...). */
  private readonly listContents = new Map<string, string>();

  constructor(private readonly opts: TwilioSenderOptions) {}

  /** Loaded on first send: the SDK's root module costs about 20 MB per process. */
  private async sdk() {
    if (this.client) return this.client;
    const { default: create } = await import('twilio');
    this.client ??= create(this.opts.accountSid, this.opts.authToken, {
      timeout: this.opts.timeoutMs ?? TWILIO_SEND_TIMEOUT_MS,
      autoRetry: false, // the outbound queue retries, with backoff and a dead-letter list
      keepAlive: this.opts.keepAlive ?? true,
    });
    return this.client;
  }

  /** Credentials without a sender number for the channel: the message goes to the simulator outbox instead. */
  canSend(msg: OutboundMessage): boolean {
    return Boolean(msg.channel === 'whatsapp' ? this.opts.whatsappFrom : this.opts.smsFrom);
  }

  async send(msg: OutboundMessage): Promise<SendReceipt> {
    const whatsapp = msg.channel === 'whatsapp';
    const from = whatsapp ? this.opts.whatsappFrom : this.opts.smsFrom;
    if (!from) {
      throw new ProviderSendError(`${whatsapp ? 'TWILIO_WHATSAPP_FROM' : 'TWILIO_SMS_FROM'} is not configured`, {
        retryable: false,
        code: 'not-configured',
      });
    }
    let body: string;
    let shaped: Pick<SendReceipt, 'segments' | 'encoding'> = {};
    if (whatsapp) {
      body = truncateText(fitWhatsapp(msg.text), WHATSAPP_LIMITS.twilioBody);
    } else {
      const fit = fitSms(msg.text, this.opts.maxSegments);
      body = truncateText(fit.text, WHATSAPP_LIMITS.twilioBody, '...');
      shaped = { segments: fit.segments, encoding: fit.encoding };
    }
    let created: { sid: string; numSegments?: string | null };
    try {
      const client = await this.sdk();
      // A WhatsApp list (choices, menus) goes out as list-picker content; anything else as a body.
      const contentSid =
        whatsapp && msg.list && msg.list.rows.length > 0 ? await this.listContent(msg.text, msg.list) : undefined;
      created = await client.messages.create({
        to: whatsapp ? withPrefix(msg.to) : msg.to,
        from: whatsapp ? withPrefix(from) : from,
        ...(contentSid ? { contentSid } : { body }),
        ...(this.opts.statusCallback ? { statusCallback: this.opts.statusCallback } : {}),
      });
    } catch (err) {
      throw classifyTwilioError(err);
    }
    const counted = Number(created.numSegments);
    return {
      providerMessageId: created.sid,
      ...shaped,
      ...(!whatsapp && Number.isInteger(counted) && counted > 0 ? { segments: counted } : {}),
    };
  }

  /** The ContentSid of a message's list, created through the Content API on first use (cached). */
  private async listContent(text: string, list: NonNullable<OutboundMessage['list']>): Promise<string> {
    const content = listPickerContent(text, list);
    const known = this.listContents.get(content.friendly_name);
    if (known) return known;
    // The SDK posts these parameters as the JSON body, as the Content API names them.
    const made = await (await this.sdk()).content.v1.contents.create(content as never);
    if (this.listContents.size >= LIST_CONTENT_CACHE) this.listContents.clear();
    this.listContents.set(content.friendly_name, made.sid);
    return made.sid;
  }
}

/** A live sender when TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are set, else undefined (simulator outbox). */
export function createTwilioSender(
  config: Config,
  overrides: Partial<TwilioSenderOptions> = {},
): TwilioSender | undefined {
  const { accountSid, authToken, smsFrom, whatsappFrom } = config.twilio;
  if (!accountSid || !authToken) return undefined;
  return new TwilioSender({
    accountSid,
    authToken,
    smsFrom,
    whatsappFrom,
    maxSegments: config.sms.maxSegments,
    statusCallback: config.publicBaseUrl ? config.publicBaseUrl.replace(/\/+$/, '') + TWILIO_STATUS_ROUTE : undefined,
    ...overrides,
  });
}
