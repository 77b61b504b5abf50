/** A knowledge pack as loaded from `pack.yaml` and `entries/<entry-id>.<lang>.md` (format in README.md, "Knowledge packs"). */
export interface PackManifest {
  /** Authoritative id (not the folder name). */
  id: string;
  title: string;
  version: string;
  license: string;
  languages: string[];
  defaultLanguage: string;
  /** Per language, groups of words that mean the same (noisy spellings, local terms, code-mixing). */
  synonyms: Record<string, string[][]>;
  /** Extension: menu label per topic and language. */
  topicTitles: Record<string, Record<string, string>>;
  /** Extension: the pack's short menu label per language (`menu_title`); menus fall back to `title`. */
  menuTitle: Record<string, string>;
}

export interface PackEntry {
  pack: string;
  id: string;
  lang: string;
  title: string;
  topic: string;
  tags: string[];
  summary?: string;
  source: string;
  /** Optional extension: a short citation tag for SMS/USSD ("FAO"); derived from `source` when absent. */
  sourceShort?: string;
  /** Example questions as users ask them, in the entry's language (strong evidence for retrieval). */
  questions: string[];
  /** Date of the last expert review (ISO), and who did it. */
  reviewed?: string;
  reviewedBy?: string;
  body: string;
  /** Path relative to the pack folder, for messages. */
  file: string;
}

export interface LoadedPack {
  dir: string;
  manifest: PackManifest;
  entries: PackEntry[];
  /** sha256 over pack.yaml and every entry file: the index key together with the pack id. */
  contentHash: string;
}

type IssueSeverity = 'error' | 'warning';

export interface PackIssue {
  /** Path as given to the validator (pack dir joined with the file). */
  file: string;
  /** 1-based line of the offending key (or of the file's start when no better line is known). */
  line: number;
  severity: IssueSeverity;
  message: string;
}

export interface PackLoadResult {
  /** Present when the pack has no errors (warnings allowed). */
  pack?: LoadedPack;
  issues: PackIssue[];
}

/** `file:line: message` — warnings say so, errors do not need to. */
export function formatIssue(issue: PackIssue): string {
  return `${issue.file}:${issue.line}: ${issue.severity === 'warning' ? 'warning: ' : ''}${issue.message}`;
}
