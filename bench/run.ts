/**
 * `npm run bench`: runs each benchmark module in turn (or those named on the command line), prints its table
 * and verdicts, and writes bench/results/<name>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BenchModule, BenchResult } from './types.js';

const MODULES: Record<string, () => Promise<BenchModule>> = {
  retrieval: () => import('./retrieval.js'),
  ussd: () => import('./ussd.js'),
  throughput: () => import('./throughput.js'),
  memory: () => import('./memory.js'),
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const names = wanted.length ? wanted : Object.keys(MODULES);
  const outDir = path.resolve('bench/results');
  mkdirSync(outDir, { recursive: true });
  let missed = 0;
  const failed: string[] = [];
  for (const name of names) {
    const load = MODULES[name];
    if (!load) {
      process.stderr.write(`bench: unknown benchmark "${name}" (have: ${Object.keys(MODULES).join(', ')})\n`);
      process.exitCode = 2;
      continue;
    }
    process.stdout.write(`\n== ${name} ==\n`);
    let mod: BenchModule;
    try {
      mod = await load();
    } catch (err) {
      process.stdout.write(`(not available: ${(err as Error).message})\n`);
      continue;
    }
    let result: BenchResult;
    try {
      result = await mod.run();
    } catch (err) {
      // One broken benchmark (no Redis, a port taken) must not hide the others' results.
      failed.push(name);
      process.stdout.write(`FAILED  ${name}: ${(err as Error).stack ?? String(err)}\n`);
      continue;
    }
    console.table(result.table);
    for (const v of result.verdicts ?? []) {
      if (!v.met) missed++;
      process.stdout.write(`${v.met ? 'MET ' : 'MISS'}  ${v.target}: ${v.detail}\n`);
    }
    writeFileSync(path.join(outDir, `${result.name}.json`), `${JSON.stringify(result.json, null, 2)}\n`);
  }
  process.stdout.write(`\n${missed === 0 ? 'all targets met' : `${missed} target(s) missed (see above)`}\n`);
  if (failed.length > 0) process.stdout.write(`benchmark(s) that failed to run: ${failed.join(', ')}\n`);
  process.exit(failed.length > 0 ? 1 : 0);
}

void main();
