/**
 * docs/SECURITY.md maps every finding of issue 14 to the tests that hold it: every finding 1-13 has a row, and
 * every row names a test file that exists and a test name written in it, so the table cannot drift from the suite.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';

const ROOT = path.resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../..');
const doc = readFileSync(path.join(ROOT, 'docs/SECURITY.md'), 'utf8');

interface Row {
  finding: number;
  file: string;
  test: string;
}

const rows: Row[] = [];
for (const line of doc.split('\n')) {
  const m = /^\|\s*(\d+)\s*\|[^|]*\|\s*`([^`]+)`\s*\|\s*(.+?)\s*\|$/.exec(line);
  if (m) rows.push({ finding: Number(m[1]), file: m[2]!, test: m[3]! });
}

describe('docs/SECURITY.md: findings of issue 14 and their tests', () => {
  it('has at least one test for every finding, 1 to 13', () => {
    const covered = new Set(rows.map((r) => r.finding));
    expect([...Array(13).keys()].map((i) => i + 1).filter((n) => !covered.has(n))).toEqual([]);
  });

  it.each(rows.map((r) => [r.finding, r.file, r.test] as const))('finding %i: %s has "%s"', (_n, file, test) => {
    const full = path.join(ROOT, file);
    expect({ file, exists: existsSync(full) }).toEqual({ file, exists: true });
    const source = readFileSync(full, 'utf8');
    // The name as written in an it(...) or it.each(...)(...) call, in single or double quotes or backticks.
    const quoted = [`'${test}'`, `"${test}"`, `\`${test}\``].some((q) => source.includes(q));
    expect({ test, written: quoted }).toEqual({ test, written: true });
  });
});
