// The rooms of docs/ARCHITECTURE.md and the directions they may import in. A provider adapter never reaches into
// the dialogue, the dialogue never into a provider, and nothing below the apps knows how it is wired together.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

type Room = 'core' | 'platform' | 'knowledge' | 'channels' | 'dialogue' | 'apps';

/** Which rooms each room may import from (besides itself). Mirrors the table in docs/ARCHITECTURE.md. */
const ALLOWED: Record<Room, Room[]> = {
  core: [],
  platform: ['core'],
  knowledge: ['platform', 'core'],
  channels: ['platform', 'core'],
  dialogue: ['knowledge', 'platform', 'core'],
  apps: ['dialogue', 'channels', 'knowledge', 'platform', 'core'],
};

function roomOf(rel: string): Room | undefined {
  if (rel.startsWith('channels/')) return 'channels';
  const m = /^src\/(core|platform|knowledge|dialogue|apps)\//.exec(rel);
  if (m) return m[1] as Room;
  if (rel === 'src/main.ts' || rel === 'src/index.ts') return 'apps';
  return undefined;
}

/** Production modules: everything under src/ and channels/ except tests and their data. */
function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(ROOT, dir))) {
    const rel = path.join(dir, name);
    if (statSync(path.join(ROOT, rel)).isDirectory()) {
      if (name === 'testdata' || name === 'public' || name === 'node_modules') continue;
      out.push(...sourceFiles(rel));
    } else if (/\.(ts|mts|js|mjs)$/.test(name) && !/\.(test|d)\.ts$/.test(name)) out.push(rel);
  }
  return out;
}

/** Relative imports of a file (static, dynamic and type-only), resolved to repository paths. */
function importsOf(rel: string): string[] {
  const text = readFileSync(path.join(ROOT, rel), 'utf8');
  const specs = [
    ...text.matchAll(/\bfrom\s+['"](\.{1,2}\/[^'"]+)['"]/g),
    ...text.matchAll(/\bimport\s*\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g),
    ...text.matchAll(/^\s*import\s+['"](\.{1,2}\/[^'"]+)['"]/gm),
  ].map((m) => m[1]!);
  return specs.map((s) => path.normalize(path.join(path.dirname(rel), s)).replace(/\.js$/, '.ts'));
}

const files = [...sourceFiles('src'), ...sourceFiles('channels')];

describe('rooms import one way (docs/ARCHITECTURE.md)', () => {
  it('puts every production module in a room', () => {
    const homeless = files.filter((f) => roomOf(f) === undefined);
    expect(homeless).toEqual([]);
  });

  it('has no import against the allowed directions', () => {
    const wrong: string[] = [];
    for (const f of files) {
      const from = roomOf(f)!;
      for (const target of importsOf(f)) {
        const to = roomOf(target);
        if (!to || to === from) continue;
        if (!ALLOWED[from].includes(to)) wrong.push(`${f} (${from}) imports ${target} (${to})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('has no cycle between folders', () => {
    // A folder is a room's second level (src/knowledge/answer, channels/twilio); a cycle among them means two
    // parts of the code cannot be understood or changed apart.
    const folderOf = (f: string) =>
      f
        .split('/')
        .slice(0, f.startsWith('channels/') ? 2 : 3)
        .join('/');
    const edges = new Map<string, Set<string>>();
    for (const f of files) {
      const a = folderOf(f);
      for (const target of importsOf(f)) {
        const b = folderOf(target);
        if (a !== b && roomOf(target)) (edges.get(a) ?? edges.set(a, new Set()).get(a)!).add(b);
      }
    }
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (node: string, trail: string[]) => {
      if (state.get(node) === 'done') return;
      if (state.get(node) === 'open') {
        cycles.push([...trail.slice(trail.indexOf(node)), node].join(' -> '));
        return;
      }
      state.set(node, 'open');
      for (const next of edges.get(node) ?? []) visit(next, [...trail, node]);
      state.set(node, 'done');
    };
    for (const node of edges.keys()) visit(node, []);
    expect(cycles).toEqual([]);
  });

  it('catches a wrong import when one is there (the check itself works)', () => {
    expect(ALLOWED[roomOf('channels/twilio/routes.ts')!]).not.toContain(roomOf('src/dialogue/ussd/machine.ts'));
    expect(ALLOWED[roomOf('src/dialogue/tips/index.ts')!]).not.toContain(roomOf('channels/whatsapp/send.ts'));
    expect(ALLOWED[roomOf('src/core/messages/index.ts')!]).toEqual([]);
  });
});
