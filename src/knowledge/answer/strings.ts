/**
 * The few words the answer module writes itself, in every language a pack may serve (not only the UI
 * languages of locales/): answers are in the pack's languages. Unknown languages get English.
 */
export interface AnswerStrings {
  notFound: string;
  /** "(in English)": the answer is in another language than the question. Keyed by the answer's language. */
  inLanguage: Record<string, string>;
  /** Prefix of the short citation on SMS/USSD. */
  src: string;
  /** Label of the full citation on WhatsApp. */
  source: string;
  seeAlso: string;
  /** Offering choices (see AnswerResult.choices); languages without them use English. */
  choices?: { didYouMean: string; replyWithNumber: string; noneOfThese: string };
}

const STRINGS: Record<string, AnswerStrings> = {
  en: {
    notFound: "Sorry, I don't have an answer to that yet. Try other words, or ask about another topic.",
    inLanguage: {
      en: '(in English)',
      sw: '(in Swahili)',
      fr: '(in French)',
      ha: '(in Hausa)',
      yo: '(in Yoruba)',
      am: '(in Amharic)',
    },
    src: 'Src',
    source: 'Source',
    seeAlso: 'See also',
    choices: { didYouMean: 'Did you mean:', replyWithNumber: 'Reply with the number.', noneOfThese: 'None of these' },
  },
  sw: {
    notFound: 'Samahani, bado sina jibu la swali hilo. Jaribu maneno mengine, au uliza kuhusu mada nyingine.',
    inLanguage: {
      en: '(kwa Kiingereza)',
      sw: '(kwa Kiswahili)',
      fr: '(kwa Kifaransa)',
      ha: '(kwa Kihausa)',
      yo: '(kwa Kiyoruba)',
      am: '(kwa Kiamhari)',
    },
    src: 'Chanzo',
    source: 'Chanzo',
    seeAlso: 'Angalia pia',
    choices: {
      didYouMean: 'Ulimaanisha:',
      replyWithNumber: 'Jibu kwa namba.',
      noneOfThese: 'Hakuna kati ya haya',
    },
  },
  fr: {
    notFound:
      "Désolé, je n'ai pas encore de réponse à cela. Essayez d'autres mots, ou posez une question sur un autre sujet.",
    inLanguage: {
      en: '(en anglais)',
      sw: '(en swahili)',
      fr: '(en français)',
      ha: '(en haoussa)',
      yo: '(en yoruba)',
      am: '(en amharique)',
    },
    src: 'Src',
    source: 'Source',
    seeAlso: 'Voir aussi',
    choices: {
      didYouMean: 'Vouliez-vous dire :',
      replyWithNumber: 'Répondez avec le numéro.',
      noneOfThese: 'Aucun de ceux-ci',
    },
  },
  ha: {
    notFound: 'Yi hakuri, ba ni da amsar wannan tukuna. Gwada wasu kalmomi, ko ka tambayi wani batu.',
    inLanguage: { en: '(da Turanci)', fr: '(da Faransanci)', sw: '(da Swahili)', ha: '(da Hausa)' },
    src: 'Tushe',
    source: 'Tushe',
    seeAlso: 'Duba kuma',
  },
  yo: {
    notFound: 'Ẹ má bínú, mi ò tíì ní ìdáhùn sí ìbéèrè yẹn. Ẹ gbìyànjú ọ̀rọ̀ mìíràn.',
    inLanguage: { en: '(ní èdè Gẹ̀ẹ́sì)', fr: '(ní èdè Faransé)', yo: '(ní èdè Yorùbá)' },
    src: 'Orísun',
    source: 'Orísun',
    seeAlso: 'Wo bákan náà',
  },
  am: {
    notFound: 'ይቅርታ፣ ለዚህ ጥያቄ እስካሁን መልስ የለኝም። በሌላ ቃላት ይሞክሩ።',
    inLanguage: { en: '(በእንግሊዝኛ)', fr: '(በፈረንሳይኛ)', am: '(በአማርኛ)' },
    src: 'ምንጭ',
    source: 'ምንጭ',
    seeAlso: 'ተጨማሪ',
  },
};

export function answerStrings(lang: string): AnswerStrings {
  return STRINGS[lang] ?? STRINGS.en!;
}

/** "(in English)" in the user's language, naming the language the answer is written in. */
export function inLanguageNote(userLang: string, answerLang: string): string {
  return answerStrings(userLang).inLanguage[answerLang] ?? STRINGS.en!.inLanguage[answerLang] ?? `(${answerLang})`;
}

/** The words of a clarifying question in `lang` (English where the language has none yet). */
export function choiceStrings(lang: string): NonNullable<AnswerStrings['choices']> {
  return answerStrings(lang).choices ?? STRINGS.en!.choices!;
}
