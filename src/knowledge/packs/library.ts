import { type FSWatcher, watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { findPackDirs, loadPack } from './load.js';
import { formatIssue, type LoadedPack } from './types.js';

interface PackSummary {
  id: string;
  dir: string;
  title: string;
  version: string;
  entries: number;
  languages: string[];
  contentHash: string;
}

/** For /readyz and operators: what is being served and the last thing that went wrong. */
export interface LibraryStatus {
  /** True when at least one pack is being served. */
  ok: boolean;
  detail: string;
  packs: PackSummary[];
  loadedAt?: string;
  reloads: number;
  lastError?: string;
  lastErrorAt?: string;
}

export interface PackLibraryOptions<T> {
  /** Pack folders, or folders of packs (PACKS_DIR). */
  dirs: string[];
  /** Turns the valid packs into what is served (the retrieval snapshot). Throwing keeps the old one. */
  build: (packs: LoadedPack[]) => Promise<T>;
  /**
   * Completes the valid packs before they are compared with those served (examples learned from users' picks):
   * a pack it changes must come back with another contentHash, so a reload notices.
   */
  prepare?: (packs: LoadedPack[]) => Promise<LoadedPack[]>;
  log?: Logger;
  /** Watch the folders and reload on change (default true). */
  watch?: boolean;
  debounceMs?: number;
}

export interface ReloadOutcome {
  changed: boolean;
  errors: string[];
}

/**
 * Loads every pack, serves the last good build, and reloads on change. A pack that fails validation is
 * never served in its broken state: its last good version keeps serving (or it is left out if it never
 * loaded) and the problem is logged; nothing here throws into the service.
 */
export class PackLibrary<T> {
  private value: T | undefined;
  private served: LoadedPack[] = [];
  private found: string[] = [];
  private readonly watchers = new Map<string, FSWatcher>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<ReloadOutcome> | undefined;
  private again = false;
  private closed = false;
  private reloads = 0;
  private loadedAt: number | undefined;
  private lastError: { message: string; at: number } | undefined;
  private readonly dirs: string[];
  private readonly listeners = new Set<(value: T) => void>();

  private constructor(private readonly opts: PackLibraryOptions<T>) {
    this.dirs = opts.dirs.map((d) => path.resolve(d));
  }

  static async open<T>(opts: PackLibraryOptions<T>): Promise<PackLibrary<T>> {
    const lib = new PackLibrary(opts);
    await lib.reload();
    if (opts.watch !== false) lib.rewatch();
    return lib;
  }

  current(): T | undefined {
    return this.value;
  }

  packs(): LoadedPack[] {
    return this.served;
  }

  onSwap(fn: (value: T) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  status(): LibraryStatus {
    const packs = this.served.map((p) => ({
      id: p.manifest.id,
      dir: p.dir,
      title: p.manifest.title,
      version: p.manifest.version,
      entries: p.entries.length,
      languages: p.manifest.languages,
      contentHash: p.contentHash,
    }));
    const ok = packs.length > 0;
    const detail = ok
      ? `${packs.length} pack(s) loaded: ${packs.map((p) => `${p.id}@${p.version}`).join(', ')}${this.lastError ? `; last error: ${this.lastError.message}` : ''}`
      : `no packs loaded${this.lastError ? `: ${this.lastError.message}` : ''}`;
    return {
      ok,
      detail,
      packs,
      loadedAt: this.loadedAt ? new Date(this.loadedAt).toISOString() : undefined,
      reloads: this.reloads,
      lastError: this.lastError?.message,
      lastErrorAt: this.lastError ? new Date(this.lastError.at).toISOString() : undefined,
    };
  }

  /** Re-read every pack now; concurrent calls share one run (and one more run follows if asked meanwhile). */
  reload(): Promise<ReloadOutcome> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.doReload().finally(() => {
      this.running = undefined;
      if (this.again && !this.closed) {
        this.again = false;
        void this.reload();
      }
    });
    return this.running;
  }

  private fail(message: string): void {
    this.lastError = { message, at: Date.now() };
    this.opts.log?.error({ problem: message }, 'knowledge pack problem; the last good index keeps serving');
  }

  private async doReload(): Promise<ReloadOutcome> {
    const errors: string[] = [];
    const found: string[] = [];
    for (const root of this.dirs) {
      const dirs = await findPackDirs(root);
      if (dirs.length === 0) {
        const exists = await stat(root).catch(() => undefined);
        errors.push(exists ? `no pack (pack.yaml) found in ${root}` : `packs folder not found: ${root}`);
      }
      found.push(...dirs);
    }
    this.found = [...new Set(found)];
    const previous = new Map(this.served.map((p) => [p.dir, p]));
    const next: LoadedPack[] = [];
    const ids = new Map<string, string>();
    for (const dir of [...new Set(found)]) {
      const result = await loadPack(dir);
      let pack = result.pack;
      if (!pack) {
        const problems = result.issues.filter((i) => i.severity === 'error');
        const kept = previous.get(dir);
        errors.push(
          `${dir}: ${problems.length} error(s), ${kept ? `still serving ${kept.manifest.id}@${kept.manifest.version}` : 'not loaded'}: ${problems
            .slice(0, 5)
            .map(formatIssue)
            .join(' | ')}`,
        );
        pack = kept;
      }
      if (!pack) continue;
      const other = ids.get(pack.manifest.id);
      if (other) {
        errors.push(`${dir}: pack id "${pack.manifest.id}" is already used by ${other}; not loaded`);
        continue;
      }
      ids.set(pack.manifest.id, dir);
      next.push(pack);
    }
    if (this.opts.prepare) next.splice(0, next.length, ...(await this.opts.prepare(next)));
    const same =
      this.value !== undefined &&
      next.length === this.served.length &&
      next.every((p, i) => p.dir === this.served[i]!.dir && p.contentHash === this.served[i]!.contentHash);
    let changed = false;
    if (!same) {
      try {
        const built = await this.opts.build(next);
        this.value = built;
        this.served = next;
        this.loadedAt = Date.now();
        changed = true;
        this.opts.log?.info(
          {
            packs: next.map((p) => `${p.manifest.id}@${p.manifest.version}`),
            entries: next.reduce((n, p) => n + p.entries.length, 0),
          },
          'knowledge packs loaded',
        );
        for (const fn of this.listeners) fn(built);
      } catch (err) {
        errors.push(`building the index failed: ${(err as Error).message}`);
      }
    }
    this.reloads++;
    if (errors.length > 0) this.fail(errors.join('; '));
    else this.lastError = undefined;
    if (this.opts.watch !== false && !this.closed) this.rewatch();
    return { changed, errors };
  }

  private schedule(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.reload(), this.opts.debounceMs ?? 250);
    this.timer.unref?.();
  }

  /** Watch each root (packs added/removed), each pack folder found (pack.yaml) and its entries/ folder. */
  private rewatch(): void {
    const wanted = new Set<string>(this.dirs);
    for (const dir of new Set([...this.found, ...this.served.map((p) => p.dir)])) {
      wanted.add(dir);
      wanted.add(path.join(dir, 'entries'));
    }
    for (const [dir, w] of this.watchers) {
      if (!wanted.has(dir)) {
        w.close();
        this.watchers.delete(dir);
      }
    }
    for (const dir of wanted) {
      if (this.watchers.has(dir)) continue;
      try {
        const w = watch(dir, { persistent: false }, () => this.schedule());
        w.on('error', () => {
          w.close();
          this.watchers.delete(dir);
          this.schedule();
        });
        this.watchers.set(dir, w);
      } catch {
        // The folder does not exist (yet); its parent root's watcher will notice when it appears.
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
    await this.running?.catch(() => undefined);
  }
}
