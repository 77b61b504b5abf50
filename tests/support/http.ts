import {
  buildGatewayRouter,
  type GatewayServer,
  gatewayServer,
  type SurfaceFactory,
} from '../../src/apps/gateway/app.js';
import type { AppContext } from '../../src/platform/context.js';

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
  json(): any;
}

/** Listens on a free loopback port (tests talk real HTTP, as providers do). Returns the base URL. */
export async function serve(server: GatewayServer): Promise<string> {
  const { port } = await server.listen(0, '127.0.0.1');
  return `http://127.0.0.1:${port}`;
}

export interface TestGateway {
  base: string;
  server: GatewayServer;
  close(): Promise<void>;
}

/**
 * The gateway's router with only the given surfaces (health, limiter, 404 and error handling as in production),
 * served on a free loopback port. `trustProxy` stands in for TRUSTED_PROXIES (default: trust no proxy).
 */
export async function serveSurfaces(
  ctx: AppContext,
  surfaces: SurfaceFactory[],
  opts: { trustProxy?: boolean | string[] } = {},
): Promise<TestGateway> {
  const router = await buildGatewayRouter(ctx, {
    surfaces,
    readiness: { packs: () => ({ ok: true, detail: 'test' }) },
  });
  const server = gatewayServer(router, opts.trustProxy ?? false);
  const base = await serve(server);
  return { base, server, close: () => server.close() };
}

/** A small `inject`-shaped client over fetch. */
export async function request(
  base: string,
  opts: { method?: string; url: string; headers?: Record<string, string>; payload?: string },
): Promise<HttpResponse> {
  const res = await fetch(base + opts.url, {
    method: opts.method ?? 'GET',
    headers: opts.headers,
    body: opts.payload,
  });
  const body = await res.text();
  return {
    statusCode: res.status,
    headers: Object.fromEntries(res.headers.entries()),
    body,
    json: () => JSON.parse(body),
  };
}
