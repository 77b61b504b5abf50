import type { Command } from 'commander';

/** A `baraza` sub-command: registers itself on the program; `examples` are listed by `baraza --help`. */
export interface CommandModule {
  register(program: Command): void;
  examples?: readonly string[];
}

/** Every sub-command, in help order. Adding one is one line here plus its file in this folder. */
export const COMMAND_MODULES: Array<() => Promise<CommandModule>> = [
  () => import('./packs.js'),
  () => import('./ask.js'),
  () => import('./models.js'),
  () => import('./gaps.js'),
  () => import('./sim.js'),
];
