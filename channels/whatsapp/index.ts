export { handleWhatsappSpecial, parseActionId } from './conversation.js';
export { statusKey, WHATSAPP_ROUTE, whatsappRouter } from './routes.js';
export {
  classifyGraphError,
  createMetaWhatsappSender,
  graphBody,
  MetaWhatsappSender,
} from './send.js';
export { checkSignature, signBody } from './signature.js';
export { WHATSAPP_WINDOW_MS, windowOpen } from './window.js';
