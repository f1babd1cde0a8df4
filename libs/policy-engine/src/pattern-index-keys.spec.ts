import fc from 'fast-check';
import { checkPatternComplexity } from './pattern-complexity';
import { indexKeysFor, type IndexKey } from './pattern-index-keys';
import { matchesPattern } from './pattern-matcher';

describe('index keys', () => {
  it.each<[string, IndexKey[]]>([
    ['slack.post', [{ kind: 'exact', text: 'slack.post' }]],
    ['github.*', [{ kind: 'prefix', text: 'github.' }]],
    ['up1.tool_prefix*', [{ kind: 'prefix', text: 'up1.tool_prefix' }]],
    [
      '{a,b}_*',
      [
        { kind: 'prefix', text: 'a_' },
        { kind: 'prefix', text: 'b_' },
      ],
    ],
    [
      '{t,*.t}',
      [
        { kind: 'exact', text: 't' },
        { kind: 'suffix', text: '.t' },
      ],
    ],
    [
      'cap{.,_,-}*',
      [
        { kind: 'prefix', text: 'cap.' },
        { kind: 'prefix', text: 'cap_' },
        { kind: 'prefix', text: 'cap-' },
      ],
    ],
    ['a\\*b', [{ kind: 'prefix', text: 'a' }]],
    ['*', [{ kind: 'root' }]],
    ['*.@(a|b)', [{ kind: 'root' }]],
    ['!github.*', [{ kind: 'root' }]],
    ['{github.*,*}', [{ kind: 'root' }]],
    ['t{1..150}', [{ kind: 'root' }]],
  ])('%s is filed under %j', (pattern, keys) => {
    expect(indexKeysFor(pattern)).toEqual(keys);
  });

  it('every name a pattern matches satisfies one of its keys, and an exact key is a match', () => {
    const syntax = 'ab.-_*?[]{}(),|!+@\\^';
    const text = (alphabet: string, max: number) =>
      fc.array(fc.constantFrom(...alphabet), { maxLength: max }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(
        text(syntax, 10),
        fc.array(text('ab.-_', 6), { minLength: 1, maxLength: 6 }),
        (pattern, tools) => {
          fc.pre(checkPatternComplexity(pattern) === null);
          const keys = indexKeysFor(pattern);
          for (const tool of [...tools, pattern.replace(/[^ab.\-_]/g, '')]) {
            const hit = matchesPattern(tool, pattern);
            const admitted = keys.some(
              (k) =>
                k.kind === 'root' ||
                (k.kind === 'exact' && tool === k.text) ||
                (k.kind === 'prefix' && tool.startsWith(k.text)) ||
                (k.kind === 'suffix' && tool.endsWith(k.text)),
            );
            if (hit) {
              expect(admitted).toBe(true);
            }
            if (keys.some((k) => k.kind === 'exact' && k.text === tool)) {
              expect(hit).toBe(true);
            }
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
