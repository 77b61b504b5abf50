import { readFileSync } from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import {
  findRecipe,
  listInstalled,
  MODEL_RECIPES,
  ModelPullError,
  type PullResult,
  parseManifest,
  parseShaOptions,
  pullModel,
} from '../../../knowledge/models/index.js';
import { action, CliError, cliConfig } from '../context.js';

export const examples = [
  'baraza models pull Xenova/multilingual-e5-small',
  'baraza models pull Xenova/nllb-200-distilled-600M --revision <commit> --manifest nllb.sha256',
  'baraza models list',
] as const;

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = -1;
  do {
    v /= 1024;
    i++;
  } while (v >= 1024 && i < units.length - 1);
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

const collect = (value: string, previous: string[]) => [...previous, value];

interface PullFlags {
  sha256: string[];
  manifest?: string;
  revision?: string;
  host?: string;
}

/** A bar per file on a terminal; one line per file otherwise (logs, CI). */
function progressReporter(out: NodeJS.WriteStream) {
  if (!out.isTTY) {
    return {
      onFileStart: () => undefined,
      onProgress: () => undefined,
      stop: () => undefined,
    };
  }
  const bars = new cliProgress.MultiBar(
    {
      format: ' {bar} {percentage}% | {file} | {done}/{size}',
      hideCursor: true,
      clearOnComplete: false,
      stream: out,
    },
    cliProgress.Presets.shades_classic,
  );
  let bar: cliProgress.SingleBar | undefined;
  let lastTotal = 0;
  return {
    onFileStart: (p: { file: string; received: number; total?: number }) => {
      lastTotal = p.total ?? 0;
      bar = bars.create(lastTotal || 1, p.received, {
        file: p.file,
        done: formatBytes(p.received),
        size: p.total ? formatBytes(p.total) : '?',
      });
    },
    onProgress: (p: { received: number; total?: number }) => {
      bar?.update(lastTotal ? p.received : 0, { done: formatBytes(p.received) });
    },
    stop: () => bars.stop(),
  };
}

export function summarisePull(result: PullResult): string {
  const lines = result.files.map((f) => {
    const check = `sha256 ok (${f.verifiedBy === 'recipe' ? 'pinned in the recipe' : 'given'})`;
    return `  ${f.skipped ? 'kept  ' : 'pulled'} ${f.file}  ${formatBytes(f.bytes)}  ${check}`;
  });
  const total = result.files.reduce((s, f) => s + f.bytes, 0);
  return [`${result.modelId} -> ${result.dir} (${formatBytes(total)})`, ...lines].join('\n');
}

export function register(program: Command): void {
  const models = program
    .command('models')
    .description('manage compact models in MODELS_DIR (the gateway and workers never download)');

  models
    .command('pull')
    .description('fetch a supported model once from MODELS_REMOTE_HOST into MODELS_DIR')
    .argument(
      '<model-id>',
      `one of: ${MODEL_RECIPES.filter((r) => !r.fixture)
        .map((r) => r.id)
        .join(', ')}`,
    )
    .option(
      '--sha256 <file=hash>',
      'expected SHA-256 of a file (repeatable); checked before the file is kept',
      collect,
      [],
    )
    .option('--manifest <path>', 'file of expected SHA-256s: JSON {"file": "hash"} or sha256sum lines')
    .option(
      '--revision <commit>',
      "hub commit (40 hex digits; default: the recipe's pinned commit); another commit needs a SHA-256 for every file",
    )
    .option('--host <url>', 'remote host for this run (default MODELS_REMOTE_HOST)')
    .addHelpText('after', `\nExample:\n  $ ${examples[0]}\n`)
    .action(
      action(async (modelId: string, flags: PullFlags) => {
        const config = cliConfig();
        let sha256: Record<string, string>;
        try {
          sha256 = {
            ...(flags.manifest ? parseManifest(readManifest(flags.manifest)) : {}),
            ...parseShaOptions(flags.sha256),
          };
        } catch (err) {
          throw new CliError((err as Error).message, 2);
        }
        const progress = progressReporter(process.stderr);
        const remoteHost = flags.host ?? config.modelsRemoteHost;
        try {
          const result = await pullModel({
            modelId,
            modelsDir: config.modelsDir,
            remoteHost,
            allowedHosts: config.modelsAllowedHosts,
            revision: flags.revision,
            sha256,
            onFileStart: progress.onFileStart,
            onProgress: progress.onProgress,
          });
          progress.stop();
          process.stdout.write(`${summarisePull(result)}\n`);
        } catch (err) {
          progress.stop();
          if (err instanceof ModelPullError) throw new CliError(err.message, err.kind === 'bad_input' ? 2 : 1);
          throw err;
        }
      }),
    );

  models
    .command('list')
    .description('list the models installed in MODELS_DIR, their size and whether Baraza supports them')
    .option('--json', 'print JSON')
    .addHelpText('after', `\nExample:\n  $ ${examples[2]}\n`)
    .action(
      action(async (flags: { json?: boolean }) => {
        const config = cliConfig();
        const installed = listInstalled(config.modelsDir);
        if (flags.json) {
          process.stdout.write(
            `${JSON.stringify(
              installed.map((m) => ({
                id: m.id,
                task: m.task ?? null,
                bytes: m.bytes,
                supported: m.supported,
                complete: m.complete,
                missing: m.missing,
              })),
            )}\n`,
          );
          return;
        }
        if (installed.length === 0) {
          process.stdout.write(
            `No models in ${path.resolve(config.modelsDir)}. Retrieval runs lexical-only.\n` +
              `Fetch one with: baraza models pull ${MODEL_RECIPES[0]!.id}\n`,
          );
          return;
        }
        const rows = installed.map((m) => {
          const status = !m.supported
            ? 'not supported'
            : m.complete
              ? 'ok'
              : `incomplete (missing ${m.missing.join(', ')})`;
          const fixture = findRecipe(m.id)?.fixture ? ' [test fixture]' : '';
          return [m.id, m.task ?? '-', formatBytes(m.bytes), status + fixture];
        });
        const head = ['model', 'task', 'size', 'status'];
        const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
        const line = (r: string[]) => r.map((c, i) => (i === 3 ? c : c.padEnd(widths[i]!))).join('  ');
        process.stdout.write(`${[line(head), ...rows.map(line)].join('\n')}\n`);
      }),
    );
}

function readManifest(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read manifest ${file}: ${(err as Error).message}`, 2);
  }
}
