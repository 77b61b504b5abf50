import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  type Document,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type YAMLMap,
  type Node as YamlNode,
} from 'yaml';
import { isStopwordMember } from '../language/text.js';
import { checkLanguageCode } from './languages.js';
import type { PackEntry, PackIssue, PackLoadResult, PackManifest } from './types.js';

/** Beyond this an editor's summary no longer fits one GSM-7 SMS. */
const SUMMARY_MAX_CHARS = 160;
/** Titles are menu lines on a USSD screen and WhatsApp list rows. */
const TITLE_MAX_CHARS = 90;
const SOURCE_SHORT_MAX_CHARS = 24;

const SLUG = /^[a-z0-9][a-z0-9-]*$/;
const ENTRY_FILE = /^([^.]+)\.([^.]+)\.md$/;
const PACK_KEYS = new Set([
  'id',
  'title',
  'version',
  'license',
  'languages',
  'default_language',
  'synonyms',
  'topic_titles',
  'menu_title',
  'description',
]);
const ENTRY_KEYS = new Set([
  'id',
  'lang',
  'title',
  'topic',
  'tags',
  'summary',
  'source',
  'source_short',
  'questions',
  'reviewed',
  'reviewed_by',
]);
/** Example questions are indexed as strong evidence; a long one is more likely a paragraph pasted by mistake. */
const QUESTION_MAX_CHARS = 200;

/** A YAML document with a way to name the line of any key. */
class YamlSource {
  readonly doc: Document.Parsed;
  private readonly lines = new LineCounter();

  constructor(
    readonly file: string,
    text: string,
    /** Lines before the YAML text in its file (front matter starts after `---`). */
    private readonly lineOffset: number,
    private readonly issues: PackIssue[],
  ) {
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true });
    for (const err of this.doc.errors) {
      let line = this.lineAt(err.pos[0]);
      // An unclosed [ or { is noticed lines later: point at the line that opened it.
      if (/^Flow (sequence|mapping)/.test(err.message)) {
        const lines = text.split('\n');
        for (let i = line - lineOffset - 1; i >= 0; i--) {
          const l = lines[i] ?? '';
          if ((l.match(/[[{]/g)?.length ?? 0) > (l.match(/[\]}]/g)?.length ?? 0)) {
            line = i + 1 + lineOffset;
            break;
          }
        }
      }
      this.issues.push({ file, line, severity: 'error', message: `unparsable YAML: ${firstLine(err.message)}` });
    }
  }

  lineAt(offset: number | undefined): number {
    if (offset === undefined) return this.lineOffset + 1;
    return this.lines.linePos(offset).line + this.lineOffset;
  }

  lineOf(node: YamlNode | null | undefined): number {
    return this.lineAt(node?.range?.[0]);
  }

  error(node: YamlNode | null | undefined, message: string): void {
    this.issues.push({ file: this.file, line: this.lineOf(node), severity: 'error', message });
  }

  warn(node: YamlNode | null | undefined, message: string): void {
    this.issues.push({ file: this.file, line: this.lineOf(node), severity: 'warning', message });
  }

  root(): YAMLMap | undefined {
    return isMap(this.doc.contents) ? this.doc.contents : undefined;
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

/** The key node and value node of `key` in a map. */
function field(map: YAMLMap, key: string): { keyNode?: YamlNode; value?: YamlNode | null; present: boolean } {
  for (const pair of map.items) {
    if (isScalar(pair.key) && pair.key.value === key) {
      return { keyNode: pair.key, value: pair.value as YamlNode | null, present: true };
    }
  }
  return { present: false };
}

function unknownKeys(src: YamlSource, map: YAMLMap, known: Set<string>, what: string): void {
  for (const pair of map.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
    if (key === undefined || !known.has(key)) {
      src.warn(pair.key as YamlNode, `unknown ${what} key "${key ?? '?'}" (ignored)`);
    }
  }
}

/** A required or optional string field; reports type problems at the key's line. */
function stringField(
  src: YamlSource,
  map: YAMLMap,
  key: string,
  opts: { required: boolean; quoteHint?: boolean },
): { value?: string; node?: YamlNode } {
  const f = field(map, key);
  if (!f.present) {
    if (opts.required) src.error(map, `missing required field "${key}"`);
    return {};
  }
  const node = f.keyNode;
  const v = f.value;
  if (!isScalar(v) || v.value === null || v.value === undefined) {
    if (opts.required) src.error(node, `"${key}" must be a non-empty string`);
    else src.error(node, `"${key}" must be a string`);
    return { node };
  }
  if (typeof v.value !== 'string') {
    const hint = opts.quoteHint ? `; quote it ("${String(v.source ?? v.value)}")` : '';
    src.error(node, `"${key}" must be a string, got ${typeof v.value}${hint}`);
    return { node };
  }
  const text = v.value.trim();
  if (text === '') {
    src.error(node, `"${key}" must not be empty`);
    return { node };
  }
  return { value: text, node };
}

function stringList(
  src: YamlSource,
  map: YAMLMap,
  key: string,
  required: boolean,
): { value?: string[]; node?: YamlNode } {
  const f = field(map, key);
  if (!f.present) {
    if (required) src.error(map, `missing required field "${key}"`);
    return {};
  }
  const node = f.keyNode;
  if (!isSeq(f.value)) {
    src.error(node, `"${key}" must be a list, e.g. ${key}: [a, b]`);
    return { node };
  }
  const out: string[] = [];
  for (const item of f.value.items) {
    if (
      !isScalar(item) ||
      (typeof item.value !== 'string' && typeof item.value !== 'number') ||
      String(item.value).trim() === ''
    ) {
      src.error((item as YamlNode) ?? node, `"${key}" items must be non-empty strings`);
      continue;
    }
    out.push(String(item.value).trim());
  }
  return { value: out, node };
}

async function languageIssue(code: string): Promise<string | undefined> {
  switch (await checkLanguageCode(code)) {
    case 'ok':
      return undefined;
    case 'malformed':
      return `"${code}" is not a language code (use ISO 639-1 like "sw" or ISO 639-3 like "swh")`;
    case 'unknown-iso1':
      return `unknown language code "${code}" (not ISO 639-1)`;
    case 'unknown-iso3':
      return `unknown language code "${code}" (not a known ISO 639-3 code)`;
  }
}

const isValidDate = (s: string): boolean => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
};

