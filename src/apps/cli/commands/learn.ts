/**
 * `baraza packs learn export <dir>`: approved examples learned from users' picks (src/platform/learned.ts) go into
 * the `questions` of their entries' files, in the language they were asked in, then are marked exported. The front
 * matter is edited with the `yaml` package's Document API, so comments, order and quoting of the rest stay as the
 * editors wrote them; the body is not touched.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { isSeq, parseDocument } from 'yaml';
import { findPackDirs, loadPack } from '../../../knowledge/packs/load.js';
import { formatIssue, type LoadedPack } from '../../../knowledge/packs/types.js';
import { type LearnedExample, listLearned, markExported, normaliseQuestion } from '../../../platform/learned.js';
import { type KeyValueStore, RedisStore } from '../../../platform/store/index.js';
import { action, CliError, cliConfig } from '../context.js';
import { waitForRedis } from './gaps.js';

export interface ExportReport {
  /** Files written, relative to the working folder when inside it. */
  files: string[];
  written: number;
  /** Already in the entry's questions: marked exported without a change. */
  present: number;
  skipped: { example: LearnedExample; reason: string }[];
}

/** `---\n<yaml>\n---\n<body>` → its parts (the body exactly as it was), or undefined. */
function splitFile(text: string): { yaml: string; rest: string; eol: string } | undefined {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const m = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n(---|\.\.\.)(\r?\n|$)([\s\S]*)$/.exec(text);
  if (!m) return undefined;
  return { yaml: `${m[1]!}${eol}`, rest: `${m[2]!}${m[3]!}${m[4]!}`, eol };
}

/** Adds `questions` to one entry file's front matter; returns how many were new. */
async function addQuestions(file: string, questions: string[]): Promise<number> {
  const text = await readFile(file, 'utf8');
  const parts = splitFile(text);
  if (!parts) throw new CliError(`${file}: no front matter to write questions into`);
  const doc = parseDocument(parts.yaml);
  if (doc.errors.length > 0) throw new CliError(`${file}: front matter does not parse: ${doc.errors[0]!.message}`);
  const existing = doc.get('questions');
  const seen = new Set<string>();
  if (isSeq(existing))
    for (const q of existing.items) seen.add(normaliseQuestion(String((q as { value?: unknown }).value ?? q)));
  const fresh = questions.filter((q) => {
    const n = normaliseQuestion(q);
    if (seen.has(n)) return false;
    seen.add(n);
    return true;
  });
  if (fresh.length === 0) return 0;
  if (isSeq(existing)) for (const q of fresh) existing.add(doc.createNode(q));
  else doc.set('questions', doc.createNode(fresh));
  const yaml = doc.toString({ lineWidth: 0, flowCollectionPadding: false }).replace(/\n/g, parts.eol);
  await writeFile(file, `---${parts.eol}${yaml}${parts.rest}`);
  return fresh.length;
}

const shown = (file: string) => {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
};

/** Writes the approved examples of the packs under `dir` into their files and marks them exported. */
export async function exportLearned(store: KeyValueStore, dir: string): Promise<ExportReport> {
  const packs = new Map<string, LoadedPack>();
  const dirs = await findPackDirs(dir);
  for (const d of dirs.length > 0 ? dirs : [dir]) {
    const result = await loadPack(d);
    if (!result.pack) {
      const errors = result.issues.filter((i) => i.severity === 'error').map(formatIssue);
      throw new CliError(`${d} is not a valid pack; fix it first:\n${errors.join('\n')}`);
    }
    packs.set(result.pack.manifest.id, result.pack);
  }
  const report: ExportReport = { files: [], written: 0, present: 0, skipped: [] };
  const byFile = new Map<string, LearnedExample[]>();
  for (const ex of await listLearned(store, 'approved')) {
    const pack = packs.get(ex.pack);
    if (!pack) continue; // another pack's example: left for its own export
    const versions = pack.entries.filter((e) => e.id === ex.entry);
    if (versions.length === 0) {
      report.skipped.push({ example: ex, reason: `no entry ${ex.entry} in pack ${ex.pack}` });
      continue;
    }
    const target = versions.find((e) => e.lang === ex.lang);
    if (!target) {
      report.skipped.push({
        example: ex,
        reason: `entry ${ex.pack}/${ex.entry} has no ${ex.lang} version (questions stay in their own language)`,
      });
      continue;
    }
    const file = path.join(pack.dir, target.file);
    byFile.set(file, [...(byFile.get(file) ?? []), ex]);
  }
  for (const [file, examples] of byFile) {
    const added = await addQuestions(
      file,
      examples.map((x) => x.question),
    );
    if (added > 0) report.files.push(shown(file));
    report.written += added;
    report.present += examples.length - added;
    await markExported(
      store,
      examples.map((x) => x.id),
    );
  }
  return report;
}

export function registerLearn(packs: Command): void {
  packs
    .command('learn')
    .description("examples learned from users' picks, approved in /admin/gaps")
    .command('export')
    .description(
      "write approved examples into their entries' questions (in the example's language), then mark them exported",
    )
    .argument('<dir>', 'pack folder, or folder of packs')
    .option('--prefix <prefix>', 'Redis key prefix of the deployment (default: REDIS_PREFIX)')
    .addHelpText('after', '\nExample:\n  $ baraza packs learn export packs\n')
    .action(
      action(async (dir: string, opts: { prefix?: string }) => {
        const config = cliConfig();
        if (!config.redisUrl) {
          throw new CliError(
            'REDIS_URL is not set: learned examples live in the Redis store the gateway and workers use (the embedded store lives inside the running process).',
          );
        }
        const store = new RedisStore(config.redisUrl, opts.prefix ?? config.redisPrefix);
        try {
          await waitForRedis(store).catch((err: Error) => {
            throw new CliError(err.message);
          });
          const r = await exportLearned(store, dir);
          process.stdout.write(
            `${r.written} example question(s) written into ${r.files.length} file(s)${r.present ? `, ${r.present} already there` : ''}\n`,
          );
          for (const f of r.files) process.stdout.write(`  ${f}\n`);
          for (const s of r.skipped) process.stdout.write(`skipped "${s.example.question}": ${s.reason}\n`);
        } finally {
          await store.close();
        }
      }),
    );
}
