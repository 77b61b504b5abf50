/**
 * Outbound through the Meta Graph API (`POST <graph>/<phone-number-id>/messages`). Free-form messages go out
 * only inside the 24-hour window; outside it the configured template carries the text, or the send fails
 * without retry and says why.
 */

import type { OutboundMessage } from '../../src/core/messages/index.js';
import { ProviderSendError, type ProviderSender, type SendReceipt } from '../../src/core/outbound.js';
import { fitButtons, fitList, fitWhatsapp, truncateText } from '../../src/core/shaping/index.js';
import { windowOpen } from '../../src/core/whatsapp-window.js';
import type { Config } from '../../src/platform/config/index.js';
import type { AppContext } from '../../src/platform/context.js';
import type { KeyValueStore } from '../../src/platform/store/index.js';
import { loadProfile } from '../../src/platform/subscribers.js';

/** Graph API limits beyond the channel budgets in src/core/shaping (interactive body, template parameters). */
const GRAPH_LIMITS = { interactiveBody: 1024, templateParam: 1000 } as const;

/** Meta error codes that decide what the outbound worker does. */
const META_ERRORS = {
  invalidToken: 190,
  reEngagement: 131047,
  /** Throttling: app, account or pair rate limits. */
  throttled: [4, 80007, 130429, 131048, 131056],
  /** Meta's own transient failures. */
  transient: [1, 2, 131000, 131016],
  /** The user stopped marketing messages from this business. */
  userStopped: 131050,
} as const;

const DEFAULT_SEND_TIMEOUT_MS = 10_000;

export interface MetaSenderOptions {
  whatsapp: Config['whatsapp'];
  store: KeyValueStore;
  now?: () => number;
  timeoutMs?: number;
}

/** Template parameters may not hold newlines, tabs or more than four spaces in a row (Meta error 132018). */
function templateParam(text: string): string {
  return truncateText(
    text
      .replace(/[\r\n\t]+/g, ' ')
      .replace(/ {2,}/g, ' ')
      .trim(),
    GRAPH_LIMITS.templateParam,
  );
}

type GraphBody = Record<string, unknown>;

/** The exact Graph API body for a message; `template` set means the window is closed. */
function graphBody(msg: OutboundMessage, template?: OutboundMessage['template']): GraphBody {
  const base = { messaging_product: 'whatsapp', recipient_type: 'individual', to: msg.to.replace(/^\+/, '') };
  if (template) {
    return {
      ...base,
      type: 'template',
      template: {
        name: template.name,
        language: { code: template.lang },
        ...(template.params.length
          ? {
              components: [
                { type: 'body', parameters: template.params.map((p) => ({ type: 'text', text: templateParam(p) })) },
              ],
            }
          : {}),
      },
    };
  }
  if (msg.buttons?.length) {
    return {
      ...base,
      type: 'interactive',
      interactive: {
        type: 'button',
        body: { text: truncateText(msg.text.trim(), GRAPH_LIMITS.interactiveBody) },
        action: { buttons: fitButtons(msg.buttons).map((reply) => ({ type: 'reply', reply })) },
      },
    };
  }
  if (msg.list?.rows.length) {
    const list = fitList(msg.list);
    return {
      ...base,
      type: 'interactive',
      interactive: {
        type: 'list',
        body: { text: truncateText(msg.text.trim(), GRAPH_LIMITS.interactiveBody) },
        action: { button: list.button, sections: [{ rows: list.rows }] },
      },
    };
  }
  return { ...base, type: 'text', text: { preview_url: false, body: fitWhatsapp(msg.text) } };
}

interface GraphError {
  message?: string;
  code?: number;
  error_subcode?: number;
  error_data?: { details?: string };
}

