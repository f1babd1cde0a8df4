import { mergePatch } from './merge-patch';

describe('RFC 7396 JSON merge patch', () => {
  it('replaces scalars and merges nested objects', () => {
    expect(mergePatch({ a: 1, m: { x: 1, y: 2 } }, { a: 2, m: { y: 3 } })).toEqual({
      a: 2,
      m: { x: 1, y: 3 },
    });
  });

  it('removes members set to null', () => {
    expect(mergePatch({ a: 1, m: { x: 1, y: 2 } }, { m: { x: null } })).toEqual({
      a: 1,
      m: { y: 2 },
    });
  });

  it('replaces arrays whole', () => {
    expect(mergePatch({ s: ['a', 'b'] }, { s: ['c'] })).toEqual({ s: ['c'] });
  });

  it('a non-object patch replaces the target', () => {
    expect(mergePatch({ a: 1 }, 'x')).toBe('x');
  });
});
