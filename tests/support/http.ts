import type { FastifyInstance } from 'fastify';

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  json(): any;
}

/** Listens on a free loopback port (tests talk real HTTP, as providers do). Returns the base URL. */
export async function serve(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  if (!addr || typeof addr === 'string') throw new Error('server has no TCP address');
  return `http://127.0.0.1:${addr.port}`;
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
