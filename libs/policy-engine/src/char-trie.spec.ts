import fc from 'fast-check';
import { CharTrie } from './char-trie';

describe('char trie', () => {
  const found = (trie: CharTrie<string>, text: string) => {
    const out: string[] = [];
    trie.forEachKeyIn(text, (values) => out.push(...values));
    return out.sort();
  };

  it('finds every stored key that is a prefix of the text, including the empty key', () => {
    const trie = new CharTrie<string>();
    for (const key of ['', 'up', 'upstream1.', 'upstream1.list_', 'upstream12.', 'other']) {
      trie.insert(key, key);
    }
    expect(found(trie, 'upstream1.list_repos')).toEqual([
      '',
      'up',
      'upstream1.',
      'upstream1.list_',
    ]);
    expect(found(trie, 'upstream12.x')).toEqual(['', 'up', 'upstream12.']);
    expect(found(trie, 'u')).toEqual(['']);
  });

  it('with fromEnd, finds every stored key that is a suffix of the text', () => {
    const trie = new CharTrie<string>(true);
    for (const key of ['.admin_tool', '_tool', 'x.admin_tool']) {
      trie.insert(key, key);
    }
    expect(found(trie, 'ci.admin_tool')).toEqual(['.admin_tool', '_tool']);
  });

  it('agrees with a brute-force scan of the keys', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'b', '.'), maxLength: 8 });
    fc.assert(
      fc.property(fc.array(text, { maxLength: 20 }), text, fc.boolean(), (keys, probe, fromEnd) => {
        const trie = new CharTrie<string>(fromEnd);
        keys.forEach((k) => trie.insert(k, k));
        const expected = keys
          .filter((k) => (fromEnd ? probe.endsWith(k) : probe.startsWith(k)))
          .sort();
        expect(found(trie, probe)).toEqual(expected);
        expect(trie.size).toBe(keys.length);
      }),
      { numRuns: 1000 },
    );
  });
});
