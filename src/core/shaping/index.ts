/** Fitting text to each channel's carrier limits: SMS encoding and segments, USSD screens, WhatsApp. */
export {
  analyseSms,
  encodingOf,
  GSM7_BASIC,
  GSM7_EXTENSION,
  graphemes,
  gsmSeptets,
  isGsm7,
  nonGsmCharacters,
  SEGMENT_CAPACITY,
  type SmsAnalysis,
  type SmsEncoding,
  unitsIn,
} from './gsm.js';
export {
  DEFAULT_DIACRITICS_POLICY,
  DIACRITICS_POLICY,
  type DiacriticsPolicy,
  diacriticsPolicy,
  normaliseForSms,
  replaceTypographic,
  stripDiacritics,
  TYPOGRAPHIC_REPLACEMENTS,
} from './normalise.js';
export {
  type FittedSms,
  fitSms,
  paginateUssd,
  partMarker,
  SMS_ELLIPSIS,
  splitSms,
  stripPartMarker,
  truncateText,
  type UssdLabels,
  type UssdPage,
} from './split.js';
export { fitButtons, fitList, fitWhatsapp, WHATSAPP_LIMITS, whatsappProblems } from './whatsapp.js';
