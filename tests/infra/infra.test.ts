// infra/ is checked by reading it: no Docker engine or cluster runs here. Each check is one a broken
// deployment would trip over: an image whose entry file is missing, a variable the config does not know,
// a credential in a ConfigMap, a probe on the wrong path, a Redis that evicts queue keys.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import YAML from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../../src/platform/config/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const INFRA = path.join(ROOT, 'infra');
const K8S = path.join(INFRA, 'k8s');
const read = (p: string) => readFileSync(path.join(ROOT, p), 'utf8');

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML is untyped by nature
type Any = any;

const KNOWN = new Set(CONFIG_VARIABLES);
// A credential by name: a KEY, TOKEN, SECRET, PASSWORD or SALT part (AT_API_KEY yes, AT_PREMIUM_KEYWORD no).
const SECRET_LIKE = /(?:^|_)(?:KEY|TOKEN|SECRET|PASSWORD|SALT)(?:_|$)/;
const SECRET_VARIABLES = CONFIG_VARIABLES.filter((v) => SECRET_LIKE.test(v));

// ---------------------------------------------------------------------------------------------------------
// package.json scripts: the entry every deployment must run the same way as `npm run gateway|worker`.

const pkg = JSON.parse(read('package.json')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  bin: Record<string, string>;
};

interface Entry {
  /** Node/V8 flags before the file: every launcher must pass the same ones (the memory figure depends on them). */
  flags: string[];
  file: string;
  args: string[];
}

/** node [--flags] <file> <args> -> its parts. */
function entryOf(argv: string[]): Entry {
  const i = argv.findIndex((a, k) => k > 0 && !a.startsWith('-'));
  return { flags: argv.slice(1, i), file: argv[i]!, args: argv.slice(i + 1) };
}

/** `node --optimize-for-size dist/src/main.js gateway` -> { flags: [...], file: 'dist/src/main.js', args: ['gateway'] }. */
function scriptEntry(name: string): Entry {
  const parts = pkg.scripts[name]?.trim().split(/\s+/) ?? [];
  expect(parts[0]).toBe('node');
  return entryOf(parts);
}

/** The same entry from an exec-form argv: node [flags] <file> <args> (no TypeScript loader in production). */
function argvEntry(argv: string[]): Entry {
  expect(argv[0]).toBe('node');
  expect(argv).not.toContain('--import');
  return entryOf(argv);
}

describe('production launch flags', () => {
  it('npm run gateway and npm run worker run V8 optimised for size (the memory figure in npm run bench)', () => {
    for (const role of ['gateway', 'worker']) {
      expect(scriptEntry(role).flags).toEqual(expect.arrayContaining(['--optimize-for-size']));
    }
  });
});

/** dist/src/main.js -> src/main.ts: the source tsc compiles (tsconfig.build.json, rootDir "."). */
const sourceOf = (distFile: string): string => distFile.replace(/^dist\//, '').replace(/\.js$/, '.ts');

// ---------------------------------------------------------------------------------------------------------
// Dockerfile

interface Instruction {
  op: string;
  args: string;
  stage: number;
}

function parseDockerfile(text: string): { instructions: Instruction[]; stages: { name?: string; base: string }[] } {
  const lines: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    if (/^\s*#/.test(raw) && current === '') continue;
    if (/^\s*#/.test(raw)) continue; // comment lines inside a continuation are dropped by Docker too
    if (raw.trimEnd().endsWith('\\')) {
      current += `${raw.trimEnd().slice(0, -1)} `;
      continue;
    }
    current += raw;
    if (current.trim()) lines.push(current.trim());
    current = '';
  }
  const args: Record<string, string> = {};
  const stages: { name?: string; base: string }[] = [];
  const instructions: Instruction[] = [];
  for (const line of lines) {
    const m = /^(\w+)\s+(.*)$/s.exec(line);
    if (!m) continue;
    const op = m[1]!.toUpperCase();
    const rest = m[2]!.trim();
    if (op === 'ARG' && stages.length === 0) {
      const [k, v] = rest.split('=');
      args[k!] = v ?? '';
    }
    if (op === 'FROM') {
      const fm = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest)!;
      const base = fm[1]!.replace(/\$\{(\w+)\}|\$(\w+)/g, (_s, a, b) => args[a ?? b] ?? '');
      stages.push({ base, name: fm[2] });
    }
    instructions.push({ op, args: rest, stage: stages.length - 1 });
  }
  return { instructions, stages };
}

const dockerfile = parseDockerfile(read('infra/Dockerfile'));
const finalStage = dockerfile.stages.length - 1;
const inFinal = (op: string) => dockerfile.instructions.filter((i) => i.op === op && i.stage === finalStage);
const execForm = (s: string): string[] => JSON.parse(s) as string[];

/** COPY [--flags] src... dest -> { from, sources, dest }. */
function parseCopy(args: string): { from?: string; sources: string[]; dest: string } {
  const words = args.split(/\s+/);
  let from: string | undefined;
  while (words[0]?.startsWith('--')) {
    const flag = words.shift()!;
    if (flag.startsWith('--from=')) from = flag.slice('--from='.length);
  }
  const dest = words.pop()!;
  return { from, sources: words, dest };
}

/** .dockerignore patterns (Go filepath.Match plus `**`), enough for the patterns this repo uses. */
function dockerignored(rel: string): boolean {
  const patterns = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  let ignored = false;
  for (const p of patterns) {
    const negate = p.startsWith('!');
    const body = (negate ? p.slice(1) : p).replace(/^\/+|\/+$/g, '');
    const re = new RegExp(
      `^${body
        .split('/')
        .map((seg) =>
          seg === '**'
            ? '(?:.*)'
            : seg
                .replace(/[.+^${}()|[\]\\]/g, '\\$&')
                .replace(/\*/g, '[^/]*')
                .replace(/\?/g, '[^/]'),
        )
        .join('/')
        .replace(/\(\?:\.\*\)\//g, '(?:.*/)?')}(?:/.*)?$`,
    );
    if (re.test(rel)) ignored = !negate;
  }
  return ignored;
}

/** Relative imports reachable from an entry file, as repository paths (missing targets are skipped). */
function importClosure(entry: string): string[] {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length) {
    const rel = queue.pop()!;
    if (seen.has(rel)) continue;
    seen.add(rel);
    const text = read(rel);
    const specs = [
      ...text.matchAll(/\bfrom\s+['"](\.{1,2}\/[^'"]+)['"]/g),
      ...text.matchAll(/\bimport\s*\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g),
      ...text.matchAll(/^\s*import\s+['"](\.{1,2}\/[^'"]+)['"]/gm),
    ].map((m) => m[1]!);
    for (const spec of specs) {
      const base = path.join(path.dirname(rel), spec);
      const candidates = [base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), base, `${base}.ts`];
      const hit = candidates.find((c) => existsSync(path.join(ROOT, c)) && statSync(path.join(ROOT, c)).isFile());
      if (hit && !seen.has(hit)) queue.push(hit);
    }
  }
  return [...seen];
}

