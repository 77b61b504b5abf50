import { Command, CommanderError } from 'commander';
import { COMMAND_MODULES } from './commands/index.js';

/** Examples for commands whose module does not export its own (shown by `baraza --help`). */
const DEFAULT_EXAMPLES: Record<string, readonly string[]> = {
  models: ['baraza models pull Xenova/multilingual-e5-small', 'baraza models list'],
  gaps: ['baraza gaps --lang sw'],
  sim: ['baraza sim ussd "*384*12#"'],
};

/** Usage errors (unknown option, bad choice, missing argument) exit 2; failures of the work itself exit 1. */
const EXIT_USAGE = 2;

async function buildProgram(): Promise<Command> {
  const program = new Command()
    .name('baraza')
    .description('Baraza: answers from knowledge packs over USSD, SMS and WhatsApp')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const examples: string[] = [];
  for (const load of COMMAND_MODULES) {
    const mod = await load();
    const before = new Set(program.commands.map((c) => c.name()));
    mod.register(program);
    for (const cmd of program.commands) {
      if (before.has(cmd.name())) continue;
      cmd.exitOverride();
      for (const sub of cmd.commands) sub.exitOverride();
      const list = mod.examples ?? DEFAULT_EXAMPLES[cmd.name()] ?? [];
      for (const e of list) examples.push(`  $ ${e}`);
    }
  }
  program.addHelpText('after', `\nExamples:\n${examples.join('\n')}\n`);
  return program;
}

/** Runs the CLI; returns the exit code (never throws for usage errors). */
export async function runCli(argv: string[]): Promise<number> {
  const program = await buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help')
        return 0;
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    process.stderr.write(`baraza: ${(err as Error).message}\n`);
    return 1;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}
