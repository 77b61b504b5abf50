import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Command } from 'commander';
import { type FakeHub, startFakeHub } from '../../../../tests/support/fake-hub.js';
import { formatBytes, register } from './models.js';

const MODEL = 'baraza-fixtures/tiny-bert';

/** Runs `baraza models ...` in-process; returns what it printed and the exit code it set. */
async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const so = jest.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out.push(String(s));
    return true;
  });
  const se = jest.spyOn(process.stderr, 'write').mockImplementation((s) => {
    err.push(String(s));
    return true;
  });
  const program = new Command().exitOverride();
  register(program);
  try {
    await program.parseAsync(['node', 'baraza', 'models', ...args]);
  } finally {
    so.mockRestore();
    se.mockRestore();
  }
  const code = process.exitCode ?? 0;
  process.exitCode = undefined;
  return { out: out.join(''), err: err.join(''), code };
}

describe('baraza models', () => {
  let hub: FakeHub;
  let dir: string;
  const savedDir = process.env.MODELS_DIR;
  beforeAll(async () => {
    hub = await startFakeHub(MODEL);
    dir = mkdtempSync(path.join(os.tmpdir(), 'baraza-cli-models-'));
    process.env.MODELS_DIR = dir;
  });
  afterAll(async () => {
    process.env.MODELS_DIR = savedDir;
    if (savedDir === undefined) delete process.env.MODELS_DIR;
    rmSync(dir, { recursive: true, force: true });
    await hub.close();
  });
  afterEach(() => {
    process.exitCode = undefined;
  });

  it('list says when nothing is installed', async () => {
    const r = await run('list');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/No models in .*lexical-only/s);
  });

  it('pull fetches a model and list then shows it with its size and status', async () => {
    const pulled = await run('pull', MODEL, '--host', hub.url);
    expect(pulled.code).toBe(0);
    expect(pulled.out).toContain(`${MODEL} -> ${path.join(dir, 'baraza-fixtures', 'tiny-bert')}`);
    expect(pulled.out).toMatch(/pulled onnx\/model\.onnx .* sha256 ok \(pinned in the recipe\)/);
    expect(existsSync(path.join(dir, MODEL, 'onnx', 'model.onnx'))).toBe(true);

    const listed = await run('list', '--json');
    const rows = JSON.parse(listed.out) as { id: string; supported: boolean; complete: boolean; bytes: number }[];
    expect(rows).toEqual([expect.objectContaining({ id: MODEL, supported: true, complete: true })]);
    expect(rows[0]!.bytes).toBeGreaterThan(0);
    const table = await run('list');
    expect(table.out).toMatch(
      new RegExp(`${MODEL}\\s+embedding\\s+${formatBytes(rows[0]!.bytes).replace('.', '\\.')}\\s+ok`),
    );
  });

  it('finding 9: pull of a model with no pin in code exits 1 asking for a commit and checksums', async () => {
    const r = await run('pull', 'Xenova/multilingual-e5-small', '--host', hub.url);
    expect(r.code).toBe(1);
    expect(r.err).toContain('Xenova/multilingual-e5-small is not pinned in this version of Baraza');
  });

  it('finding 9: pull refuses a plain-http host that is not loopback, and a moving revision', async () => {
    const plain = await run('pull', MODEL, '--host', 'http://mirror.example.org');
    expect(plain.code).toBe(1);
    expect(plain.err).toMatch(/is not https/);
    const moving = await run('pull', MODEL, '--host', hub.url, '--revision', 'main');
    expect(moving.code).toBe(2);
    expect(moving.err).toMatch(/--revision must be a commit id/);
  });

  it('pull exits 2 when a checksum the operator gave disagrees with the pinned one', async () => {
    const r = await run('pull', MODEL, '--host', hub.url, '--sha256', `tokenizer_config.json=${'0'.repeat(64)}`);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--sha256 for tokenizer_config\.json disagrees with the SHA-256 pinned/);
  });

  it('pull refuses an unsupported id and a malformed --sha256', async () => {
    expect((await run('pull', 'acme/unknown', '--host', hub.url)).err).toMatch(/unsupported model "acme\/unknown"/);
    const bad = await run('pull', MODEL, '--host', hub.url, '--sha256', 'config.json=abc');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--sha256 expects file=<64 hex digits>/);
  });

  it('formats sizes for people', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 kB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.0 MB');
  });
});