describe('infra/Dockerfile', () => {
  it('is multi-stage on node:22-bookworm-slim, installs from the lock file and compiles in a build stage', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(3);
    expect(dockerfile.stages[finalStage]!.base).toBe('node:22-bookworm-slim');
    const installs = dockerfile.instructions.filter((i) => i.op === 'RUN' && /\bnpm ci\b/.test(i.args));
    expect(installs.length).toBeGreaterThanOrEqual(2);
    for (const install of installs) {
      const before = dockerfile.instructions.filter(
        (i) =>
          i.stage === install.stage && dockerfile.instructions.indexOf(i) < dockerfile.instructions.indexOf(install),
      );
      // package-lock for a reproducible install; onnxruntime-node's download step skipped wherever npm runs it.
      expect(before.filter((i) => i.op === 'COPY').flatMap((i) => parseCopy(i.args).sources)).toEqual(
        expect.arrayContaining(['package.json', 'package-lock.json', '.npmrc']),
      );
      expect(before.some((i) => i.op === 'ENV' && /ONNXRUNTIME_NODE_INSTALL=skip/.test(i.args))).toBe(true);
    }
    // The final stage takes dependencies from the --omit=dev install and dist/ from the stage that ran the build.
    const build = dockerfile.instructions.find((i) => i.op === 'RUN' && /\bnpm run build\b/.test(i.args));
    expect(build).toBeDefined();
    const buildStage = dockerfile.stages[build!.stage]!.name;
    const fromBuild = inFinal('COPY')
      .map((i) => parseCopy(i.args))
      .filter((c) => c.from === buildStage);
    expect(fromBuild.flatMap((c) => c.sources)).toContain('/app/dist');
    const prodInstall = installs.find((i) => /--omit=dev/.test(i.args))!;
    const depsStage = dockerfile.stages[prodInstall.stage]!.name;
    expect(inFinal('COPY').some((i) => parseCopy(i.args).from === depsStage)).toBe(true);
    // npm 11 runs no dependency install script unless allowed; the project allows none.
    const allow = (JSON.parse(read('package.json')) as { allowScripts?: Record<string, boolean> }).allowScripts;
    expect(allow?.['onnxruntime-node']).toBe(false);
  });

  it('runs as a non-root user in the final stage', () => {
    const users = inFinal('USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users.at(-1)!.args.split(':')[0]!;
    expect(['root', '0']).not.toContain(user);
  });

  it('has a HEALTHCHECK on /healthz', () => {
    const hc = inFinal('HEALTHCHECK');
    expect(hc).toHaveLength(1);
    expect(hc[0]!.args).toMatch(/\bCMD\b/);
    expect(hc[0]!.args).toContain('/healthz');
  });

  it('starts the same entry as `npm run gateway`, and can be switched to the worker entry', () => {
    const entrypoint = execForm(inFinal('ENTRYPOINT').at(-1)!.args);
    const cmd = execForm(inFinal('CMD').at(-1)!.args);
    const run = argvEntry([...entrypoint, ...cmd]);
    expect(run).toEqual(scriptEntry('gateway'));
    // `docker run image worker` replaces CMD only.
    expect(argvEntry([...entrypoint, 'worker'])).toEqual(scriptEntry('worker'));
    // The compiled entry comes from a source the build compiles, and the build writes it where the entry looks.
    expect(existsSync(path.join(ROOT, sourceOf(run.file)))).toBe(true);
    const build = JSON.parse(read('tsconfig.build.json')) as { include: string[]; compilerOptions: { outDir: string } };
    expect(build.include).toContain(sourceOf(run.file).split('/')[0]);
    expect(run.file.startsWith(`${build.compilerOptions.outDir}/`)).toBe(true);
    // The image installs production dependencies only: no TypeScript loader may be needed at run time.
    expect(pkg.dependencies.tsx).toBeUndefined();
  });

  it('copies only sources that exist, are not dockerignored, and come from earlier stages', () => {
    const stageNames = dockerfile.stages.map((s) => s.name);
    for (const ins of dockerfile.instructions.filter((i) => i.op === 'COPY' || i.op === 'ADD')) {
      const { from, sources } = parseCopy(ins.args);
      if (from !== undefined) {
        expect(stageNames.slice(0, ins.stage)).toContain(from);
        continue;
      }
      for (const src of sources) {
        const abs = path.join(ROOT, src);
        expect({ src, exists: existsSync(abs) }).toEqual({ src, exists: true });
        if (statSync(abs).isDirectory())
          expect({ src, files: readdirSync(abs).length > 0 }).toEqual({ src, files: true });
        expect({ src, ignored: dockerignored(src) }).toEqual({ src, ignored: false });
      }
    }
  });

  it('copies every directory the running service reads', () => {
    const copied = new Set(
      inFinal('COPY')
        .map((i) => parseCopy(i.args))
        .filter((c) => c.from === undefined)
        .flatMap((c) => c.sources.map((s) => s.split('/')[0]!)),
    );
    const entry = sourceOf(scriptEntry('gateway').file);
    const build = JSON.parse(read('tsconfig.build.json')) as { include: string[] };
    // Every module the entry imports is compiled into dist/ by the build stage.
    for (const file of importClosure(entry)) {
      expect({ file, compiled: build.include.includes(file.split('/')[0]!) }).toEqual({ file, compiled: true });
    }
    // Read at run time by path rather than imported: UI strings, prompt templates, sample packs, and assets under
    // src/ (the simulator page, language data) found from the package root.
    const needed = new Set(['locales', 'prompts', 'packs', 'src', 'package.json']);
    // The CLI (models pull, packs validate) runs from the same image.
    for (const bin of Object.values(pkg.bin)) needed.add(bin.split('/')[0]!);
    for (const dir of needed) expect({ dir, copied: copied.has(dir) }).toEqual({ dir, copied: true });
    for (const bin of Object.values(pkg.bin))
      expect({ bin, exists: existsSync(path.join(ROOT, bin)) }).toEqual({ bin, exists: true });
  });

  it('keeps secrets and local state out of the build context', () => {
    for (const p of ['.env', 'infra/.env', 'node_modules', '.git', '.baraza', 'models']) {
      expect({ p, ignored: dockerignored(p) }).toEqual({ p, ignored: true });
    }
    for (const p of ['src/main.ts', 'locales', 'packs', 'package-lock.json']) {
      expect({ p, ignored: dockerignored(p) }).toEqual({ p, ignored: false });
    }
  });

  it("the image's command line actually starts the program (and it insists on REDIS_URL for the gateway role)", () => {
    const entrypoint = execForm(inFinal('ENTRYPOINT').at(-1)!.args);
    const [cmd, ...args] = entrypoint;
    const env = { PATH: process.env.PATH ?? '', HOME: os.tmpdir() };
    const run = spawnSync(cmd === 'node' ? process.execPath : cmd!, [...args, 'gateway'], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('REDIS_URL');
  }, 70_000);
});

// ---------------------------------------------------------------------------------------------------------
// Environment files

/** KEY=value lines of an env file (systemd EnvironmentFile / compose env_file syntax). */
function parseEnvFile(text: string): { keys: string[]; env: Record<string, string> } {
  const keys: string[] = [];
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(t);
    expect({ line: t, valid: m !== null }).toEqual({ line: t, valid: true });
    keys.push(m![1]!);
    env[m![1]!] = m![2]!;
  }
  return { keys, env };
}