async function readManifest(dir: string, issues: PackIssue[]): Promise<{ manifest?: PackManifest; text?: string }> {
  const file = path.join(dir, 'pack.yaml');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    issues.push({
      file,
      line: 1,
      severity: 'error',
      message: 'missing pack.yaml (every pack needs one with id, title, version, license, languages, default_language)',
    });
    return {};
  }
  const before = issues.length;
  const src = new YamlSource(file, text, 0, issues);
  if (issues.length > before) return { text };
  const root = src.root();
  if (!root) {
    issues.push({ file, line: 1, severity: 'error', message: 'pack.yaml must be a mapping of keys (id, title, ...)' });
    return { text };
  }
  unknownKeys(src, root, PACK_KEYS, 'pack.yaml');
  const errorsBefore = issues.filter((i) => i.severity === 'error').length;

  const id = stringField(src, root, 'id', { required: true });
  if (id.value !== undefined && !SLUG.test(id.value))
    src.error(id.node, `"id" must be lowercase letters, digits and dashes, got "${id.value}"`);
  const title = stringField(src, root, 'title', { required: true });
  const version = stringField(src, root, 'version', { required: true, quoteHint: true });
  const license = stringField(src, root, 'license', { required: true });

  const languages = stringList(src, root, 'languages', true);
  const langs = languages.value ?? [];
  if (languages.value && langs.length === 0) src.error(languages.node, '"languages" must list at least one language');
  const langItems = isSeq(field(root, 'languages').value)
    ? (field(root, 'languages').value as { items: YamlNode[] }).items
    : [];
  const seen = new Set<string>();
  for (const [i, code] of langs.entries()) {
    const problem = await languageIssue(code);
    if (problem) src.error(langItems[i] ?? languages.node, problem);
    if (seen.has(code)) src.warn(langItems[i] ?? languages.node, `language "${code}" listed twice`);
    seen.add(code);
  }

  const def = stringField(src, root, 'default_language', { required: true });
  if (def.value !== undefined && langs.length > 0 && !langs.includes(def.value)) {
    src.error(def.node, `default_language "${def.value}" is not in languages [${langs.join(', ')}]`);
  }

  const synonyms: Record<string, string[][]> = {};
  const syn = field(root, 'synonyms');
  if (syn.present && syn.value !== null && syn.value !== undefined) {
    if (!isMap(syn.value))
      src.error(syn.keyNode, '"synonyms" must map a language code to lists of words, e.g. en: [[maize, corn]]');
    else {
      for (const pair of syn.value.items) {
        const lang = isScalar(pair.key) ? String(pair.key.value) : '';
        const keyNode = pair.key as YamlNode;
        const problem = await languageIssue(lang);
        if (problem) src.error(keyNode, `synonyms: ${problem}`);
        else if (langs.length > 0 && !langs.includes(lang))
          src.warn(keyNode, `synonyms for "${lang}", which is not in languages`);
        if (!isSeq(pair.value)) {
          src.error(keyNode, `synonyms.${lang} must be a list of word groups, e.g. - [maize, corn]`);
          continue;
        }
        const groups: string[][] = [];
        if (pair.value.items.length > 0 && pair.value.items.every((g) => isScalar(g))) {
          src.error(
            keyNode,
            `synonyms.${lang} must be a list of word groups, e.g. - [maize, corn] (got one flat list)`,
          );
          continue;
        }
        for (const group of pair.value.items) {
          const groupNode = group as YamlNode;
          if (
            !isSeq(group) ||
            group.items.some((w) => !isScalar(w) || String((w as { value: unknown }).value ?? '').trim() === '')
          ) {
            src.error(groupNode, `synonyms.${lang}: each group must be a list of words, e.g. [maize, corn]`);
            continue;
          }
          const words = group.items.map((w) => String((w as { value: unknown }).value).trim());
          if (words.length < 2) src.warn(groupNode, `synonyms.${lang}: a group needs at least two words`);
          for (const [k, w] of words.entries()) {
            if (isStopwordMember(w, lang))
              src.warn(
                group.items[k] as YamlNode,
                `synonyms.${lang}: "${w}" is also a common ${lang} word and is ignored; use a longer phrase`,
              );
          }
          groups.push(words);
        }
        synonyms[lang] = groups;
      }
    }
  }

  const topicTitles: Record<string, Record<string, string>> = {};
  const tt = field(root, 'topic_titles');
  if (tt.present && tt.value !== null && tt.value !== undefined) {
    if (!isMap(tt.value))
      src.error(tt.keyNode, '"topic_titles" must map a topic to labels per language, e.g. maize: { en: Maize }');
    else {
      for (const pair of tt.value.items) {
        const topic = isScalar(pair.key) ? String(pair.key.value) : '';
        const keyNode = pair.key as YamlNode;
        if (!SLUG.test(topic))
          src.error(keyNode, `topic_titles: topic "${topic}" must be lowercase letters, digits and dashes`);
        if (!isMap(pair.value)) {
          src.error(keyNode, `topic_titles.${topic} must map language codes to labels`);
          continue;
        }
        const labels: Record<string, string> = {};
        for (const lp of pair.value.items) {
          const lang = isScalar(lp.key) ? String(lp.key.value) : '';
          if (langs.length > 0 && !langs.includes(lang))
            src.warn(lp.key as YamlNode, `topic_titles.${topic}: "${lang}" is not in languages`);
          if (!isScalar(lp.value) || String(lp.value.value ?? '').trim() === '') {
            src.error(lp.key as YamlNode, `topic_titles.${topic}.${lang} must be a non-empty label`);
            continue;
          }
          labels[lang] = String(lp.value.value).trim();
        }
        topicTitles[topic] = labels;
      }
    }
  }

  const menuTitle: Record<string, string> = {};
  const mt = field(root, 'menu_title');
  if (mt.present && mt.value !== null && mt.value !== undefined) {
    if (!isMap(mt.value))
      src.error(
        mt.keyNode,
        '"menu_title" must map language codes to short menu labels, e.g. { en: Farming, sw: Kilimo }',
      );
    else {
      for (const lp of mt.value.items) {
        const lang = isScalar(lp.key) ? String(lp.key.value) : '';
        if (langs.length > 0 && !langs.includes(lang))
          src.warn(lp.key as YamlNode, `menu_title: "${lang}" is not in languages`);
        if (!isScalar(lp.value) || String(lp.value.value ?? '').trim() === '') {
          src.error(lp.key as YamlNode, `menu_title.${lang} must be a non-empty label`);
          continue;
        }
        menuTitle[lang] = String(lp.value.value).trim();
      }
    }
  }

  if (issues.filter((i) => i.severity === 'error').length > errorsBefore) return { text };
  return {
    text,
    manifest: {
      id: id.value!,
      title: title.value!,
      version: version.value!,
      license: license.value!,
      languages: langs,
      defaultLanguage: def.value!,
      synonyms,
      topicTitles,
      menuTitle,
    },
  };
}

