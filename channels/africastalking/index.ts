export { addressAllowed, allowedAddresses, atGuard } from './guard.js';
export { AT_ROOT, africasTalkingRouter } from './routes.js';
export {
  AfricasTalkingSender,
  AT_SEND_TIMEOUT_MS,
  classifyAfricasTalkingError,
  createAfricasTalkingSender,
} from './send.js';
export {
  AT_DELIVERY_ROUTE,
  AT_OPT_OUT_REASONS,
  AT_SMS_ROUTE,
  AT_STATUS_MAP,
  deliveryReportHandler,
  deliveryReportSchema,
  inboundSmsHandler,
  inboundSmsSchema,
  toInboundMessage,
  toStatusEvent,
} from './sms.js';
export { AT_USSD_ROUTE, ussdHandler } from './ussd.js';
