import type { OutboundMessage, Provider } from './messages/index.js';

/** Why a send failed decides what the outbound worker does; never decide on message strings. */
export class ProviderSendError extends Error {
  override readonly name = 'ProviderSendError';
  constructor(
    message: string,
    readonly opts: {
      /** 429, 5xx, timeouts: retry with backoff. 4xx such as bad credentials: do not. */
      retryable: boolean;
      /** The provider says this number refused our messages (AT UserInBlackList, Twilio 21610). */
      optOut?: boolean;
      /** The provider refused free text outside the WhatsApp 24 h window (Meta 131047). */
      windowClosed?: boolean;
      status?: number;
      code?: string;
    },
  ) {
    super(message);
  }
}

export interface SendReceipt {
  providerMessageId: string;
  /** As counted by the provider or by our shaping, for the outbox and metrics. */
  segments?: number;
  encoding?: 'GSM-7' | 'UCS-2';
}

/** One per provider (channels/<provider>/send.ts) plus the simulator outbox. */
export interface ProviderSender {
  readonly provider: Provider;
  send(msg: OutboundMessage): Promise<SendReceipt>;
  /** False when this sender lacks what `msg` needs (a sender number for its channel): it goes to the outbox. */
  canSend?(msg: OutboundMessage): boolean;
}
