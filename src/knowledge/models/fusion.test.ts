import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { cosine, fuseRankings } from './fusion.js';

const ids = (xs: { id: string }[]) => xs.map((x) => x.id);

describe('fuseRankings', () => {
  it('puts an item ranked well by both lists above items ranked well by only one', () => {
    const lexical = [
      { id: 'a', score: 9 },
      { id: 'b', score: 7 },
      { id: 'c', score: 5 },
    ];
    const dense = [
      { id: 'd', score: 0.9 },
      { id: 'b', score: 0.8 },
    ];
    const fused = fuseRankings(lexical, dense);
    expect(ids(fused)[0]).toBe('b');
    expect(ids(fused)).toEqual(expect.arrayContaining(['a', 'b', 'c', 'd']));
    expect(fused).toHaveLength(4);
    const b = fused.find((f) => f.id === 'b')!;
    expect(b.score).toBeCloseTo(1 / 62 + 1 / 62, 12);
    expect(b).toMatchObject({ lexicalRank: 2, denseRank: 2 });
    expect(fused.find((f) => f.id === 'c')!.denseRank).toBeUndefined();
  });

  it('ranks by score, not by input order, and ignores raw score scales', () => {
    const lexical = [
      { id: 'low', score: 1 },
      { id: 'high', score: 1000 },
    ];
    expect(ids(fuseRankings(lexical, []))).toEqual(['high', 'low']);
    // multiplying one list's scores by any positive factor changes nothing
    const scaled = lexical.map((x) => ({ ...x, score: x.score * 1e-6 }));
    expect(fuseRankings(scaled, [{ id: 'low', score: 0.5 }])).toEqual(
      fuseRankings(lexical, [{ id: 'low', score: 0.5 }]),
    );
  });

  it('a small k lets first places dominate, and ties are broken deterministically', () => {
    const lexical = [
      { id: 'x', score: 3 },
      { id: 'y', score: 2 },
      { id: 'z', score: 1 },
    ];
    const dense = [
      { id: 'z', score: 3 },
      { id: 'y', score: 2 },
      { id: 'x', score: 1 },
    ];
    // with k = 0, first places (1/1 + 1/3) beat two second places (1/2 + 1/2)
    expect(ids(fuseRankings(lexical, dense, 0)).at(-1)).toBe('y');
    // x and z have equal scores and equal best ranks: the tie is broken by id, so the order is stable
    expect(ids(fuseRankings(lexical, dense, 0))).toEqual(['x', 'z', 'y']);
    expect(ids(fuseRankings(dense, lexical, 0))).toEqual(['x', 'z', 'y']);
  });

  it('counts a duplicated id once, at its best rank, and skips non-finite scores', () => {
    const fused = fuseRankings(
      [
        { id: 'a', score: 5 },
        { id: 'a', score: 1 },
        { id: 'n', score: Number.NaN },
        { id: 'b', score: 3 },
      ],
      [],
    );
    expect(ids(fused)).toEqual(['a', 'b']);
    expect(fused[1]!.lexicalRank).toBe(2);
  });

  it('handles empty inputs and rejects a negative k', () => {
    expect(fuseRankings([], [])).toEqual([]);
    expect(() => fuseRankings([], [], -1)).toThrow(RangeError);
  });

  it('is symmetric in its two lists and always returns each id once, best first', () => {
    const list = fc.array(
      fc.record({
        id: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'),
        score: fc.double({ min: -10, max: 10, noNaN: true }),
      }),
      {
        maxLength: 8,
      },
    );
    fc.assert(
      fc.property(list, list, (l, d) => {
        const one = fuseRankings(l, d);
        const other = fuseRankings(d, l);
        expect(ids(one)).toEqual(ids(other));
        expect(new Set(ids(one)).size).toBe(one.length);
        expect(new Set(ids(one))).toEqual(new Set([...l, ...d].map((x) => x.id)));
        for (let i = 1; i < one.length; i++) expect(one[i - 1]!.score).toBeGreaterThanOrEqual(one[i]!.score);
      }),
    );
  });
});

describe('cosine', () => {
  it('is 1 for the same direction, -1 for opposite, 0 for orthogonal', () => {
    expect(cosine([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(cosine(new Float32Array([1, 0]), new Float32Array([-3, 0]))).toBeCloseTo(-1, 6);
    expect(cosine([1, 0], [0, 5])).toBe(0);
  });

  it('is 0 for a zero vector and throws when lengths differ', () => {
    expect(cosine([0, 0], [1, 1])).toBe(0);
    expect(() => cosine([1, 2], [1, 2, 3])).toThrow(/same model/);
  });

  it('stays within [-1, 1] and is symmetric', () => {
    const vec = fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 3, maxLength: 3 });
    fc.assert(
      fc.property(vec, vec, (a, b) => {
        const c = cosine(a, b);
        expect(c).toBeGreaterThanOrEqual(-1 - 1e-9);
        expect(c).toBeLessThanOrEqual(1 + 1e-9);
        expect(cosine(b, a)).toBeCloseTo(c, 12);
      }),
    );
  });
});
