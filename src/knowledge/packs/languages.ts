/** ISO 639-1 codes (two letters). Three-letter ISO 639-3 codes are checked against franc-all's list. */
const ISO_639_1 = new Set(
  (
    'aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee ' +
    'el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it ' +
    'iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my ' +
    'na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn ' +
    'so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu'
  ).split(' '),
);

/** ISO 639-1 → ISO 639-3 for the languages franc-all models under another code (sw → swh, not swa). */
export const ISO1_TO_FRANC: Record<string, string> = {
  en: 'eng',
  sw: 'swh',
  fr: 'fra',
  ha: 'hau',
  yo: 'yor',
  am: 'amh',
  ig: 'ibo',
  zu: 'zul',
  xh: 'xho',
  so: 'som',
  rw: 'kin',
  rn: 'run',
  lg: 'lug',
  ny: 'nya',
  sn: 'sna',
  pt: 'por',
  ar: 'arb',
  wo: 'wol',
  ln: 'lin',
  om: 'gaz',
  ti: 'tir',
  tw: 'twi',
  ee: 'ewe',
  st: 'sot',
  tn: 'tsn',
  af: 'afr',
  mg: 'plt',
  ff: 'fuv',
  bm: 'bam',
  ki: 'kik',
  es: 'spa',
  de: 'deu',
  it: 'ita',
  nl: 'nld',
};

let francCodes: Set<string> | undefined;

async function loadFrancCodes(): Promise<Set<string>> {
  if (francCodes) return francCodes;
  const { data } = (await import('franc-all/data.js')) as { data: Record<string, Record<string, string>> };
  francCodes = new Set(Object.values(data).flatMap((langs) => Object.keys(langs)));
  return francCodes;
}

export type LanguageCodeCheck = 'ok' | 'malformed' | 'unknown-iso1' | 'unknown-iso3';

/** Is this a language code a pack may use? Two letters must be ISO 639-1; three letters should be ISO 639-3. */
export async function checkLanguageCode(code: string): Promise<LanguageCodeCheck> {
  if (!/^[a-z]{2,3}$/.test(code)) return 'malformed';
  if (code.length === 2) return ISO_639_1.has(code) ? 'ok' : 'unknown-iso1';
  const known = await loadFrancCodes();
  return known.has(code) || [...ISO_639_1].some((c) => ISO1_TO_FRANC[c] === code) ? 'ok' : 'unknown-iso3';
}
