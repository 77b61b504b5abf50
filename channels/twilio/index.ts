export {
  checkTwilioSignature,
  EMPTY_TWIML,
  incomingSchema,
  SIGNATURE_HEADER,
  signedUrl,
  statusSchema,
  TWILIO_MESSAGING_ROUTE,
  TWILIO_OPT_OUT_CODE,
  TWILIO_ROOT,
  TWILIO_STATUS_MAP,
  TWILIO_STATUS_ROUTE,
  toInboundMessage,
  toStatusEvent,
  twilioRouter,
} from './routes.js';
export { classifyTwilioError, createTwilioSender, TWILIO_SEND_TIMEOUT_MS, TwilioSender } from './send.js';
