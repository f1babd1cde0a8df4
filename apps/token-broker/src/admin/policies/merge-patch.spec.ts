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

describe('merge patch with prototype keys', () => {
  it('a patch with "__proto__" neither pollutes nor crashes', () => {
    const patch = JSON.parse('{"__proto__": {"polluted": true}}') as unknown;
    const result = mergePatch({ a: 1 }, patch) as Record<string, unknown>;
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(result.polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.hasOwn(result, '__proto__')).toBe(true);
    expect(Object.keys(result)).toEqual(['a', '__proto__']);
  });

  it('"constructor" and "prototype" keys are ordinary members', () => {
    const patch = JSON.parse('{"constructor": {"prototype": {"polluted": true}}}') as unknown;
    const result = mergePatch({}, patch) as Record<string, Record<string, unknown>>;
    expect(result.constructor).toEqual({ prototype: { polluted: true } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(typeof Object.prototype.constructor).toBe('function');
  });
});
