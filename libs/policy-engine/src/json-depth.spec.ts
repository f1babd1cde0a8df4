import { exceedsDepth, MAX_NESTING_DEPTH } from './json-depth';

const nest = (depth: number): unknown => JSON.parse('['.repeat(depth) + ']'.repeat(depth));

describe('nesting depth limit', () => {
  it('accepts scalars and values up to the limit', () => {
    expect(exceedsDepth('x')).toBe(false);
    expect(exceedsDepth({ a: [1, { b: 2 }] })).toBe(false);
    expect(exceedsDepth(nest(MAX_NESTING_DEPTH))).toBe(false);
  });

  it('refuses one level more than the limit', () => {
    expect(exceedsDepth(nest(MAX_NESTING_DEPTH + 1))).toBe(true);
  });

  it('checks 100,000 levels without overflowing the stack', () => {
    expect(exceedsDepth(nest(100_000))).toBe(true);
  });
});
