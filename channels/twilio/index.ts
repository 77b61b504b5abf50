export {
  checkTwilioSignature,
  EMPTY_TWIML,
  incomingSchema,
  registerTwilio,
  SIGNATURE_HEADER,
  signedUrl,
  statusSchema,
  TWILIO_MESSAGING_ROUTE,
  TWILIO_OPT_OUT_CODE,
  TWILIO_STATUS_MAP,
  TWILIO_STATUS_ROUTE,
  toInboundMessage,
  toStatusEvent,
} from './routes.js';
export { classifyTwilioError, createTwilioSender, TWILIO_SEND_TIMEOUT_MS, TwilioSender } from './send.js';