/** Maps a Graph API failure onto what the outbound worker should do. */
function classifyGraphError(status: number, error: GraphError | undefined): ProviderSendError {
  const code = error?.code;
  const detail = error?.error_data?.details ?? error?.message ?? `HTTP ${status}`;
  const base = { status, ...(code !== undefined ? { code: String(code) } : {}) };
  if (code === META_ERRORS.reEngagement) {
    return new ProviderSendError(`WhatsApp 24-hour window closed (131047): ${detail}`, {
      ...base,
      retryable: false,
      windowClosed: true,
    });
  }
  if (status === 401 || code === META_ERRORS.invalidToken) {
    return new ProviderSendError(`Graph API rejected WHATSAPP_TOKEN: ${detail}`, { ...base, retryable: false });
  }
  if (code === META_ERRORS.userStopped) {
    return new ProviderSendError(`subscriber stopped messages from this business: ${detail}`, {
      ...base,
      retryable: false,
      optOut: true,
    });
  }
  const throttled =
    status === 429 || (code !== undefined && (META_ERRORS.throttled as readonly number[]).includes(code));
  const transient =
    status >= 500 || (code !== undefined && (META_ERRORS.transient as readonly number[]).includes(code));
  if (throttled || transient) {
    return new ProviderSendError(`Graph API ${throttled ? 'throttled' : 'failed'} (${status}): ${detail}`, {
      ...base,
      retryable: true,
    });
  }
  return new ProviderSendError(`Graph API refused the message (${status}): ${detail}`, { ...base, retryable: false });
}

export class MetaWhatsappSender implements ProviderSender {
  readonly provider = 'meta' as const;
  private readonly now: () => number;
  private readonly timeoutMs: number;

  constructor(private readonly opts: MetaSenderOptions) {
    this.now = opts.now ?? Date.now;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
  }

  /** The template to use for this message, or undefined for free-form (window open). */
  async templateFor(msg: OutboundMessage): Promise<OutboundMessage['template']> {
    if (msg.template) return msg.template;
    const profile = await loadProfile(this.opts.store, msg.to);
    if (windowOpen(profile.lastWhatsappInboundAt, this.now())) return undefined;
    return this.configuredTemplate(msg);
  }

  private configuredTemplate(msg: OutboundMessage): NonNullable<OutboundMessage['template']> {
    const { templateName, templateLang } = this.opts.whatsapp;
    if (!templateName) {
      throw new ProviderSendError(
        'WhatsApp 24-hour window is closed and WHATSAPP_TEMPLATE_NAME is not configured: free text cannot be sent',
        { retryable: false, windowClosed: true },
      );
    }
    return { name: templateName, lang: templateLang, params: [msg.text] };
  }

  async send(msg: OutboundMessage): Promise<SendReceipt> {
    const { token, phoneNumberId } = this.opts.whatsapp;
    if (!token || !phoneNumberId) {
      throw new ProviderSendError('WHATSAPP_TOKEN and WHATSAPP_PHONE_NUMBER_ID must be set to send through Meta', {
        retryable: false,
      });
    }
    const template = await this.templateFor(msg);
    try {
      return await this.post(graphBody(msg, template));
    } catch (err) {
      // Our clock said open but Meta's said closed: nothing was sent, so the template is safe to try once.
      if (err instanceof ProviderSendError && err.opts.windowClosed && !template && this.opts.whatsapp.templateName) {
        return this.post(graphBody(msg, this.configuredTemplate(msg)));
      }
      throw err;
    }
  }

  private async post(body: GraphBody): Promise<SendReceipt> {
    const { token, phoneNumberId, graphUrl } = this.opts.whatsapp;
    let res: Response;
    try {
      res = await fetch(`${graphUrl}/${encodeURIComponent(phoneNumberId ?? '')}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const e = err as Error;
      const timedOut = e.name === 'TimeoutError' || e.name === 'AbortError';
      throw new ProviderSendError(
        timedOut ? `Graph API timed out after ${this.timeoutMs} ms` : `Graph API unreachable: ${e.message}`,
        {
          retryable: true,
          code: timedOut ? 'timeout' : 'network',
        },
      );
    }
    let payload: { messages?: { id?: string }[]; error?: GraphError } | undefined;
    try {
      payload = (await res.json()) as typeof payload;
    } catch {
      payload = undefined;
    }
    if (!res.ok) throw classifyGraphError(res.status, payload?.error);
    const id = payload?.messages?.[0]?.id;
    if (!id) {
      // Meta accepted the request: sending again could deliver twice, so do not retry.
      throw new ProviderSendError('Graph API answered without a message id', { retryable: false, status: res.status });
    }
    return { providerMessageId: id };
  }
}

export function createMetaWhatsappSender(ctx: AppContext, opts: { timeoutMs?: number } = {}): MetaWhatsappSender {
  return new MetaWhatsappSender({ whatsapp: ctx.config.whatsapp, store: ctx.store, now: ctx.now, ...opts });
}