/** Split `---\n<yaml>\n---\n<body>`; lines are 1-based. */
function splitFrontMatter(
  text: string,
): { yaml: string; yamlStartLine: number; body: string; bodyStartLine: number } | string {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if ((lines[0] ?? '').trim() !== '---') return 'missing front matter: the file must start with a line "---"';
  const close = lines.findIndex((l, i) => i > 0 && (l.trim() === '---' || l.trim() === '...'));
  if (close < 0) return 'front matter is not closed: add a line "---" after it';
  return {
    yaml: lines.slice(1, close).join('\n'),
    yamlStartLine: 2,
    body: lines.slice(close + 1).join('\n'),
    bodyStartLine: close + 2,
  };
}

interface RawEntry {
  entry?: PackEntry;
  idLine: number;
  id?: string;
  lang?: string;
  topic?: string;
  topicLine: number;
}

async function readEntry(
  dir: string,
  fileName: string,
  manifest: PackManifest | undefined,
  issues: PackIssue[],
): Promise<{ raw: RawEntry; text: string }> {
  const file = path.join(dir, 'entries', fileName);
  const text = await readFile(file, 'utf8');
  const raw: RawEntry = { idLine: 1, topicLine: 1 };
  const m = ENTRY_FILE.exec(fileName);
  const fileId = m?.[1];
  const fileLang = m?.[2];
  const fm = splitFrontMatter(text);
  if (typeof fm === 'string') {
    issues.push({ file, line: 1, severity: 'error', message: fm });
    return { raw, text };
  }
  const before = issues.length;
  const src = new YamlSource(file, fm.yaml, fm.yamlStartLine - 1, issues);
  if (issues.length > before) return { raw, text };
  const root = src.root();
  if (!root) {
    issues.push({
      file,
      line: fm.yamlStartLine,
      severity: 'error',
      message: 'front matter must be a mapping of keys (id, lang, title, ...)',
    });
    return { raw, text };
  }
  unknownKeys(src, root, ENTRY_KEYS, 'front matter');
  const errorsBefore = issues.filter((i) => i.severity === 'error').length;

  const id = stringField(src, root, 'id', { required: true });
  raw.idLine = src.lineOf(id.node ?? root);
  if (id.value !== undefined) {
    raw.id = id.value;
    if (!SLUG.test(id.value))
      src.error(id.node, `"id" must be lowercase letters, digits and dashes, got "${id.value}"`);
    else if (fileId !== undefined && id.value !== fileId)
      src.error(id.node, `id "${id.value}" does not match the file name (expected "${fileId}")`);
  }
  const lang = stringField(src, root, 'lang', { required: true });
  if (lang.value !== undefined) {
    raw.lang = lang.value;
    const problem = await languageIssue(lang.value);
    if (problem) src.error(lang.node, problem);
    else if (fileLang !== undefined && lang.value !== fileLang)
      src.error(lang.node, `lang "${lang.value}" does not match the file name (expected "${fileLang}")`);
    else if (manifest && !manifest.languages.includes(lang.value)) {
      src.error(lang.node, `lang "${lang.value}" is not in the pack's languages [${manifest.languages.join(', ')}]`);
    }
  }
  const title = stringField(src, root, 'title', { required: true });
  if (title.value && title.value.length > TITLE_MAX_CHARS) {
    src.warn(
      title.node,
      `title is ${title.value.length} characters; keep it under ${TITLE_MAX_CHARS} so it fits a menu line`,
    );
  }
  const topic = stringField(src, root, 'topic', { required: true });
  raw.topicLine = src.lineOf(topic.node ?? root);
  if (topic.value !== undefined) {
    raw.topic = topic.value;
    if (!SLUG.test(topic.value))
      src.error(topic.node, `"topic" must be lowercase letters, digits and dashes, got "${topic.value}"`);
  }
  const tags = stringList(src, root, 'tags', true);
  if (tags.value && tags.value.length === 0)
    src.warn(tags.node, '"tags" is empty; tags help retrieval find this entry');
  const summary = stringField(src, root, 'summary', { required: false });
  if (summary.value && summary.value.length > SUMMARY_MAX_CHARS) {
    src.warn(
      summary.node,
      `summary is ${summary.value.length} characters; keep it within ${SUMMARY_MAX_CHARS} (one SMS)`,
    );
  }
  const source = stringField(src, root, 'source', { required: true });
  const sourceShort = stringField(src, root, 'source_short', { required: false });
  if (sourceShort.value && sourceShort.value.length > SOURCE_SHORT_MAX_CHARS) {
    src.warn(
      sourceShort.node,
      `source_short is ${sourceShort.value.length} characters; keep it within ${SOURCE_SHORT_MAX_CHARS}`,
    );
  }
  let reviewed: string | undefined;
  const rv = field(root, 'reviewed');
  if (rv.present) {
    const v = isScalar(rv.value) ? rv.value.value : undefined;
    const s = v instanceof Date ? v.toISOString().slice(0, 10) : typeof v === 'string' ? v.trim() : undefined;
    if (s === undefined || !isValidDate(s))
      src.error(rv.keyNode, `"reviewed" must be a date like 2025-06-30, got "${String(v ?? '')}"`);
    else reviewed = s;
  }
  const reviewedBy = stringField(src, root, 'reviewed_by', { required: false });
  if (reviewed && !reviewedBy.value)
    src.warn(rv.keyNode, '"reviewed" has a date but no "reviewed_by" (name and role of the expert who checked it)');
  if (reviewedBy.value && !reviewed)
    src.warn(reviewedBy.node, '"reviewed_by" names a reviewer but "reviewed" gives no date');
  const questions = stringList(src, root, 'questions', false);
  for (const [i, q] of (questions.value ?? []).entries()) {
    if (q.length > QUESTION_MAX_CHARS)
      src.warn(
        questions.node,
        `questions item ${i + 1} is ${q.length} characters; keep example questions under ${QUESTION_MAX_CHARS}`,
      );
  }
  if (fm.body.trim() === '') {
    issues.push({
      file,
      line: fm.bodyStartLine,
      severity: 'error',
      message: 'empty body: write the long answer below the front matter',
    });
  }
  if (issues.filter((i) => i.severity === 'error').length > errorsBefore) return { raw, text };
  raw.entry = {
    pack: manifest?.id ?? '',
    id: id.value!,
    lang: lang.value!,
    title: title.value!,
    topic: topic.value!,
    tags: tags.value ?? [],
    summary: summary.value,
    source: source.value!,
    sourceShort: sourceShort.value,
    questions: questions.value ?? [],
    reviewed,
    reviewedBy: reviewedBy.value,
    body: fm.body.trim(),
    file: path.join('entries', fileName),
  };
  return { raw, text };
}

