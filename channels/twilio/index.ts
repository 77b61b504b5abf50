export {
  EMPTY_TWIML,
  SIGNATURE_HEADER,
  TWILIO_MESSAGING_ROUTE,
  TWILIO_OPT_OUT_CODE,
  TWILIO_STATUS_MAP,
  TWILIO_STATUS_ROUTE,
  checkTwilioSignature,
  incomingSchema,
  registerTwilio,
  signedUrl,
  statusSchema,
  toInboundMessage,
  toStatusEvent,
} from './routes.js';
export { TWILIO_SEND_TIMEOUT_MS, TwilioSender, classifyTwilioError, createTwilioSender } from './send.js';
