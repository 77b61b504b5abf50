/**
 * Phone numbers out of JSON the admin surfaces return (finding 12, issue 14): every string (keys included) goes
 * through the same scrubbing the HTML pages apply, and a number whose digits look like a phone number becomes
 * its pseudonym (a string), so `/admin/queues.json` and Bull Board's API show what the pages show.
 */
export function scrubDeep(value: unknown, scrub: (text: string) => string, depth = 0): unknown {
  // Job data is JSON from our own queues; the bound only guards against a pathological shape.
  if (depth > 32) return '[too deep]';
  if (typeof value === 'string') return scrub(value);
  if (typeof value === 'number') {
    const text = String(value);
    const scrubbed = scrub(text);
    return scrubbed === text ? value : scrubbed;
  }
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, scrub, depth + 1));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [scrub(k), scrubDeep(v, scrub, depth + 1)]),
    );
  }
  return value;
}