const envExample = parseEnvFile(readFileSync(path.join(INFRA, '.env.example'), 'utf8'));

describe('infra/.env.example', () => {
  it('lists every variable of the config schema once, and nothing else', () => {
    expect(new Set(envExample.keys).size).toBe(envExample.keys.length);
    expect([...envExample.keys].sort()).toEqual([...CONFIG_VARIABLES].sort());
  });

  it('leaves every secret empty', () => {
    for (const v of SECRET_VARIABLES) expect({ v, value: envExample.env[v] }).toEqual({ v, value: '' });
  });

  it('parses as a valid configuration whose values are the real defaults (MODELS_DIR is the container mount)', () => {
    const fromExample = loadConfig(envExample.env);
    const defaults = loadConfig({});
    expect(fromExample.modelsDir).toBe('/models');
    expect({ ...fromExample, modelsDir: defaults.modelsDir }).toEqual(defaults);
  });
});

// ---------------------------------------------------------------------------------------------------------
// docker compose

const compose = YAML.parse(readFileSync(path.join(INFRA, 'docker-compose.yml'), 'utf8'), { merge: true }) as Any;
const services = compose.services as Record<string, Any>;
const imageEntrypoint = execForm(inFinal('ENTRYPOINT').at(-1)!.args);

function composeEnv(service: Any): Record<string, string> {
  const e = service.environment ?? {};
  if (Array.isArray(e)) return Object.fromEntries(e.map((s: string) => s.split(/=(.*)/s).slice(0, 2)));
  return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, String(v)]));
}

