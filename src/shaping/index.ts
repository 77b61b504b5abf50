/** Fitting text to each channel's carrier limits: SMS encoding and segments, USSD screens, WhatsApp. */
export {
  GSM7_BASIC,
  GSM7_EXTENSION,
  SEGMENT_CAPACITY,
  analyseSms,
  encodingOf,
  graphemes,
  gsmSeptets,
  isGsm7,
  nonGsmCharacters,
  unitsIn,
  type SmsAnalysis,
  type SmsEncoding,
} from './gsm.js';
export {
  DEFAULT_DIACRITICS_POLICY,
  DIACRITICS_POLICY,
  TYPOGRAPHIC_REPLACEMENTS,
  diacriticsPolicy,
  normaliseForSms,
  replaceTypographic,
  stripDiacritics,
  type DiacriticsPolicy,
} from './normalise.js';
export {
  SMS_ELLIPSIS,
  fitSms,
  paginateUssd,
  partMarker,
  splitSms,
  stripPartMarker,
  truncateText,
  type FittedSms,
  type UssdLabels,
  type UssdPage,
} from './split.js';
export { WHATSAPP_LIMITS, fitButtons, fitList, fitWhatsapp, whatsappProblems } from './whatsapp.js';
