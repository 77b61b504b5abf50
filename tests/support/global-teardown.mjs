export default async function globalTeardown() {
  const child = globalThis.__BARAZA_REDIS__;
  if (child) child.kill('SIGTERM');
}
