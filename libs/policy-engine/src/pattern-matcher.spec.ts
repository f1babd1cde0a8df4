import fc from 'fast-check';
import { checkPatternComplexity } from './pattern-complexity';
import {
  compileToolMatcher,
  isMatchableToolName,
  matchesPattern,
  MAX_TOOL_NAME_LENGTH,
} from './pattern-matcher';

describe('pattern semantics', () => {
  it.each([
    ['github.*', 'github.create_issue', true],
    ['github.*', 'github.repos.list', true],
    ['github.*', 'gitlab.x', false],
    ['*', 'slack.post', true],
    ['*', '.hidden', true],
    ['*', '.', false],
    ['*', '..', false],
    ['**', 'a.b.c', true],
    ['*.admin_tool', 'x.admin_tool', true],
    ['github.?', 'github.a', true],
    ['github.?', 'github.ab', false],
    ['tool[0-9]', 'tool7', true],
    ['tool[!0-9]', 'tool7', false],
    ['{github,gitlab}.*', 'gitlab.merge', true],
    ['{,x}', 'x', true],
    ['a{,x}', 'a', true],
    ['!admin.*', 'github.x', true],
    ['!admin.*', 'admin.reset', false],
    ['!!admin.*', 'admin.reset', true],
    ['!(admin).x', 'y.x', true],
    ['!(admin).x', 'admin.x', true],
    ['*.@(read|list)', 'files.read', true],
    ['*.@(read|list)', 'files.write', false],
    ['#ops.*', '#ops.run', true],
    ['a\\*', 'a*', true],
    ['a\\*', 'ab', false],
    ['GitHub.*', 'github.x', false],
  ])('%s against %s is %s', (pattern, tool, expected) => {
    expect(matchesPattern(tool, pattern)).toBe(expected);
    expect(compileToolMatcher(pattern)(tool)).toBe(expected);
  });

  describe('tool name alphabet', () => {
    it('qualified names of letters, digits, dot, dash and underscore are matchable', () => {
      expect(isMatchableToolName('github.create_issue-v2')).toBe(true);
      expect(isMatchableToolName('x'.repeat(MAX_TOOL_NAME_LENGTH))).toBe(true);
    });

    it.each([[''], ['a/b'], ['a b'], ['a\u0000'], ['x'.repeat(MAX_TOOL_NAME_LENGTH + 1)], ['é']])(
      '%j is not matchable',
      (tool) => {
        expect(isMatchableToolName(tool)).toBe(false);
      },
    );
  });
});

describe('compiled matcher', () => {
  it('agrees with minimatch for any pattern and name, including ones outside the tool alphabet', () => {
    const text = (alphabet: string, max: number) =>
      fc.array(fc.constantFrom(...alphabet), { maxLength: max }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(
        text('ab.-_*?[]{}(),|!+@\\/', 10),
        fc.array(text('ab.-_/', 6), { maxLength: 6 }),
        (pattern, tools) => {
          fc.pre(checkPatternComplexity(pattern) === null);
          const matcher = compileToolMatcher(pattern);
          for (const tool of tools) {
            expect(matcher(tool)).toBe(matchesPattern(tool, pattern));
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
