/**
 * The routes an Express router serves, read from its own stack (nested routers and apps included), so a test can
 * cover whatever the gateway mounts without a list to keep up to date.
 */

export interface RouteEntry {
  path: string;
  methods: string[];
}

interface LayerLike {
  rawPath?: string | RegExp | (string | RegExp)[];
  slash?: boolean;
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: LayerLike[]; router?: { stack?: LayerLike[] } };
}

const join = (prefix: string, path: string) => {
  const full = `${prefix}/${path}`.replace(/\/+/g, '/');
  return full.length > 1 ? full.replace(/\/$/, '') : full;
};

/** Express 5 names wildcards (`/{*rest}`); the table writes them `*`, as a path to fill in. */
const readable = (path: string) => path.replace(/\{\*\w+\}/g, '*').replace(/\*\w+/g, '*');

const pathsOf = (raw: LayerLike['rawPath']): string[] =>
  (Array.isArray(raw) ? raw : [raw]).filter((p): p is string => typeof p === 'string');

/** Every route (path and methods) of a router; middleware mounted at a path appears as `<path>/*`. */
export function routeTable(stack: readonly unknown[], prefix = ''): RouteEntry[] {
  const out = new Map<string, Set<string>>();
  const add = (path: string, methods: string[]) => {
    const key = readable(path);
    const set = out.get(key) ?? new Set<string>();
    for (const m of methods) set.add(m);
    out.set(key, set);
  };
  for (const layer of stack as LayerLike[]) {
    if (layer.route) {
      const methods = Object.keys(layer.route.methods)
        .filter((m) => m !== '_all')
        .map((m) => m.toUpperCase());
      for (const p of pathsOf(layer.route.path)) add(join(prefix, p), methods.length ? methods : ['GET', 'POST']);
      continue;
    }
    const inner = layer.handle?.stack ?? layer.handle?.router?.stack;
    const mounts = pathsOf(layer.rawPath);
    if (inner) {
      for (const p of mounts) for (const r of routeTable(inner, join(prefix, p))) add(r.path, r.methods);
    } else if (!layer.slash) {
      for (const p of mounts) if (p !== '/') add(join(prefix, `${p}/*`), ['GET', 'POST']);
    }
  }
  return [...out].map(([path, methods]) => ({ path, methods: [...methods].sort() }));
}
