/**
 * The port between a USSD channel and the USSD dialogue. A provider adapter parses the carrier's callback into a
 * hop and writes the screen back in its own format (`CON`/`END` for Africa's Talking); what the screen says, and
 * the session behind it, is the dialogue's business (src/dialogue/ussd), wired together by the apps.
 */

/** One USSD hop as the carrier delivered it, with the number already normalised to E.164. */
import type { Provider } from './messages/index.js';

export interface UssdHop {
  provider: Provider;
  sessionId: string;
  phone: string;
  serviceCode: string;
  /** Every input of the session so far, joined by `*` (Africa's Talking's `text`). */
  text: string;
  /** performance.now() when the request reached the gateway: the whole response budget counts from here. */
  arrivedAt: number;
}

export interface UssdScreen {
  text: string;
  /** True for a screen that closes the session (`END`), false for one that waits for input (`CON`). */
  end: boolean;
}

export interface UssdDialogue {
  /** The screen for this hop, always within the USSD deadline counted from `hop.arrivedAt`. */
  hop(hop: UssdHop): Promise<UssdScreen>;
}
