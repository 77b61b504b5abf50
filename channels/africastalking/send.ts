import type AfricasTalking from 'africastalking';
import type { OutboundMessage } from '../../src/core/messages/index.js';
import { ProviderSendError, type ProviderSender, type SendReceipt } from '../../src/core/outbound.js';
import { fitSms } from '../../src/core/shaping/index.js';
import type { Config } from '../../src/platform/config/index.js';

/** The SDK sets no timeout of its own; a hung request must not hold a worker slot forever. */
const AT_SEND_TIMEOUT_MS = 10_000;

/**
 * Per-recipient status codes of AT's send response (a 201 can still carry a refusal).
 * 100 Processed, 101 Sent, 102 Queued are accepted; the rest are failures.
 */
const ACCEPTED_CODES = new Set([100, 101, 102]);
const RETRYABLE_CODES = new Set([500, 501, 502]);
const OPT_OUT_CODES = new Set([406]);

export interface AfricasTalkingSenderOptions {
  username: string;
  apiKey: string;
  /** Sender (short code or alphanumeric id); AT's default sender when unset. */
  shortcode?: string;
  /** Premium product keyword: replies carrying a linkId go out as premium (on-demand) SMS. */
  premiumKeyword?: string;
  maxSegments: number;
  timeoutMs?: number;
}

interface AxiosLikeError {
  isAxiosError?: boolean;
  code?: string;
  response?: { status: number; data?: unknown };
}

function describeBody(data: unknown): string {
  if (typeof data === 'string') return data.slice(0, 200);
  if (data && typeof data === 'object') return JSON.stringify(data).slice(0, 200);
  return '';
}

/** Turns whatever the SDK rejected with into a ProviderSendError that says whether a retry can help. */
export function classifyAfricasTalkingError(err: unknown): ProviderSendError {
  if (err instanceof ProviderSendError) return err;
  const e = err as AxiosLikeError;
  if (e?.response && typeof e.response.status === 'number') {
    const status = e.response.status;
    const body = describeBody(e.response.data);
    if (status === 401 || status === 403) {
      return new ProviderSendError(`Africa's Talking refused the credentials (HTTP ${status})`, {
        retryable: false,
        status,
        code: 'unauthorized',
      });
    }
    const retryable = status === 429 || status >= 500 || status === 408;
    return new ProviderSendError(`Africa's Talking answered HTTP ${status}${body ? `: ${body}` : ''}`, {
      retryable,
      status,
      code: status === 429 ? 'rate-limited' : `http-${status}`,
    });
  }
  if (e?.isAxiosError || (e?.code && /^E[A-Z_]+$/.test(e.code))) {
    // No HTTP answer at all (reset, refused, DNS, socket timeout): the network, worth another try.
    const code = e.code ?? 'network';
    return new ProviderSendError(`Africa's Talking unreachable (${code})`, { retryable: true, code });
  }
  if (e && typeof e === 'object' && 'SMSMessageData' in e) {
    // The SDK rejects a 2xx other than 201 with the body itself.
    return new ProviderSendError(`Africa's Talking did not accept the message: ${describeBody(e)}`, {
      retryable: false,
      code: 'not-accepted',
    });
  }
  // The SDK's own validation (a number it cannot parse, a missing field): retrying cannot help.
  const message = err instanceof Error ? err.message : String(err);
  return new ProviderSendError(`Africa's Talking request rejected before sending: ${message.slice(0, 200)}`, {
    retryable: false,
    code: 'invalid-request',
  });
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ProviderSendError(`Africa's Talking did not answer within ${ms} ms`, {
            retryable: true,
            code: 'timeout',
          }),
        ),
      ms,
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Outbound SMS through the `africastalking` SDK (bulk endpoint; premium when the reply carries a linkId). */
export class AfricasTalkingSender implements ProviderSender {
  readonly provider = 'africastalking' as const;
  private client: ReturnType<typeof AfricasTalking> | undefined;

  constructor(private readonly opts: AfricasTalkingSenderOptions) {}

  /**
   * Created on first use: the SDK switches every client in the process to the sandbox host on construction, and
   * loading it costs about 30 MB per process, which a process that never sends to Africa's Talking should not pay.
   */
  private async sdk() {
    if (!this.client) {
      const { default: create } = await import('africastalking');
      this.client ??= create({ username: this.opts.username, apiKey: this.opts.apiKey });
    }
    return this.client;
  }

  async send(msg: OutboundMessage): Promise<SendReceipt> {
    const fit = fitSms(msg.text, this.opts.maxSegments);
    const base = { to: msg.to, message: fit.text, ...(this.opts.shortcode ? { from: this.opts.shortcode } : {}) };
    const timeoutMs = this.opts.timeoutMs ?? AT_SEND_TIMEOUT_MS;
    let response: Awaited<ReturnType<ReturnType<typeof AfricasTalking>['SMS']['send']>>;
    try {
      const sms = (await this.sdk()).SMS;
      const request =
        msg.linkId && this.opts.premiumKeyword
          ? sms.sendPremium({ ...base, keyword: this.opts.premiumKeyword, linkId: msg.linkId })
          : sms.send(msg.kind === 'tip' ? { ...base, enqueue: true } : base);
      response = await withTimeout(request, timeoutMs);
    } catch (err) {
      throw classifyAfricasTalkingError(err);
    }
    const recipient = response?.SMSMessageData?.Recipients?.[0];
    if (!recipient) {
      throw new ProviderSendError(
        `Africa's Talking accepted no recipient: ${describeBody(response?.SMSMessageData?.Message ?? response)}`,
        { retryable: false, code: 'no-recipient' },
      );
    }
    if (!ACCEPTED_CODES.has(recipient.statusCode)) {
      throw new ProviderSendError(
        `Africa's Talking refused the message: ${recipient.status} (${recipient.statusCode})`,
        {
          retryable: RETRYABLE_CODES.has(recipient.statusCode),
          optOut: OPT_OUT_CODES.has(recipient.statusCode),
          code: recipient.status,
        },
      );
    }
    return {
      providerMessageId: recipient.messageId ?? `africastalking:${msg.id}`,
      segments: fit.segments,
      encoding: fit.encoding,
    };
  }
}

/** A live sender when AT_USERNAME and AT_API_KEY are set, else undefined (the simulator outbox is used). */
export function createAfricasTalkingSender(config: Config): AfricasTalkingSender | undefined {
  const { username, apiKey, shortcode, premiumKeyword } = config.africasTalking;
  if (!username || !apiKey) return undefined;
  return new AfricasTalkingSender({ username, apiKey, shortcode, premiumKeyword, maxSegments: config.sms.maxSegments });
}
