import { afterAll, afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Command } from 'commander';
import { cleanupPrefix, testRedisUrl, uniquePrefix } from '../../../../tests/support/redis.js';
import { GAPS_KEY } from '../../../knowledge/answer/gaps.js';
import { RedisStore } from '../../../platform/store/index.js';
import { groupGaps } from '../../admin/gap-groups.js';
import { EMBEDDED_STORE_MESSAGE, formatGapTable, register, waitForRedis } from './gaps.js';

const prefix = uniquePrefix('cli-gaps');
afterAll(() => cleanupPrefix(prefix));

const gaps = [
  { question: 'How do I store maize?', lang: 'en', channel: 'ussd', at: '2026-01-02T10:00:00Z' },
  { question: 'storing maize grain', lang: 'en', channel: 'sms', at: '2026-01-03T10:00:00Z' },
  { question: 'kuhifadhi mahindi', lang: 'sw', channel: 'sms', at: '2026-01-04T10:00:00Z' },
];

describe('formatGapTable', () => {
  it('shows groups biggest first with counts per language and channel and the other wordings', () => {
    const out = formatGapTable(groupGaps(gaps));
    const lines = out.split('\n');
    expect(lines[0]).toBe('3 questions in 2 groups · by language: en 2, sw 1 · by channel: sms 2, ussd 1');
    expect(lines[2]).toMatch(/^#\s+asked\s+languages\s+channels\s+question/);
    expect(lines[3]).toMatch(/^1\s+2\s+en 2\s+sms 1, ussd 1\s+How do I store maize\?$/);
    expect(lines[4]).toMatch(/^\s+~ storing maize grain$/);
    expect(lines[5]).toMatch(/^2\s+1\s+sw 1\s+sms 1\s+kuhifadhi mahindi$/);
  });

  it('finding 12: prints user text with escape sequences and control characters harmlessly', () => {
    const hostile = [
      // Clears the screen, moves the cursor and recolours; an OSC 52 clipboard write; a bidi override; a bell.
      {
        question: 'maize\u001b[2J\u001b[H\u001b[31mFAKE\u001b[0m',
        lang: 'en\u001b]52;c;Y3VybA==\u0007',
        channel: 'sms',
        at: '2026-01-02T10:00:00Z',
      },
      {
        question: 'line one\nline two\r\u0007\u202eevil\u0000',
        lang: 'sw',
        channel: 'ussd',
        at: '2026-01-03T10:00:00Z',
      },
    ];
    const out = formatGapTable(groupGaps(hostile));
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting there are none
    expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(out).toContain('maizeFAKE');
    expect(out).toContain('line one line two');
    expect(out.split('\n')).toHaveLength(5);
  });

  it('says how many groups it left out, and when there is nothing', () => {
    expect(formatGapTable(groupGaps(gaps), { limit: 1 })).toContain('1 smaller groups not shown');
    expect(formatGapTable(groupGaps([]))).toBe('No knowledge gaps recorded yet.');
  });
});

describe('baraza gaps', () => {
  let out: string;
  let err: string;
  const saved = { ...process.env };
  beforeEach(() => {
    out = '';
    err = '';
    jest.spyOn(process.stdout, 'write').mockImplementation((s) => {
      out += String(s);
      return true;
    });
    jest.spyOn(process.stderr, 'write').mockImplementation((s) => {
      err += String(s);
      return true;
    });
    process.exitCode = undefined;
  });
  afterEach(() => {
    jest.restoreAllMocks();
    process.env = { ...saved };
    process.exitCode = undefined;
  });

  async function run(args: string[]) {
    const program = new Command().exitOverride();
    register(program);
    await program.parseAsync(['node', 'baraza', 'gaps', ...args]);
  }

  it('explains where the gaps are when there is no Redis to read', async () => {
    delete process.env.REDIS_URL;
    await run([]);
    expect(process.exitCode).toBe(1);
    expect(err.trim()).toBe(EMBEDDED_STORE_MESSAGE);
    expect(err).toContain('/admin/gaps');
  });

  it('reads and groups the gaps from Redis, as a table or JSON, filtered by language', async () => {
    const store = new RedisStore(testRedisUrl(), prefix);
    await waitForRedis(store);
    for (const g of gaps) await store.listPush(GAPS_KEY, JSON.stringify(g));
    await store.close();
    process.env.REDIS_URL = testRedisUrl();

    await run(['--prefix', prefix]);
    expect(process.exitCode ?? 0).toBe(0);
    expect(out).toContain('3 questions in 2 groups');
    expect(out).toContain('How do I store maize?');

    out = '';
    await run(['--prefix', prefix, '--json', '--lang', 'sw']);
    const report = JSON.parse(out);
    expect(report.total).toBe(1);
    expect(report.groups[0].representative).toBe('kuhifadhi mahindi');
  });

  it('rejects a bad --limit', async () => {
    process.env.REDIS_URL = testRedisUrl();
    await run(['--limit', 'lots']);
    expect(process.exitCode).toBe(2);
    expect(err).toContain('--limit');
  });
});
