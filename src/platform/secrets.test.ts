import { describe, expect, it } from '@jest/globals';
import { sameSecret } from './secrets.js';

describe('sameSecret', () => {
  it('accepts only the exact secret, whatever the lengths', () => {
    expect(sameSecret('s3cret-token', 's3cret-token')).toBe(true);
    expect(sameSecret('s3cret-toke', 's3cret-token')).toBe(false);
    expect(sameSecret('s3cret-token-and-more', 's3cret-token')).toBe(false);
    expect(sameSecret('', 's3cret-token')).toBe(false);
    expect(sameSecret('S3CRET-TOKEN', 's3cret-token')).toBe(false);
  });
});
