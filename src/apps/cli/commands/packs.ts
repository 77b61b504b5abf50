import path from 'node:path';
import { performance } from 'node:perf_hooks';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { calibratePack, describeCalibration } from '../../../knowledge/answer/calibration.js';
import { embedderId, loadEmbedderIfAvailable } from '../../../knowledge/answer/dense.js';
import { buildPackDocs } from '../../../knowledge/answer/engine.js';
import { serialisePackIndex, writePackIndex } from '../../../knowledge/answer/index-store.js';
import { findPackDirs, loadPack } from '../../../knowledge/packs/load.js';
import { formatIssue, type LoadedPack, type PackIssue } from '../../../knowledge/packs/types.js';
import { action, CliError, cliConfig, cliLogger } from '../context.js';
import { registerLearn } from './learn.js';

export const examples = ['baraza packs validate packs/agri-advisory', 'baraza packs build packs/*'];

/** A path names one pack or a folder of packs; say clearly when it is neither. */
async function packDirsOf(dir: string): Promise<string[]> {
  const dirs = await findPackDirs(dir);
  if (dirs.length > 0) return dirs;
  return [dir];
}

function plural(n: number, word: string): string {
  if (n === 1) return `${n} ${word}`;
  return `${n} ${word.endsWith('y') ? `${word.slice(0, -1)}ies` : `${word}s`}`;
}

/** A path relative to the working folder when it is inside it, else absolute. */
function shown(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

export async function validateCommand(dirs: string[], out = process.stdout, err = process.stderr): Promise<number> {
  let failed = 0;
  for (const root of dirs) {
    for (const dir of await packDirsOf(root)) {
      const result = await loadPack(dir);
      const errors = result.issues.filter((i) => i.severity === 'error');
      const warnings = result.issues.filter((i) => i.severity === 'warning');
      for (const issue of [...errors, ...warnings].sort(byPlace)) out.write(`${formatIssue(issue)}\n`);
      if (result.pack) {
        const m = result.pack.manifest;
        const ids = new Set(result.pack.entries.map((e) => e.id)).size;
        out.write(
          `OK ${dir}: ${m.id}@${m.version}, ${plural(ids, 'entry')} (${result.pack.entries.length} files) in ${m.languages.join(', ')}` +
            `${warnings.length ? `, ${plural(warnings.length, 'warning')}` : ''}\n`,
        );
      } else {
        failed++;
        err.write(
          `FAILED ${dir}: ${plural(errors.length, 'error')}${warnings.length ? `, ${plural(warnings.length, 'warning')}` : ''}\n`,
        );
      }
    }
  }
  return failed > 0 ? 1 : 0;
}

function byPlace(a: PackIssue, b: PackIssue): number {
  return a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1;
}

export function register(program: Command): void {
  const packs = program.command('packs').description('check and index knowledge packs');
  registerLearn(packs);

  packs
    .command('validate')
    .description('check packs; every problem as file:line: message, exit 1 if any error')
    .argument('<dir...>', 'pack folder(s), or folder(s) of packs')
    .addHelpText('after', '\nExample:\n  $ baraza packs validate packs/agri-advisory\n')
    .action(
      action(async (dirs: string[]) => {
        process.exitCode = await validateCommand(dirs);
      }),
    );

  packs
    .command('build')
    .description('build the retrieval index of packs into INDEX_DIR (keyed by pack id and content hash)')
    .argument('[dir...]', 'pack folder(s), or folder(s) of packs (default PACKS_DIR)')
    .option('--index-dir <dir>', 'where to write the index (default INDEX_DIR, .baraza/index)')
    .option('--verbose', 'log model loading and details to stderr')
    .addHelpText('after', '\nExample:\n  $ baraza packs build packs/agri-advisory packs/financial-literacy\n')
    .action(
      action(async (dirs: string[], opts: { indexDir?: string; verbose?: boolean }) => {
        const config = cliConfig();
        const log = cliLogger(config, opts.verbose);
        const indexDir = path.resolve(opts.indexDir ?? config.indexDir);
        const roots = dirs.length > 0 ? dirs : config.packsDirs;
        const valid: LoadedPack[] = [];
        let failed = 0;
        for (const root of roots) {
          for (const dir of await packDirsOf(root)) {
            const result = await loadPack(dir);
            if (!result.pack) {
              failed++;
              for (const issue of result.issues.filter((i) => i.severity === 'error'))
                process.stderr.write(`${formatIssue(issue)}\n`);
              process.stderr.write(`FAILED ${dir}: not built (fix the errors above; baraza packs validate ${dir})\n`);
              continue;
            }
            valid.push(result.pack);
          }
        }
        const embedder = await loadEmbedderIfAvailable(config, log);
        const model = embedder ? embedderId(embedder, config) : undefined;
        const total = valid.reduce((n, p) => n + p.entries.length * (embedder ? 2 : 1), 0);
        const tty = process.stderr.isTTY === true;
        const bar = tty
          ? new cliProgress.SingleBar(
              {
                format: ' {bar} {percentage}% | {value}/{total} | {pack} {phase}',
                stream: process.stderr,
                hideCursor: true,
              },
              cliProgress.Presets.shades_classic,
            )
          : undefined;
        bar?.start(total, 0, { pack: '', phase: '' });
        let base = 0;
        const done: string[] = [];
        for (const pack of valid) {
          const started = performance.now();
          const id = pack.manifest.id;
          if (!tty)
            process.stderr.write(
              `building ${id}@${pack.manifest.version}: ${plural(pack.entries.length, 'file')}${embedder ? ` with ${model}` : ''}\n`,
            );
          const docs = await buildPackDocs(pack, {
            embedder,
            onAnalyse: (done) => bar?.update(base + done, { pack: id, phase: 'analysing' }),
            onEmbed: (done, all) => {
              bar?.update(base + pack.entries.length + done, { pack: id, phase: 'embedding' });
              if (!tty) process.stderr.write(`  embedded ${done}/${all}\n`);
            },
          });
          base += pack.entries.length * (embedder ? 2 : 1);
          bar?.update(base, { pack: id, phase: 'calibrating' });
          // Confidence thresholds from the pack itself: its pseudo-questions against the off-topic probes.
          const calibration = await calibratePack(pack, docs);
          bar?.update(base, { pack: id, phase: 'writing' });
          const file = await writePackIndex(indexDir, serialisePackIndex(pack, docs, model, calibration));
          const ms = Math.round(performance.now() - started);
          const line =
            `built ${id}@${pack.manifest.version}: ${plural(docs.length, 'document')}, ${embedder ? `dense (${model})` : 'lexical'} → ${shown(file)} in ${ms} ms\n` +
            `  calibration ${describeCalibration(calibration)}\n`;
          if (tty) done.push(line);
          else process.stdout.write(line);
        }
        bar?.stop();
        for (const line of done) process.stdout.write(line);
        await embedder?.close?.();
        if (valid.length === 0 && failed === 0) throw new CliError(`no packs found in ${roots.join(', ')}`);
        process.exitCode = failed > 0 ? 1 : 0;
      }),
    );
}
