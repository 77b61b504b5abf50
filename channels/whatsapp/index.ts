export { handleWhatsappSpecial, parseActionId } from './conversation.js';
export { registerWhatsapp, statusKey, WHATSAPP_ROUTE } from './routes.js';
export {
  classifyGraphError,
  createMetaWhatsappSender,
  graphBody,
  MetaWhatsappSender,
} from './send.js';
export { checkSignature, signBody } from './signature.js';
export { WHATSAPP_WINDOW_MS, windowOpen } from './window.js';
