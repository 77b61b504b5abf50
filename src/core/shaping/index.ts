/** Fitting text to each channel's carrier limits: SMS encoding and segments, USSD screens, WhatsApp. */
export {
  analyseSms,
  encodingOf,
  GSM7_EXTENSION,
  isGsm7,
  type SmsEncoding,
  unitsIn,
} from './gsm.js';
export { markdownBlocks, renderInline, renderMarkdown } from './markdown.js';
export { normaliseForSms } from './normalise.js';
export {
  fitSms,
  paginateUssd,
  splitSms,
  stripPartMarker,
  truncateText,
} from './split.js';
export { fitButtons, fitList, fitWhatsapp, WHATSAPP_LIMITS, whatsappProblems } from './whatsapp.js';
