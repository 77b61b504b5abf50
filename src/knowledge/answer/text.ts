/**
 * Text analysis for noisy SMS/USSD questions: normalisation, SMS abbreviations, stopwords, light stemming and
 * character n-grams. Pure functions; the same pipeline analyses pack entries and questions.
 */

/** Letters that do not decompose under NFKD but have a plain Latin reading (Hausa hooked letters, ligatures). */
const FOLD: Record<string, string> = {
  ɓ: 'b',
  ɗ: 'd',
  ƙ: 'k',
  ƴ: 'y',
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  đ: 'd',
  ł: 'l',
  ı: 'i',
  ŋ: 'n',
  ɛ: 'e',
  ɔ: 'o',
};
const FOLD_RE = new RegExp(`[${Object.keys(FOLD).join('')}]`, 'g');

/** French elisions (l', d', qu'...) split off; other apostrophes (ng'ombe, dang'a) are dropped inside the word. */
const ELISION = /(^|[^\p{L}])(l|d|j|n|s|c|m|t|qu|jusqu|lorsqu|puisqu)['’‘`´]/giu;

/**
 * Lowercase, strip diacritics (tone marks included: Yorùbá "ọ̀" → "o"), fold special letters. Ethiopic and other
 * scripts without case pass through unchanged.
 */
export function normalise(text: string): string {
  // ASCII text (most questions) needs no Unicode decomposition.
  let ascii = true;
  for (let i = 0; i < text.length && ascii; i++) ascii = text.charCodeAt(i) < 128;
  return (ascii ? text : text.normalize('NFKD'))
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(FOLD_RE, (c) => FOLD[c] ?? c)
    .replace(ELISION, '$1$2 ')
    .replace(/(\p{L})['’‘`´](\p{L})/gu, '$1$2');
}

/** Raw word tokens: runs of letters/digits, plus inner hyphen splits ("ku-apply" → "ku", "apply"). */
export function words(normalised: string): string[] {
  return normalised.match(/[\p{L}\p{N}]+/gu) ?? [];
}

/**
 * SMS spellings → words, per language ("*" = any language). Only unambiguous forms: a token that is also a
 * real word in a pack (e.g. "cmt" = California Mastitis Test) is kept as written by the caller.
 */
export const SMS_ABBREVIATIONS: Record<string, Record<string, string>> = {
  '*': {
    pls: 'please',
    plz: 'please',
    plis: 'please',
    pliz: 'please',
    pse: 'please',
    msg: 'message',
    sms: 'sms',
    info: 'information',
    govt: 'government',
    acc: 'account',
    acct: 'account',
    amt: 'amount',
    ksh: 'shillings',
    kshs: 'shillings',
    tsh: 'shillings',
    ugx: 'shillings',
  },
  en: {
    hw: 'how',
    hws: 'how is',
    '2day': 'today',
    '2dy': 'today',
    tdy: 'today',
    '2moro': 'tomorrow',
    '2mrw': 'tomorrow',
    tmrw: 'tomorrow',
    tmr: 'tomorrow',
    u: 'you',
    ur: 'your',
    r: 'are',
    wat: 'what',
    wt: 'what',
    wht: 'what',
    wot: 'what',
    nd: 'and',
    b4: 'before',
    y: 'why',
    cn: 'can',
    shud: 'should',
    shd: 'should',
    wud: 'would',
    cud: 'could',
    wen: 'when',
    whn: 'when',
    wer: 'where',
    whr: 'where',
    abt: 'about',
    bcoz: 'because',
    coz: 'because',
    cuz: 'because',
    bcz: 'because',
    gd: 'good',
    ppl: 'people',
    frm: 'from',
    thx: 'thanks',
    thnx: 'thanks',
    dat: 'that',
    dis: 'this',
    im: 'i am',
    dont: 'do not',
    cant: 'can not',
    wont: 'will not',
    knw: 'know',
    kno: 'know',
    wk: 'week',
    wks: 'weeks',
    yr: 'year',
    yrs: 'years',
    mth: 'month',
    mths: 'months',
    hrs: 'hours',
    ltr: 'litre',
    ltrs: 'litres',
    w8: 'wait',
    gr8: 'great',
    l8r: 'later',
    '4': 'for',
    '2': 'to',
    n: 'and',
    hv: 'have',
    hav: 'have',
    giv: 'give',
    tel: 'tell',
    wich: 'which',
    wch: 'which',
    becoz: 'because',
    sumtin: 'something',
    smthng: 'something',
    ma: 'my',
    mi: 'my',
    sum1: 'someone',
    some1: 'someone',
  },
  sw: {
    nn: 'nini',
    kwann: 'kwa nini',
    kwanin: 'kwa nini',
    knn: 'kwa nini',
    vp: 'vipi',
    cjui: 'sijui',
    sjui: 'sijui',
    mbn: 'mbona',
    ktk: 'katika',
    xaxa: 'sasa',
    tfdhl: 'tafadhali',
    tafadhal: 'tafadhali',
    tafdhali: 'tafadhali',
    nifanyeje: 'nifanye vipi',
    ckuhz: 'siku hizi',
    cku: 'siku',
  },
  fr: {
    kwa: 'quoi',
    koi: 'quoi',
    koa: 'quoi',
    pk: 'pourquoi',
    pq: 'pourquoi',
    pkoi: 'pourquoi',
    pourkoi: 'pourquoi',
    stp: 's il te plait',
    svp: 's il vous plait',
    bcp: 'beaucoup',
    jsp: 'je ne sais pas',
    cmt: 'comment',
    cmnt: 'comment',
    kmt: 'comment',
    koman: 'comment',
    komen: 'comment',
    qd: 'quand',
    qnd: 'quand',
    kan: 'quand',
    tjr: 'toujours',
    tjrs: 'toujours',
    ds: 'dans',
    pr: 'pour',
    pa: 'pas',
    c: 'c est',
    g: 'j ai',
    ki: 'qui',
    ke: 'que',
    kel: 'quel',
    kelle: 'quelle',
    keske: 'qu est ce que',
    kesk: 'qu est ce que',
    slt: 'salut',
    dc: 'donc',
    tt: 'tout',
    tps: 'temps',
    qlq: 'quelque',
    qq: 'quelque',
    qqn: 'quelqu un',
    qqch: 'quelque chose',
    bjr: 'bonjour',
    cb: 'combien',
    cbn: 'combien',
    cmb: 'combien',
    mtn: 'maintenant',
    auj: 'aujourd hui',
    ajd: 'aujourd hui',
    ajrd: 'aujourd hui',
    dmn: 'demain',
    dm1: 'demain',
    b1: 'bien',
    chui: 'je suis',
    jsui: 'je suis',
    jveu: 'je veux',
    jveux: 'je veux',
    pb: 'probleme',
    pbm: 'probleme',
    rdv: 'rendez vous',
    ac: 'avec',
    avc: 'avec',
    vs: 'vous',
    ns: 'nous',
    qil: 'qu il',
    quil: 'qu il',
    quelle: 'quelle',
  },
};

/**
 * Function words per language: dropped from indexing and from the coverage used for confidence, and a strong
 * cue for language identification. Question words are included: they say nothing about the topic.
 */
export const STOPWORDS: Record<string, Set<string>> = {
  en: new Set(
    (
      'a an the and or but if of to in on at by for with from into onto about as is are was were be been being am do ' +
      'does did doing done have has had having i me my mine we our us you your yours he him his she her it its they ' +
      'them their this that these those there here what which who whom whose when where why how can could should ' +
      'would will shall may might must not no yes so than then too very just also only any some all more most much ' +
      'many few get got give tell please know thanks thank hello hi dear sir madam ok okay make way best ' +
      'good use using used do does one out up down over such other same own each both again still even now way ' +
      'something someone able like go going come help advice question answer'
    ).split(' '),
  ),
  sw: new Set(
    (
      'na ya wa za la cha vya kwa katika kwenye ni si je nini gani vipi jinsi namna lini wapi nani kwa nini mbona ' +
      'mimi wewe yeye sisi ninyi wao yangu wangu changu langu zangu vyangu yako wako lako zako chako yake wake lake ' +
      'zake chake yetu wetu letu zetu yenu wao yao wao hii huu hiki hili hizi hawa hao hiyo hicho hilo huo ile ule ' +
      'kile lile zile wale kama ila lakini au ama pia tu sana zaidi kuna kuwa kutoka hadi mpaka baada kabla ili ' +
      'tafadhali asante habari jambo naomba nataka nisaidie msaada swali nifanye nifanyeje naweza unaweza ' +
      'ndio hapana sawa hapa pale huko kule hivyo hivi ndiyo basi nk ana yupo wako nitajuaje najuaje tunajuaje ' +
      'nitajua nifanyeje tufanyeje'
    ).split(' '),
  ),
  fr: new Set(
    (
      'le la les l un une des de du d et ou donc or ni car a au aux en dans par pour sur sous avec sans chez ' +
      'ce cet cette ces c ca cela ceci je j me m moi tu te t toi il elle on nous vous ils elles se s lui leur leurs ' +
      'mon ma mes ton ta tes son sa ses notre nos votre vos qui que qu quoi dont quel quelle quels quelles comment ' +
      'pourquoi quand combien est sont suis es etes sommes etait ai as avons avez ont avoir etre fait faire faut ' +
      'peut peux pouvez veux voudrais plait merci bonjour salut svp stp oui non ne pas plus tres bien y il ya ' +
      'quelque quelqu chose si aussi encore deja tout tous toute toutes meme autre autres alors est-ce va vais vas ' +
      'aller allez'
    ).split(' '),
  ),
  ha: new Set(
    'da a na ta ya shi ita su mu ku ni ba ko kuma amma ne ce don wannan wadda wanda me yaya ina yaushe'.split(' '),
  ),
  yo: new Set('ati ni ti si fun o a mo won e ki ko bi ninu lati pelu kini bawo nibo nigbawo eyi yi'.split(' ')),
  am: new Set('እና ወይም ግን ነው ናቸው ምን እንዴት የት መቼ ለምን ይህ ያ በ ለ ከ ወደ'.split(' ')),
};

/**
 * Greetings and pleasantries: conversational, never the topic ("habari za asubuhi" is "good morning", not a
 * question about mornings). Removed from questions as whole phrases before analysis.
 */
export const GREETINGS: string[] = [
  'good morning',
  'good afternoon',
  'good evening',
  'good night',
  'hello',
  'hi',
  'hey',
  'how are you',
  'how r u',
  'how are u',
  'hw r u',
  'thank you',
  'thanks',
  'habari za asubuhi',
  'habari za mchana',
  'habari za jioni',
  'habari yako',
  'habari gani',
  'habari',
  'hujambo',
  'sijambo',
  'jambo',
  'mambo',
  'vipi',
  'shikamoo',
  'asante sana',
  'asante',
  'bonjour',
  'bonsoir',
  'salut',
  'ca va',
  'comment ca va',
  'comment allez vous',
  'merci beaucoup',
  'merci',
  'sannu',
  'ina kwana',
  'bawo ni',
  'e kaaro',
];
const GREETING_SEQS = GREETINGS.map((g) => g.split(' ')).sort((a, b) => b.length - a.length);

/** Drop greeting phrases from a normalised token sequence. */
export function stripGreetings(tokens: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < tokens.length; ) {
    const seq = GREETING_SEQS.find((g) => g.every((w, k) => tokens[i + k] === w));
    if (seq) {
      i += seq.length;
      continue;
    }
    out.push(tokens[i]!);
    i++;
  }
  return out;
}

const ANY_STOPWORD = new Set(Object.values(STOPWORDS).flatMap((s) => [...s]));

export function isStopword(token: string, langs?: readonly string[]): boolean {
  if (!langs) return ANY_STOPWORD.has(token);
  return langs.some((l) => STOPWORDS[l]?.has(token));
}

/**
 * Expand SMS abbreviations for the candidate languages (the writer's first); `keep` holds real pack words not
 * to expand unless the abbreviation is of the writer's own language.
 */
export function expandAbbreviations(
  tokens: string[],
  langs: readonly string[],
  keep?: (t: string) => boolean,
): string[] {
  const out: string[] = [];
  for (const t of tokens) {
    // An SMS spelling of the writer's own language wins over a pack word spelled the same: "cmt" in a French
    // question is "comment", not the California Mastitis Test.
    let expansion: string | undefined = langs[0] === undefined ? undefined : SMS_ABBREVIATIONS[langs[0]]?.[t];
    if (expansion === undefined && !keep?.(t)) {
      expansion = SMS_ABBREVIATIONS['*']![t];
      for (const l of langs) {
        if (expansion !== undefined) break;
        expansion = SMS_ABBREVIATIONS[l]?.[t];
      }
      // Digit-for-syllable spellings ("2day", "b4", "gr8") not in the tables: spell the digit out only in English.
      if (expansion === undefined && langs.includes('en') && /^[a-z]+\d[a-z]*$|^\d[a-z]+$/.test(t)) {
        expansion = t.replace(/2/g, 'to').replace(/4/g, 'for').replace(/8/g, 'ate');
      }
    }
    if (expansion === undefined) out.push(t);
    else out.push(...expansion.split(' '));
  }
  return out;
}

/**
 * Light, language-neutral suffix folding (plural -s/-es/-ies, -ing, -ed): the same on packs and questions, so
 * exactness does not matter, only consistency. Swahili and Ethiopic words are left alone by these rules in practice.
 */
export function stem(token: string): string {
  if (token.length <= 3 || /\d/.test(token)) return token;
  if (!/^[a-z]+$/.test(token)) return token;
  // English adverbs: "safely" ~ "safe", "monthly" ~ "month" (not "family", "supply", "apply", "reply").
  if (token.endsWith('ly') && token.length >= 6 && !/(ily|ply|ally)$/.test(token)) return token.slice(0, -2);
  // "variety"/"varieties" and French "pluie"/"pluies" all fold to an "-ie" form.
  if (/[^aeiou]y$/.test(token)) return `${token.slice(0, -1)}ie`;
  if (token.endsWith('sses')) return token.slice(0, -2);
  if (token.endsWith('ing') && token.length > 5) return token.slice(0, -3);
  if (token.endsWith('ed') && token.length > 4 && !token.endsWith('eed')) return token.slice(0, -2);
  if (token.endsWith('es') && /(ch|sh|x|z|ss)es$/.test(token)) return token.slice(0, -2);
  if (token.endsWith('s') && !/(ss|us|is|ys)$/.test(token)) return dropSilentE(token.slice(0, -1));
  if (token.endsWith('x') && token.length > 4 && /(aux|eux)$/.test(token)) return token.slice(0, -1);
  return dropSilentE(token);
}

/** A silent final "e" goes, as the -ing/-ed rules already drop it: "compare" ~ "comparing" ~ "compared". */
function dropSilentE(token: string): string {
  return token.length > 4 && /[^aeiou]e$/.test(token) ? token.slice(0, -1) : token;
}

/** Character n-grams of one token with boundary marks: "maize" → " ma", "mai", ..., "ze ", " mai", ... */
export function charNgrams(token: string, sizes: readonly number[] = [3, 4]): string[] {
  const padded = ` ${token} `;
  // Fast path for text without astral characters (nearly all): index UTF-16 units directly.
  const chars: string[] | string = /[\uD800-\uDFFF]/.test(padded) ? [...padded] : padded;
  const out: string[] = [];
  for (const n of sizes) {
    if (chars.length < n) continue;
    for (let i = 0; i + n <= chars.length; i++) {
      out.push(typeof chars === 'string' ? chars.slice(i, i + n) : chars.slice(i, i + n).join(''));
    }
  }
  if (out.length === 0) out.push(padded);
  return out;
}

/** Script of a token, for tokenisers and n-gram sizes. */
export function isEthiopic(text: string): boolean {
  return /\p{Script=Ethiopic}/u.test(text);
}
