import pino, { type Logger } from 'pino';
import { type Config, ConfigError, loadConfig } from '../../platform/config/index.js';
import { createLogger, pseudonymiser } from '../../platform/log/index.js';

/** A failure the user can fix: printed as one line, exit code 1 (or 2 for usage). */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export function cliConfig(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(`configuration: ${err.message}`, 2);
    throw err;
  }
}

/** Logs go to stderr (stdout carries answers and JSON), warnings and worse unless --verbose. */
export function cliLogger(config: Config, verbose = false): Logger {
  return createLogger(
    { level: verbose ? 'info' : 'warn', pseudonym: pseudonymiser(config.piiSalt), name: 'baraza-cli' },
    pino.destination(2),
  );
}

/** Run a command action, turning CliError into a message and an exit code. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      if (err instanceof CliError) {
        process.stderr.write(`baraza: ${err.message}\n`);
        process.exitCode = err.exitCode;
        return;
      }
      throw err;
    }
  };
}
