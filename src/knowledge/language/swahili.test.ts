import { describe, expect, it } from '@jest/globals';
import { swahiliRoots } from './swahili.js';

const share = (a: string, b: string) => swahiliRoots(a).some((r) => swahiliRoots(b).includes(r));

describe('Swahili roots', () => {
  it('finds the root under subject, tense and object markers and verb extensions', () => {
    expect(share('kinazuiwaje', 'kuzuia')).toBe(true); // how is it prevented ~ to prevent
    expect(share('tujikinge', 'kinga')).toBe(true); // let us protect ourselves ~ protection
    expect(share('nimetapeliwa', 'utapeli')).toBe(true); // I have been conned ~ fraud
    expect(share('nimekopa', 'kukopa')).toBe(true); // I borrowed ~ to borrow
    expect(share('wakulima', 'mkulima')).toBe(true); // farmers ~ farmer
  });

  it('keeps unrelated words apart, short noun roots included', () => {
    expect(share('kuomba', 'chombo')).toBe(false); // to ask ~ a container
    expect(share('kupanda', 'kuvuna')).toBe(false); // to plant ~ to harvest
    expect(share('mahindi', 'maharagwe')).toBe(false);
  });

  it('leaves short words and words of other scripts alone', () => {
    expect(swahiliRoots('kuku')).toEqual([]);
    expect(swahiliRoots('ጤና')).toEqual([]);
  });
});
