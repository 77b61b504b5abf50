/**
 * What the choice dialogues say and how a pick is answered, per channel (pure, apart from reading the catalogue).
 */
import type { AnswerResult, Catalogue, Choice } from '../../core/answers.js';
import type { Channel, ListRow } from '../../core/messages/index.js';
import {
  analyseSms,
  encodingOf,
  normaliseForSms,
  truncateText,
  unitsIn,
  WHATSAPP_LIMITS,
} from '../../core/shaping/index.js';
import { type ChannelBudget, composeAnswer } from '../../knowledge/answer/compose.js';

export type T = (key: string, vars?: Record<string, unknown>) => string;

/** "1", "1 or 2", "1, 2 or 3" in the user's language. */
function numbersList(n: number, t: T): string {
  const nums = Array.from({ length: n }, (_, i) => String(i + 1));
  if (nums.length <= 1) return nums.join('');
  return `${nums.slice(0, -1).join(', ')} ${t('choices:or')} ${nums.at(-1)}`;
}

/** Cuts the longest title by a word at a time until `fits` holds (or titles are as short as they go). */
function fitTitles(titles: string[], fits: (titles: string[]) => boolean): string[] {
  let shown = titles;
  for (let guard = 0; !fits(shown) && guard < 200; guard++) {
    const longest = shown.reduce((a, x, i) => (x.length > shown[a]!.length ? i : a), 0);
    const cut = shown[longest]!.replace(/\s*\S+(?:\.\.\.)?$/, '').replace(/[\s,;:.]+$/, '');
    if (cut.length < 8) break;
    shown = shown.map((x, i) => (i === longest ? `${cut}...` : x));
  }
  return shown;
}

/** The SMS offer: "Did you mean: 1) ... 2) ... 3) ... Reply 1, 2 or 3, or 0 if none of these." within the budget. */
export function smsOfferText(choices: Choice[], lang: string, t: T, maxSegments: number): string {
  const render = (titles: string[]) =>
    normaliseForSms(
      `${t('choices:didYouMean')} ${titles.map((x, i) => `${i + 1}) ${x}`).join(' ')} ${t('choices:reply', {
        numbers: numbersList(titles.length, t),
      })}`,
      lang,
    );
  return render(
    fitTitles(
      choices.map((c) => c.title),
      (ts) => analyseSms(render(ts)).segments <= maxSegments,
    ),
  );
}

/** The WhatsApp offer: a list whose rows are the entries and "None of these"; the body numbers them too. */
export function whatsappOffer(
  offerId: string,
  choices: Choice[],
  t: T,
): { text: string; list: { button: string; rows: ListRow[] } } {
  const lines = choices.map((c, i) => `${i + 1}. ${c.title}`);
  const text = [t('choices:whatsappBody'), ...lines, `0. ${t('choices:none')}`].join('\n');
  const row = (id: string, title: string): ListRow => {
    const short = truncateText(title, WHATSAPP_LIMITS.listRowTitle);
    return short === title
      ? { id, title }
      : { id, title: short, description: truncateText(title, WHATSAPP_LIMITS.listRowDescription) };
  };
  return {
    text,
    list: {
      button: truncateText(t('choices:listButton'), WHATSAPP_LIMITS.listButton),
      rows: [
        ...choices.map((c, i) => row(choiceRowId(offerId, i + 1), c.title)),
        row(choiceRowId(offerId, 0), t('choices:none')),
      ],
    },
  };
}

/** A list row's id: `choice:<offer id>:<number>` (0 is "none of these"). */
const choiceRowId = (offerId: string, n: number) => `choice:${offerId}:${n}`;

export function parseChoiceRowId(id: string): { offerId: string; n: number } | undefined {
  const m = /^choice:([0-9a-f]{6,32}):(\d)$/.exec(id);
  return m ? { offerId: m[1]!, n: Number(m[2]) } : undefined;
}

/** A reply that is only a number ("2", "2.", "#2"): the pick, else undefined. */
export function digitReply(text: string): number | undefined {
  const m = /^\s*#?\s*(\d)\s*[.)]?\s*$/.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** A USSD screen fits when its units do: GSM-7 holds maxChars, UCS-2 half of it. */
function fitsUssd(text: string, maxChars: number): boolean {
  const encoding = encodingOf(text);
  return unitsIn(text, encoding) <= (encoding === 'GSM-7' ? maxChars : Math.floor(maxChars / 2));
}

/** The USSD screen: "Did you mean:\n1 ...\n2 ...\n3 ...\n0 None of these", within the screen. */
export function ussdOfferText(choices: Choice[], lang: string, t: T, maxChars: number): string {
  const render = (titles: string[]) =>
    normaliseForSms(
      [t('choices:didYouMean'), ...titles.map((x, i) => `${i + 1} ${x}`), `0 ${t('choices:none')}`].join('\n'),
      lang,
    );
  const text = render(
    fitTitles(
      choices.map((c) => c.title),
      (ts) => fitsUssd(render(ts), maxChars),
    ),
  );
  return fitsUssd(text, maxChars) ? text : truncateText(text, maxChars, '...');
}

/** Sentences sharing words with the question come first in an extractive summary. */
function questionScorer(question: string) {
  const words = new Set(
    question
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)
      .filter((w) => w.length >= 3),
  );
  return (sentence: string) =>
    sentence
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)
      .filter((w) => words.has(w)).length;
}

/**
 * The picked entry's answer, composed like any answer for the channel (summary, citation, budget), or
 * undefined when the entry is no longer in the packs.
 */
export function pickAnswer(
  catalogue: Catalogue,
  choice: Choice,
  question: string,
  lang: string,
  channel: Channel,
  budget: ChannelBudget,
): Pick<AnswerResult, 'answer' | 'lang'> | undefined {
  const view = catalogue.entry(choice.pack, choice.entry, lang);
  if (!view) return undefined;
  const composed = composeAnswer({
    entry: { ...view, sourceShort: view.sourceShort ?? view.source },
    userLang: lang,
    channel,
    budget,
    score: questionScorer(question),
  });
  return { answer: composed.text, lang: view.lang };
}
