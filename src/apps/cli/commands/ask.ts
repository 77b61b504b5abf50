import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { type Command, Option } from 'commander';
import type { Channel } from '../../../core/messages/index.js';
import { type AnswerResult, type BarazaAnswerer, createAnswerer } from '../../../knowledge/answer/index.js';
import { findPackDirs } from '../../../knowledge/packs/load.js';
import { action, CliError, cliConfig, cliLogger } from '../context.js';

export const examples = [
  'baraza ask "how far apart should I plant maize?"',
  'baraza ask --pack packs/financial-literacy --lang sw --channel ussd --json "pin yangu ya mpesa"',
  'baraza ask --json - < questions.txt',
];

interface AskOptions {
  pack: string[];
  lang?: string;
  channel: Channel;
  json?: boolean;
  verbose?: boolean;
}

/** The JSON README documents for `ask --json`, exactly these keys (`choices` only when the user is asked to pick). */
export function answerJson(r: AnswerResult): Record<string, unknown> {
  return {
    answer: r.answer,
    lang: r.lang,
    citations: r.citations.map((c) => ({ pack: c.pack, entry: c.entry, title: c.title, source: c.source })),
    ...(r.choices?.length ? { choices: r.choices.map((c) => ({ pack: c.pack, entry: c.entry, title: c.title })) } : {}),
    confidence: r.confidence,
    ...(r.segments !== undefined ? { segments: r.segments } : {}),
    ...(r.encoding !== undefined ? { encoding: r.encoding } : {}),
  };
}

function human(r: AnswerResult, channel: Channel): string {
  const facts = [`confidence ${r.confidence.toFixed(2)}`, `lang ${r.lang}`];
  if (r.segments !== undefined) facts.push(`${r.segments} SMS segment${r.segments === 1 ? '' : 's'}, ${r.encoding}`);
  else facts.push(`${r.answer.length} characters (${channel})`);
  const cites = r.citations.length
    ? r.citations.map((c, i) => `  [${i + 1}] ${c.pack}/${c.entry}: ${c.title} (${c.source})`).join('\n')
    : r.choices?.length
      ? `  (choices offered: ${r.choices.map((c) => `${c.pack}/${c.entry}`).join(', ')}; recorded as a knowledge gap by workers)`
      : '  (no answer found: recorded as a knowledge gap by workers)';
  return `${r.answer}\n\n${cites}\n  ${facts.join(' · ')}\n`;
}

async function checkPackDirs(dirs: string[]): Promise<void> {
  for (const dir of dirs) {
    const st = await stat(dir).catch(() => undefined);
    if (!st) throw new CliError(`--pack ${dir}: folder not found`, 2);
    if (!st.isDirectory())
      throw new CliError(`--pack ${dir}: not a folder (expected a pack with pack.yaml and entries/)`, 2);
    if ((await findPackDirs(dir)).length === 0)
      throw new CliError(`--pack ${dir}: no pack.yaml in it (nor in its sub-folders)`, 2);
  }
}

async function openAnswerer(opts: AskOptions): Promise<BarazaAnswerer> {
  const config = cliConfig();
  if (opts.pack.length > 0) await checkPackDirs(opts.pack);
  if (opts.lang !== undefined && !/^[a-z]{2,3}$/.test(opts.lang)) {
    throw new CliError(`--lang ${opts.lang}: expected an ISO 639 code such as en, sw or fr`, 2);
  }
  const answerer = await createAnswerer({
    config,
    log: cliLogger(config, opts.verbose),
    packs: opts.pack.length > 0 ? opts.pack : undefined,
    watch: false,
  });
  const status = answerer.status();
  if (!status.ok) {
    await answerer.close();
    throw new CliError(`no knowledge pack could be loaded: ${status.lastError ?? 'none found'}`);
  }
  if (status.lastError) process.stderr.write(`baraza: warning: ${status.lastError}\n`);
  return answerer;
}

export function register(program: Command): void {
  program
    .command('ask')
    .description(
      'answer a question from the terminal exactly as a worker would ("-" reads one question per line from stdin)',
    )
    .argument('<question...>', 'the question (quote it), or - to read questions from standard input')
    .option(
      '--pack <dir>',
      'pack folder to answer from (repeatable; replaces PACKS_DIR)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option('--lang <code>', "the user's language (a saved preference: detection wins on clear text)")
    .addOption(
      new Option('--channel <channel>', 'fit the answer to this channel')
        .choices(['ussd', 'sms', 'whatsapp'])
        .default('sms'),
    )
    .option('--json', 'print { answer, lang, citations, choices?, confidence, segments?, encoding? }')
    .option('--verbose', 'log pack loading to stderr')
    .addHelpText(
      'after',
      '\nExamples:\n  $ baraza ask "hw to plant maize 2day"\n  $ baraza ask --pack packs/financial-literacy --lang sw --channel ussd --json "pin yangu"\n  $ baraza ask --json - < questions.txt\n',
    )
    .action(
      action(async (words: string[], opts: AskOptions) => {
        const question = words.join(' ').trim();
        if (question === '') throw new CliError('the question is empty', 2);
        const answerer = await openAnswerer(opts);
        try {
          if (question === '-') {
            const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
            for await (const line of lines) {
              if (line.trim() === '') continue;
              const r = await answerer.answer({ question: line, channel: opts.channel, lang: opts.lang });
              process.stdout.write(`${JSON.stringify(answerJson(r))}\n`);
            }
            return;
          }
          const r = await answerer.answer({ question, channel: opts.channel, lang: opts.lang });
          process.stdout.write(opts.json ? `${JSON.stringify(answerJson(r))}\n` : human(r, opts.channel));
        } finally {
          await answerer.close();
        }
      }),
    );
}