function dependsOnHealthyRedis(service: Any) {
  expect(service.depends_on?.redis?.condition).toBe('service_healthy');
  expect(services.redis.healthcheck?.test).toBeDefined();
}

describe('infra/docker-compose.yml', () => {
  it('has redis, gateway and worker services built from infra/Dockerfile', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['redis', 'gateway', 'worker']));
    for (const name of ['gateway', 'worker']) {
      const build = services[name].build;
      expect(path.resolve(INFRA, build.context, build.dockerfile)).toBe(path.join(INFRA, 'Dockerfile'));
    }
  });

  it('runs Redis 7 with infra/redis.conf and a persistent data volume', () => {
    const redis = services.redis;
    expect(String(redis.image)).toMatch(/^redis:7/);
    const mounts = (redis.volumes as string[]).map((v) => v.split(':'));
    const conf = mounts.find(([src]) => src!.endsWith('redis.conf'))!;
    expect(path.resolve(INFRA, conf[0]!)).toBe(path.join(INFRA, 'redis.conf'));
    expect(redis.command).toContain(conf[1]);
    const data = mounts.find(([, dest]) => dest === '/data')!;
    expect(Object.keys(compose.volumes)).toContain(data[0]);
  });

  it('finding 8: Redis needs the password from infra/.env, compose refuses to start without one, and the healthcheck needs a PONG', () => {
    const redis = services.redis;
    const args = redis.command as string[];
    const pass = args[args.indexOf('--requirepass') + 1];
    // Interpolated by compose from infra/.env; `:?` stops `up` with a message when it is unset or empty.
    expect(pass).toMatch(/^\$\{REDIS_PASSWORD:\?[^}]+\}$/);
    expect(composeEnv(redis).REDISCLI_AUTH).toBe(pass);
    expect(JSON.stringify(redis.healthcheck.test)).toContain('grep -q PONG');
    expect(redis.ports).toBeUndefined();
    // The apps get the same password from the env file (env_file: .env), which .env.example documents.
    expect(Object.keys(envExample.env)).toContain('REDIS_PASSWORD');
    for (const name of ['gateway', 'worker']) expect(new URL(composeEnv(services[name]).REDIS_URL!).password).toBe('');
  });

  it('finding 7: Redis has a maxmemory below the container memory limit', () => {
    const maxmemory = redisBytes(redisDirectives(read('infra/redis.conf')).get('maxmemory')!);
    expect(maxmemory).toBeGreaterThan(0);
    expect(maxmemory).toBeLessThan(redisBytes(String(services.redis.mem_limit)) * 0.9);
  });

  it('starts the gateway and workers with the package.json entries, on the bundled Redis', () => {
    expect(argvEntry([...imageEntrypoint, ...services.gateway.command])).toEqual(scriptEntry('gateway'));
    expect(argvEntry([...imageEntrypoint, ...services.worker.command])).toEqual(scriptEntry('worker'));
    for (const name of ['gateway', 'worker']) {
      const url = new URL(composeEnv(services[name]).REDIS_URL!);
      expect(url.protocol).toBe('redis:');
      expect(services[url.hostname]).toBe(services.redis);
      dependsOnHealthyRedis(services[name]);
    }
    expect(services.worker.deploy.replicas).toBeGreaterThanOrEqual(2);
  });

  it('publishes the gateway on 3000 with a /healthz healthcheck; the worker has none to fail', () => {
    expect(services.gateway.ports.map(String)).toContain('3000:3000');
    expect(JSON.stringify(services.gateway.healthcheck.test)).toContain('/healthz');
    expect(services.worker.healthcheck?.disable).toBe(true);
  });

  it('mounts models read-only at MODELS_DIR and keeps writable paths off the image', () => {
    for (const name of ['gateway', 'worker']) {
      const s = services[name];
      const modelsDir = composeEnv(s).MODELS_DIR;
      expect(modelsDir).toBe('/models');
      expect(s.volumes).toContain(`models:${modelsDir}:ro`);
      expect(Object.keys(compose.volumes)).toContain('models');
      expect(s.read_only).toBe(true);
      expect(s.tmpfs).toEqual(expect.arrayContaining(['/tmp', '/app/.baraza']));
    }
  });

  it('names only variables the config knows, and no secret inline', () => {
    for (const [name, s] of Object.entries(services)) {
      if (name === 'redis') continue;
      for (const key of Object.keys(composeEnv(s))) {
        expect({ key, known: KNOWN.has(key) }).toEqual({ key, known: true });
        expect({ key, secretLike: SECRET_LIKE.test(key) }).toEqual({ key, secretLike: false });
      }
      // Credentials come from the env file next to the compose file, documented by .env.example.
      const files = (s.env_file ?? []).map((f: Any) => (typeof f === 'string' ? f : f.path));
      expect(files).toContain('.env');
      expect(existsSync(path.join(INFRA, '.env.example'))).toBe(true);
    }
  });

  it('the tools profile runs the CLI that package.json declares', () => {
    const cli = services.cli;
    expect(cli.profiles).toContain('tools');
    expect(cli.entrypoint[0]).toBe('node');
    expect(Object.values(pkg.bin)).toContain(cli.entrypoint[1]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Kubernetes

interface K8sDoc {
  file: string;
  obj: Any;
}

function loadK8s(): K8sDoc[] {
  const docs: K8sDoc[] = [];
  for (const file of readdirSync(K8S).filter((f) => /\.ya?ml$/.test(f))) {
    for (const d of YAML.parseAllDocuments(readFileSync(path.join(K8S, file), 'utf8'))) {
      expect({ file, errors: d.errors.map((e) => e.message) }).toEqual({ file, errors: [] });
      const obj = d.toJS();
      if (obj) docs.push({ file, obj });
    }
  }
  return docs;
}

const k8s = loadK8s();
const byKind = (kind: string) => k8s.filter((d) => d.obj.kind === kind).map((d) => d.obj);
const one = (kind: string, name: string): Any => {
  const found = byKind(kind).filter((o) => o.metadata?.name === name);
  expect({ kind, name, count: found.length }).toEqual({ kind, name, count: 1 });
  return found[0];
};
const kustomization = byKind('Kustomization')[0];

const configMap = one('ConfigMap', 'baraza-config');
const secret = one('Secret', 'baraza-secrets');
const secretData: Record<string, string> = { ...(secret.stringData ?? {}) };
for (const [k, v] of Object.entries((secret.data ?? {}) as Record<string, string>)) {
  secretData[k] = Buffer.from(v, 'base64').toString('utf8');
}
const gateway = one('Deployment', 'baraza-gateway');
const worker = one('Deployment', 'baraza-worker');

const podSpec = (d: Any) => d.spec.template.spec;
const container = (d: Any) => podSpec(d).containers[0];
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);

describe('infra/k8s', () => {
  it('kustomization lists every manifest in the folder, each of which exists', () => {
    const files = readdirSync(K8S).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml');
    expect([...kustomization.resources].sort()).toEqual(files.sort());
    expect(kustomization.namespace).toBe(one('Namespace', 'baraza').metadata.name);
  });

  it('ConfigMap and Secret together cover the config schema, with no unknown name and no overlap', () => {
    const cmKeys = Object.keys(configMap.data);
    const secretKeys = Object.keys(secretData);
    for (const key of [...cmKeys, ...secretKeys]) expect({ key, known: KNOWN.has(key) }).toEqual({ key, known: true });
    expect(cmKeys.filter((k) => secretKeys.includes(k))).toEqual([]);
    expect([...cmKeys, ...secretKeys].sort()).toEqual([...CONFIG_VARIABLES].sort());
  });

  it('keeps every credential in the Secret, as an empty placeholder, never in the ConfigMap', () => {
    expect(Object.keys(configMap.data).filter((k) => SECRET_LIKE.test(k))).toEqual([]);
    expect(Object.keys(secretData).sort()).toEqual([...SECRET_VARIABLES].sort());
    for (const [k, v] of Object.entries(secretData)) expect({ k, v }).toEqual({ k, v: '' });
  });

  it('the ConfigMap plus Secret is a configuration the service accepts, pointing at the in-cluster Redis', () => {
    const config = loadConfig({ ...configMap.data, ...secretData });
    expect(config.sendMode).toBe('live');
    // The simulator page posts into the real webhook routes: not something to expose by default in a cluster.
    expect(config.simulator).toBe(false);
    const url = new URL(config.redisUrl!);
    const svc = one('Service', url.hostname);
    expect(svc.spec.ports.map((p: Any) => p.port)).toContain(Number(url.port || 6379));
    expect(matches(svc.spec.selector, one('StatefulSet', 'redis').spec.template.metadata.labels)).toBe(true);
  });

  it('gateway and worker run the package.json entries with the shared config and Secret', () => {
    for (const [dep, script] of [
      [gateway, 'gateway'],
      [worker, 'worker'],
    ] as const) {
      const c = container(dep);
      const argv = [...(c.command ?? imageEntrypoint), ...(c.args ?? [])];
      expect(argvEntry(argv)).toEqual(scriptEntry(script));
      const refs = c.envFrom.map((e: Any) => e.configMapRef?.name ?? e.secretRef?.name);
      expect(refs).toEqual(expect.arrayContaining(['baraza-config', 'baraza-secrets']));
      for (const e of c.env ?? [])
        expect({ name: e.name, known: KNOWN.has(e.name) }).toEqual({ name: e.name, known: true });
      expect(matches(dep.spec.selector.matchLabels, dep.spec.template.metadata.labels)).toBe(true);
    }
    // Distinct selectors: the gateway Service and PDB must never pick up workers.
    expect(matches(gateway.spec.selector.matchLabels, worker.spec.template.metadata.labels)).toBe(false);
  });

  it('the gateway has 2 replicas, liveness on /healthz and readiness on /readyz at the configured port', () => {
    expect(gateway.spec.replicas).toBe(2);
    const c = container(gateway);
    const port = c.ports.find((p: Any) => p.containerPort === Number(configMap.data.PORT));
    expect(port).toBeDefined();
    const probePort = (probe: Any) => probe.httpGet.port;
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
    for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe].filter(Boolean)) {
      expect([port.name, port.containerPort]).toContain(probePort(probe));
    }
  });

  it('the gateway Service and PodDisruptionBudget select the gateway pods', () => {
    const labels = gateway.spec.template.metadata.labels;
    const svc = one('Service', 'baraza-gateway');
    expect(matches(svc.spec.selector, labels)).toBe(true);
    const ports = container(gateway).ports;
    for (const p of svc.spec.ports) {
      expect(ports.some((cp: Any) => cp.name === p.targetPort || cp.containerPort === p.targetPort)).toBe(true);
    }
    const pdb = byKind('PodDisruptionBudget').find((p) => matches(p.spec.selector.matchLabels, labels));
    expect(pdb).toBeDefined();
    expect(pdb.spec.minAvailable).toBeLessThan(gateway.spec.replicas);
  });

  it('both run non-root on a read-only root filesystem, with writable emptyDirs only where the app writes', () => {
    for (const dep of [gateway, worker]) {
      const spec = podSpec(dep);
      const c = container(dep);
      expect(spec.securityContext.runAsNonRoot).toBe(true);
      expect(spec.securityContext.runAsUser).not.toBe(0);
      expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
      expect(c.securityContext.allowPrivilegeEscalation).toBe(false);
      const volumeOf = (mountPath: string) => {
        const m = c.volumeMounts.find((v: Any) => v.mountPath === mountPath);
        expect({ mountPath, mounted: m !== undefined }).toEqual({ mountPath, mounted: true });
        return { mount: m, volume: spec.volumes.find((v: Any) => v.name === m.name) };
      };
      // INDEX_DIR is relative to the working directory /app; /tmp is the only other writable place.
      expect(configMap.data.INDEX_DIR.startsWith('.baraza/')).toBe(true);
      expect(volumeOf('/app/.baraza').volume.emptyDir).toBeDefined();
      expect(volumeOf('/tmp').volume.emptyDir).toBeDefined();
      const models = volumeOf(configMap.data.MODELS_DIR);
      expect(models.mount.readOnly).toBe(true);
      one('PersistentVolumeClaim', models.volume.persistentVolumeClaim.claimName);
      expect(c.resources.requests.memory).toBeDefined();
      expect(c.resources.limits.memory).toBeDefined();
    }
  });

  it('the worker autoscaler targets the worker Deployment', () => {
    const hpas = byKind('HorizontalPodAutoscaler');
    expect(hpas).toHaveLength(1);
    const hpa = hpas[0];
    expect(hpa.spec.scaleTargetRef).toMatchObject({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: worker.metadata.name,
    });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(1);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
    expect(hpa.spec.metrics.some((m: Any) => m.resource?.name === 'cpu')).toBe(true);
    // CPU utilisation is relative to the request, so the worker must have one.
    expect(container(worker).resources.requests.cpu).toBeDefined();
  });

  it('Redis runs infra/redis.conf verbatim with its data on a persistent volume', () => {
    const sts = one('StatefulSet', 'redis');
    const c = podSpec(sts).containers[0];
    const confMount = c.volumeMounts.find((m: Any) => {
      const v = podSpec(sts).volumes.find((vol: Any) => vol.name === m.name);
      return v?.configMap;
    });
    const cmName = podSpec(sts).volumes.find((v: Any) => v.name === confMount.name).configMap.name;
    const cm = one('ConfigMap', cmName);
    expect(cm.data['redis.conf']).toBe(read('infra/redis.conf'));
    expect([...(c.command ?? []), ...(c.args ?? [])].join(' ')).toContain(`${confMount.mountPath}/redis.conf`);
    const dataMount = c.volumeMounts.find((m: Any) => m.mountPath === '/data');
    expect(sts.spec.volumeClaimTemplates.map((t: Any) => t.metadata.name)).toContain(dataMount.name);
  });

  it('finding 8: Redis takes its password from the Secret, refuses to start with an empty one, and probes with it', () => {
    const sts = one('StatefulSet', 'redis');
    const c = podSpec(sts).containers[0];
    const fromSecret = (name: string) => c.env.find((e: Any) => e.name === name)?.valueFrom?.secretKeyRef;
    for (const name of ['REDIS_PASSWORD', 'REDISCLI_AUTH']) {
      expect(fromSecret(name)).toEqual({ name: secret.metadata.name, key: 'REDIS_PASSWORD' });
    }
    expect(Object.keys(secretData)).toContain('REDIS_PASSWORD');
    const script = [...(c.command ?? []), ...(c.args ?? [])].join(' ');
    expect(script).toMatch(/test -n "\$REDIS_PASSWORD" \|\| \{[^}]*exit 1; \}/);
    expect(script).toContain('--requirepass "$REDIS_PASSWORD"');
    expect(JSON.stringify(c.readinessProbe.exec.command)).toContain('grep -q PONG');
    const maxmemory = redisBytes(redisDirectives(read('infra/redis.conf')).get('maxmemory')!);
    expect(maxmemory).toBeLessThan(redisBytes(c.resources.limits.memory) * 0.9);
  });

  it('finding 8: a NetworkPolicy lets only gateway and worker pods reach Redis, on its port alone', () => {
    const redisLabels = one('StatefulSet', 'redis').spec.template.metadata.labels;
    const policies = byKind('NetworkPolicy').filter((p) => matches(p.spec.podSelector.matchLabels, redisLabels));
    expect(policies).toHaveLength(1);
    const policy = policies[0];
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
    expect(policy.spec.ingress).toHaveLength(1);
    const [rule] = policy.spec.ingress;
    expect(rule.ports).toEqual([{ protocol: 'TCP', port: 6379 }]);
    // Pod selectors only: no namespaceSelector or ipBlock that would open it wider.
    for (const peer of rule.from) expect(Object.keys(peer)).toEqual(['podSelector']);
    const admits = (labels: Record<string, string>) =>
      rule.from.some((peer: Any) => matches(peer.podSelector.matchLabels, labels));
    expect(admits(gateway.spec.template.metadata.labels)).toBe(true);
    expect(admits(worker.spec.template.metadata.labels)).toBe(true);
    expect(admits({ 'app.kubernetes.io/name': 'baraza' })).toBe(false);
    expect(admits({ 'app.kubernetes.io/name': 'other', 'app.kubernetes.io/component': 'gateway' })).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------------------
// redis.conf

/** `768mb`, `1g`, `1Gi`, `536870912` as bytes (redis.conf, compose and Kubernetes units). */
function redisBytes(v: string): number {
  const m = /^(\d+)\s*(b|k|kb|m|mb|g|gb|ki|mi|gi)?$/i.exec(v.trim());
  if (!m) throw new Error(`not a size: ${v}`);
  const unit = (m[2] ?? 'b').toLowerCase();
  const pow = { b: 0, k: 1, kb: 1, ki: 1, m: 2, mb: 2, mi: 2, g: 3, gb: 3, gi: 3 }[unit]!;
  return Number(m[1]) * 1024 ** pow;
}

function redisDirectives(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const [k, ...v] = t.split(/\s+/);
    m.set(k!.toLowerCase(), v.join(' '));
  }
  return m;
}

const haveRedisServer = spawnSync('sh', ['-c', 'command -v redis-server']).status === 0;
const tmpDirs: string[] = [];
const servers: ChildProcess[] = [];
const cleanups: (() => void)[] = [];
afterAll(() => {
  for (const c of cleanups) c();
  // A failed assertion skips a graceful stop: never leave a redis-server behind.
  for (const child of servers) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

async function startRedis(
  dir: string,
  extra: string[] = [],
  password?: string,
): Promise<{ client: Redis; sock: string; stop: () => Promise<void> }> {
  const sock = path.join(dir, 'redis.sock');
  // The file as shipped, with TCP off: the unix socket keeps this test clear of every other Redis.
  const child = spawn('redis-server', [path.join(INFRA, 'redis.conf'), '--port', '0', '--unixsocket', sock, ...extra], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  servers.push(child);
  let output = '';
  child.stdout.on('data', (b) => (output += b));
  child.stderr.on('data', (b) => (output += b));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const until = Date.now() + 10_000;
  while (!existsSync(sock)) {
    if (child.exitCode !== null || Date.now() > until) throw new Error(`redis-server did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const client = new Redis({ path: sock, maxRetriesPerRequest: 1, lazyConnect: true, password });
  await client.connect();
  return {
    client,
    sock,
    stop: async () => {
      await client.quit();
      child.kill('SIGTERM'); // a graceful shutdown: Redis fsyncs the AOF before it exits
      await exited;
    },
  };
}

describe('infra/redis.conf', () => {
  const conf = redisDirectives(read('infra/redis.conf'));

  it('persists with AOF every second and never evicts (BullMQ requires noeviction)', () => {
    expect(conf.get('appendonly')).toBe('yes');
    expect(conf.get('appendfsync')).toBe('everysec');
    expect(conf.get('maxmemory-policy')).toBe('noeviction');
  });

  it('finding 8: keeps protected mode on, so without a password nothing from another host gets in', () => {
    expect(conf.get('protected-mode')).toBe('yes');
    expect(conf.get('bind')).toBeDefined();
    expect(conf.has('requirepass')).toBe(false); // a password never sits in a file shipped in the repository
  });

  (haveRedisServer ? it : it.skip)(
    'finding 8: started as compose and Kubernetes start it (--requirepass), Redis refuses a client without the password',
    async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'baraza-redisauth-'));
      tmpDirs.push(dir);
      const server = await startRedis(dir, ['--requirepass', 'a-long-random-password'], 'a-long-random-password');
      cleanups.push(() => server.client.status !== 'end' && server.client.disconnect());
      // A client without the password, speaking plain RESP: Redis answers NOAUTH and does nothing.
      const reply = await new Promise<string>((resolve, reject) => {
        const socket = net.createConnection(server.sock, () => socket.write('SET baraza:anything x\r\n'));
        socket.once('data', (b) => {
          resolve(b.toString());
          socket.destroy();
        });
        socket.once('error', reject);
      });
      expect(reply).toMatch(/^-NOAUTH/);
      expect(await server.client.get('baraza:anything')).toBeNull();
      expect(await server.client.config('GET', 'maxmemory')).toEqual(['maxmemory', String(768 * 1024 * 1024)]);
      await server.stop();
    },
    30_000,
  );

  (haveRedisServer ? it : it.skip)(
    'is accepted by a real redis-server, and data written before a restart is there after it',
    async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'baraza-redisconf-'));
      tmpDirs.push(dir);
      const first = await startRedis(dir);
      cleanups.push(() => first.client.status !== 'end' && first.client.disconnect());
      expect(await first.client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      expect(await first.client.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
      await first.client.set('baraza:infra-test', 'kept');
      await first.client.rpush('baraza:q:inbound:wait', 'job-1');
      await first.stop();
      expect(readdirSync(path.join(dir, conf.get('appenddirname')!.replace(/"/g, ''))).length).toBeGreaterThan(0);
      // Remove the RDB snapshot so only the AOF can bring the data back.
      rmSync(path.join(dir, 'dump.rdb'), { force: true });
      const second = await startRedis(dir);
      cleanups.push(() => second.client.status !== 'end' && second.client.disconnect());
      expect(await second.client.get('baraza:infra-test')).toBe('kept');
      expect(await second.client.lrange('baraza:q:inbound:wait', 0, -1)).toEqual(['job-1']);
      await second.stop();
    },
    30_000,
  );
});

// ---------------------------------------------------------------------------------------------------------
// systemd units and the deployment guide

function unitDirectives(text: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#') || t.startsWith('[')) continue;
    const i = t.indexOf('=');
    const k = t.slice(0, i);
    m.set(k, [...(m.get(k) ?? []), t.slice(i + 1)]);
  }
  return m;
}

describe('infra/systemd', () => {
  it.each([
    ['baraza-gateway.service', 'gateway'],
    ['baraza-worker@.service', 'worker'],
  ])('%s runs the `npm run %s` entry as an unprivileged user with the env file', (file, script) => {
    const unit = unitDirectives(readFileSync(path.join(INFRA, 'systemd', file), 'utf8'));
    const exec = unit.get('ExecStart')![0]!.split(/\s+/);
    expect(exec[0]!.startsWith('/')).toBe(true);
    expect(argvEntry(['node', ...exec.slice(1)])).toEqual(scriptEntry(script));
    expect(path.basename(exec[0]!)).toBe('node');
    expect(['root', '0']).not.toContain(unit.get('User')?.[0]);
    expect(unit.get('User')).toBeDefined();
    expect(unit.get('EnvironmentFile')).toHaveLength(1);
    expect(unit.get('WorkingDirectory')).toHaveLength(1);
    expect(unit.get('Restart')?.[0]).toMatch(/on-failure|always/);
  });
});

describe('infra/DEPLOYING.md', () => {
  const doc = read('infra/DEPLOYING.md');

  it('refers only to infra files that exist', () => {
    // infra/.env is the operator's own copy of infra/.env.example (git-ignored), not a shipped file.
    const refs = [...doc.matchAll(/(?<![\w/])infra\/[\w./@-]*[\w@-]/g)]
      .map((m) => m[0])
      .filter((r) => r !== 'infra/.env');
    expect(refs.length).toBeGreaterThan(5);
    for (const ref of new Set(refs))
      expect({ ref, exists: existsSync(path.join(ROOT, ref)) }).toEqual({ ref, exists: true });
  });

  it('names only variables the config knows', () => {
    const names = new Set([...doc.matchAll(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g)].map((m) => m[0]));
    // REDISCLI_AUTH is redis-cli's own variable (the password it sends), not Baraza's.
    const notConfig = new Set(['NODE_ENV', 'TSX_DISABLE_CACHE', 'REDISCLI_AUTH']);
    for (const name of names) {
      if (notConfig.has(name)) continue;
      expect({ name, known: KNOWN.has(name) }).toEqual({ name, known: true });
    }
  });
});
