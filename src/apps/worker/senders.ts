import { createAfricasTalkingSender } from '../../../channels/africastalking/send.js';
import { createTwilioSender } from '../../../channels/twilio/send.js';
import { createMetaWhatsappSender } from '../../../channels/whatsapp/send.js';
import type { AppContext } from '../../platform/context.js';
import type { SenderRegistry } from './outbound.js';

/** Live provider senders for the providers whose credentials are set; the rest use the simulator outbox. */
export function createLiveSenders(ctx: AppContext): SenderRegistry {
  const { whatsapp } = ctx.config;
  return {
    africastalking: createAfricasTalkingSender(ctx.config),
    twilio: createTwilioSender(ctx.config),
    meta: whatsapp.token && whatsapp.phoneNumberId ? createMetaWhatsappSender(ctx) : undefined,
  };
}