/** Load and validate one pack folder. Never throws for content problems: they come back as issues. */
export async function loadPack(dir: string): Promise<PackLoadResult> {
  const issues: PackIssue[] = [];
  const st = await stat(dir).catch(() => undefined);
  if (!st?.isDirectory()) {
    issues.push({
      file: dir,
      line: 1,
      severity: 'error',
      message: 'not a folder (expected a pack with pack.yaml and entries/)',
    });
    return { issues };
  }
  const { manifest, text: manifestText } = await readManifest(dir, issues);
  const hash = createHash('sha256');
  hash.update(`pack.yaml\0${manifestText ?? ''}\0`);

  const entriesDir = path.join(dir, 'entries');
  let files: string[] = [];
  try {
    files = (await readdir(entriesDir, { withFileTypes: true }))
      .filter((d) => d.isFile())
      .map((d) => d.name)
      .sort();
  } catch {
    issues.push({
      file: entriesDir,
      line: 1,
      severity: 'error',
      message: 'missing entries/ folder (entries are entries/<entry-id>.<lang>.md)',
    });
  }
  const entries: PackEntry[] = [];
  const byKey = new Map<string, string>();
  const topicOf = new Map<string, { topic: string; file: string }>();
  for (const name of files) {
    const full = path.join(entriesDir, name);
    if (!name.endsWith('.md')) {
      if (!name.startsWith('.'))
        issues.push({ file: full, line: 1, severity: 'warning', message: 'not a Markdown entry (ignored)' });
      continue;
    }
    if (!ENTRY_FILE.test(name)) {
      issues.push({
        file: full,
        line: 1,
        severity: 'error',
        message: 'entry files must be named <entry-id>.<lang>.md, e.g. maize-spacing.en.md',
      });
      continue;
    }
    const { raw, text } = await readEntry(dir, name, manifest, issues);
    hash.update(`${name}\0${text}\0`);
    if (raw.id !== undefined && raw.lang !== undefined) {
      const key = `${raw.id}.${raw.lang}`;
      const first = byKey.get(key);
      if (first)
        issues.push({
          file: full,
          line: raw.idLine,
          severity: 'error',
          message: `duplicate entry id "${raw.id}" in "${raw.lang}" (also in ${first})`,
        });
      else byKey.set(key, full);
    }
    if (raw.id !== undefined && raw.topic !== undefined) {
      const other = topicOf.get(raw.id);
      if (other && other.topic !== raw.topic) {
        issues.push({
          file: full,
          line: raw.topicLine,
          severity: 'error',
          message: `topic "${raw.topic}" differs from "${other.topic}" in ${other.file}; translations of an entry share one topic`,
        });
      } else if (!other) topicOf.set(raw.id, { topic: raw.topic, file: full });
    }
    if (raw.entry) entries.push(raw.entry);
  }
  if (files.length > 0 && entries.length === 0 && !issues.some((i) => i.severity === 'error')) {
    issues.push({
      file: entriesDir,
      line: 1,
      severity: 'error',
      message: 'no entries: add entries/<entry-id>.<lang>.md files',
    });
  } else if (files.length === 0 && issues.every((i) => i.file !== entriesDir)) {
    issues.push({
      file: entriesDir,
      line: 1,
      severity: 'error',
      message: 'no entries: add entries/<entry-id>.<lang>.md files',
    });
  }

  if (manifest) {
    const langsById = new Map<string, Set<string>>();
    for (const e of entries) {
      e.pack = manifest.id;
      (langsById.get(e.id) ?? langsById.set(e.id, new Set()).get(e.id)!).add(e.lang);
    }
    for (const [id, langs] of langsById) {
      if (!langs.has(manifest.defaultLanguage)) {
        const any = entries.find((e) => e.id === id)!;
        issues.push({
          file: path.join(dir, any.file),
          line: 1,
          severity: 'warning',
          message: `entry "${id}" has no ${manifest.defaultLanguage} (default language) version; users of other languages get ${[...langs].join('/')}`,
        });
      }
    }
    // Once per pack, not once per file: an unreviewed sample pack is the normal state of a draft.
    const unreviewed = entries.filter((e) => !e.reviewed || !e.reviewedBy);
    if (unreviewed.length > 0) {
      issues.push({
        file: path.join(dir, 'pack.yaml'),
        line: 1,
        severity: 'warning',
        message: `${unreviewed.length} of ${entries.length} entry files have no expert review ("reviewed" date and "reviewed_by"); have a domain expert check them before launch`,
      });
    }
    if (Object.keys(manifest.topicTitles).length > 0) {
      const topics = new Set(entries.map((e) => e.topic));
      for (const t of topics) {
        if (!manifest.topicTitles[t]) {
          const e = entries.find((x) => x.topic === t)!;
          issues.push({
            file: path.join(dir, e.file),
            line: 1,
            severity: 'warning',
            message: `topic "${t}" has no label in pack.yaml topic_titles`,
          });
        }
      }
    }
  }

  if (!manifest || issues.some((i) => i.severity === 'error')) return { issues };
  return { pack: { dir, manifest, entries, contentHash: hash.digest('hex') }, issues };
}

/**
 * A packs path is either one pack (has pack.yaml) or a folder of packs (PACKS_DIR=packs).
 * Returns the pack folders it names, sorted.
 */
export async function findPackDirs(root: string): Promise<string[]> {
  const st = await stat(root).catch(() => undefined);
  if (!st?.isDirectory()) return [];
  if (await stat(path.join(root, 'pack.yaml')).catch(() => undefined)) return [root];
  const out: string[] = [];
  for (const d of await readdir(root, { withFileTypes: true })) {
    if (!d.isDirectory() || d.name.startsWith('.')) continue;
    const sub = path.join(root, d.name);
    if (await stat(path.join(sub, 'pack.yaml')).catch(() => undefined)) out.push(sub);
  }
  return out.sort();
}
