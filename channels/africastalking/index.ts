export { addressAllowed, allowedAddresses, atGuard } from './guard.js';
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
  deliveryReportSchema,
  inboundSmsSchema,
  registerAfricasTalkingSms,
  toInboundMessage,
  toStatusEvent,
} from './sms.js';
export { registerAfricasTalkingUssd } from './ussd.js';
