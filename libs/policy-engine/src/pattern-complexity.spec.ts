import fc from 'fast-check';
import { braceExpand } from 'minimatch';
import { countBraceAlternatives } from './brace-alternatives.counter';
import { checkPatternComplexity, PATTERN_LIMITS } from './pattern-complexity';
import { MATCH_OPTIONS } from './pattern-matcher';

describe('pattern complexity', () => {
  describe('brace alternative counting', () => {
    it.each([
      ['github.*', 1],
      ['{a,b}', 2],
      ['{a,b}{c,d,e}', 6],
      ['{a,{b,c}}', 3],
      ['{{a,b}c}', 2],
      ['x{1..10}', 10],
      ['{a..e}', 5],
      ['{0..20..5}', 5],
      ['{a}', 1],
      ['\\{a,b\\}', 1],
      ['{a\\,b}', 1],
    ])('%s has %i alternatives', (pattern, count) => {
      expect(countBraceAlternatives(pattern, PATTERN_LIMITS.maxBraceDepth)).toBe(count);
    });

    it('never undercounts what minimatch expands', () => {
      const part: fc.Memo<string> = fc.memo((depth) =>
        depth <= 1
          ? fc.constantFrom('a', 'b.', '*', '', 'x')
          : fc.oneof(
              fc.constantFrom('a', '-', '*', '?'),
              fc
                .array(part(depth - 1), { minLength: 1, maxLength: 3 })
                .map((alts) => `{${alts.join(',')}}`),
              fc.tuple(part(depth - 1), part(depth - 1)).map(([x, y]) => x + y),
              fc
                .tuple(fc.integer({ min: -3, max: 12 }), fc.integer({ min: -3, max: 12 }))
                .map(([x, y]) => `{${x}..${y}}`),
            ),
      );
      fc.assert(
        fc.property(part(4), (pattern) => {
          const count = countBraceAlternatives(pattern, PATTERN_LIMITS.maxBraceDepth);
          expect(typeof count).toBe('number');
          expect(count).toBeGreaterThanOrEqual(braceExpand(pattern, MATCH_OPTIONS).length);
        }),
        { numRuns: 1000 },
      );
    });

    it('unbalanced braces are rejected, since bash-style rewriting of them is not countable', () => {
      expect(countBraceAlternatives('{a},b}', PATTERN_LIMITS.maxBraceDepth)).toMatch(
        /unbalanced braces/,
      );
      expect(countBraceAlternatives('{a,b', PATTERN_LIMITS.maxBraceDepth)).toMatch(
        /unbalanced braces/,
      );
      expect(countBraceAlternatives('a}', PATTERN_LIMITS.maxBraceDepth)).toMatch(
        /unbalanced braces/,
      );
    });
  });

  describe('hostile patterns', () => {
    it.each([
      ['30 nested braces', '{'.repeat(30) + 'a,b' + '}'.repeat(30), /nest deeper than 5/],
      ['{a,b} x 40', '{a,b}'.repeat(40), /more than a billion alternatives; at most 256/],
      ['{a,b} x 9', '{a,b}'.repeat(9), /512 alternatives; at most 256/],
      ['a huge range', '{1..100000}', /100000 alternatives/],
      ['a range past the safe integers', '{1..99999999999999999999999}', /more than a billion/],
      ['a very long string', 'a'.repeat(100_000), /at most 512 characters/],
      ['33 stars', '*a'.repeat(33), /33 '\*' wildcards; at most 32/],
      ['nine extglobs', '@(a|b)'.repeat(9), /9 extglob groups/],
      ['nested extglobs', '*('.repeat(9) + 'a' + ')'.repeat(9), /extglob groups/],
    ])('%s is rejected with a clear message', (_label, pattern, message) => {
      expect(checkPatternComplexity(pattern)).toMatch(message);
    });

    it('patterns at the limits are accepted', () => {
      expect(checkPatternComplexity('{a,b}'.repeat(8))).toBeNull();
      expect(checkPatternComplexity('{'.repeat(5) + 'a,b' + '}'.repeat(5))).toBeNull();
      expect(checkPatternComplexity('*a'.repeat(PATTERN_LIMITS.maxStars))).toBeNull();
      expect(checkPatternComplexity('x'.repeat(PATTERN_LIMITS.maxLength))).toBeNull();
      expect(checkPatternComplexity('\\*'.repeat(40))).toBeNull();
    });
  });
});
