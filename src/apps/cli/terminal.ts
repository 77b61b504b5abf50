import { stripVTControlCharacters } from 'node:util';

/**
 * Text that came from users (questions, language tags), made safe to print on an operator's terminal: escape
 * sequences (colours, cursor moves, titles, hyperlinks, clipboard writes) are removed, line breaks and tabs
 * become spaces so a row stays one row, and every other control or bidirectional-override character becomes
 * U+FFFD, so nothing a subscriber types can rewrite what the operator sees.
 */
export function terminalSafe(text: string): string {
  return (
    stripVTControlCharacters(text)
      .replace(/[\t\n\v\f\r\u0085\u2028\u2029]/g, ' ')
      // C0 and C1 controls, DEL, and the bidi embeddings, overrides and isolates (Trojan Source).
      // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
      .replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '\ufffd')
  );
}
