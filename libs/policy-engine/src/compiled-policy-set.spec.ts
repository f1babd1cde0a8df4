import fc from 'fast-check';
import { CompiledPolicySet, RESOLUTION_CACHE_SIZE } from './compiled-policy-set';
import { naiveResolve } from './naive-resolve';
import { parsePolicyDocument } from './policy-document';
import { PolicyEngineError } from './policy-engine.error';
import {
  AUTH_METHOD_TYPES,
  type AuthMethod,
  type AuthMethodType,
  type ConnectionAuthMethod,
  type Policy,
} from './policy.types';

const ALPHABET = ['a', 'b', 'c', '-', '_', '.'];
const chars = (min: number, max: number) =>
  fc
    .array(fc.constantFrom(...ALPHABET), { minLength: min, maxLength: max })
    .map((cs) => cs.join(''));

/** A pattern piece and a string that piece matches, so generated names hit often. */
interface Piece {
  pattern: string;
  sample: string;
}
const piece: fc.Arbitrary<Piece> = fc.oneof(
  { weight: 4, arbitrary: chars(1, 3).map((s) => ({ pattern: s, sample: s })) },
  { weight: 2, arbitrary: chars(0, 3).map((s) => ({ pattern: '*', sample: s })) },
  chars(0, 3).map((s) => ({ pattern: '**', sample: s })),
  fc.constantFrom(...ALPHABET).map((s) => ({ pattern: '?', sample: s })),
  fc.constantFrom('a', 'b').map((s) => ({ pattern: '[ab]', sample: s })),
  fc.constantFrom('b', 'c', '.').map((s) => ({ pattern: '[!a]', sample: s })),
  fc.constantFrom('a', 'b', 'c').map((s) => ({ pattern: '[a-c]', sample: s })),
  fc.constantFrom('a', 'b').map((s) => ({ pattern: '{a,b}', sample: s })),
  fc.constantFrom('a', 'b.c').map((s) => ({ pattern: '{a,b.c}', sample: s })),
  fc.constantFrom('', 'x').map((s) => ({ pattern: '{,x}', sample: s })),
);
const patternSpec = fc
  .record({
    pieces: fc.array(piece, { minLength: 1, maxLength: 6 }),
    // rare: a negated pattern matches nearly everything and would drown the rest
    negate: fc.integer({ min: 0, max: 7 }).map((n) => n === 0),
  })
  .map(({ pieces, negate }) => ({
    pattern: (negate ? '!' : '') + pieces.map((p) => p.pattern).join(''),
    sample: pieces.map((p) => p.sample).join(''),
  }));

function authMethod(type: AuthMethodType): AuthMethod {
  if (type === 'oauth' || type === 'device_code') {
    return { type, provider: 'github', scopes: ['repo'] };
  }
  if (type === 'api_key') {
    return { type, key_ref: 'key' };
  }
  if (type === 'service_account') {
    return { type, account_ref: 'acct' };
  }
  return { type };
}

const policySpec = fc.record({
  spec: patternSpec,
  enabled: fc.boolean(),
  type: fc.constantFrom(...AUTH_METHOD_TYPES),
});
const policySet = fc
  .integer({ min: 0, max: 60 })
  .chain((n) =>
    fc.tuple(
      fc.uniqueArray(fc.integer({ min: -500, max: 500 }), { minLength: n, maxLength: n }),
      fc.array(policySpec, { minLength: n, maxLength: n }),
    ),
  )
  .map(([priorities, specs]) =>
    specs.map(({ spec, enabled, type }, i): Policy => ({
      name: `p${i}`,
      match_pattern: spec.pattern,
      priority: priorities[i],
      enabled,
      description: spec.sample,
      auth_method: authMethod(type),
    })),
  );
/** A tool name: random, or the sample of one policy's pattern, maybe with extra text around it. */
const toolRecipe = fc.record({
  random: chars(1, 10),
  from: fc.option(fc.nat(), { freq: 3 }),
  before: fc.option(chars(1, 2), { freq: 2 }),
  after: fc.option(chars(1, 2), { freq: 2 }),
});
type ToolRecipe = typeof toolRecipe extends fc.Arbitrary<infer T> ? T : never;
const toolFor = (policies: Policy[], r: ToolRecipe): string =>
  r.from === null || policies.length === 0
    ? r.random
    : (r.before ?? '') + policies[r.from % policies.length].description + (r.after ?? '');

describe('CompiledPolicySet', () => {
  describe('agreement with the naive reference', () => {
    it('resolve deep-equals naiveResolve for random policy sets and tool names', () => {
      fc.assert(
        fc.property(
          policySet,
          fc.array(toolRecipe, { minLength: 1, maxLength: 8 }),
          fc.constantFrom('allow' as const, 'deny' as const),
          (policies, recipes, defaultDecision) => {
            const opts = { version: 7, defaultDecision };
            const set = CompiledPolicySet.compile(policies, opts);
            for (const recipe of recipes) {
              const tool = toolFor(policies, recipe);
              const expected = naiveResolve(policies, tool, opts);
              const first = set.resolve(tool);
              expect(first).toEqual(expected);
              expect(set.resolve(tool)).toEqual(expected);
            }
          },
        ),
        { numRuns: 2000 },
      );
    });

    it('compileAsync builds a set that resolves like compile', async () => {
      await fc.assert(
        fc.asyncProperty(
          policySet,
          fc.array(toolRecipe, { minLength: 1, maxLength: 5 }),
          async (policies, recipes) => {
            const opts = { version: 1 };
            const sync = CompiledPolicySet.compile(policies, opts);
            const async_ = await CompiledPolicySet.compileAsync(policies, opts, { sliceMs: 0 });
            expect(async_.policies).toEqual(sync.policies);
            for (const recipe of recipes) {
              const tool = toolFor(policies, recipe);
              expect(async_.resolve(tool)).toEqual(sync.resolve(tool));
            }
          },
        ),
        { numRuns: 150 },
      );
    });
  });

  describe('reference example', () => {
    const yaml = `
auth_policies:
  - name: "GitHub Tools"
    match_pattern: "github.*"
    priority: 100
    auth_method: { type: oauth, provider: github, scopes: ["repo:read", "user:email"] }
  - name: "Admin Tools"
    match_pattern: "admin.*"
    priority: 200
    auth_method: { type: api_key, key_ref: admin_key }
  - name: "Default Auth"
    match_pattern: "*"
    priority: 1
    auth_method: { type: oauth, provider: github, scopes: ["user:email"] }
`;
    const parsed = parsePolicyDocument(yaml, 'yaml');
    if (!parsed.ok) {
      throw new Error(JSON.stringify(parsed.errors));
    }
    const policies = parsed.value;
    const set = CompiledPolicySet.compile(policies, { version: 3 });
    const names = (tool: string, s = set) => s.resolve(tool).candidates.map((p) => p.name);

    it('highest priority matching policy wins', () => {
      const r = set.resolve('github.create_issue');
      expect(r.decision).toBe('allow');
      expect(r.policy?.name).toBe('GitHub Tools');
      expect(r.auth_method).toEqual({
        type: 'oauth',
        provider: 'github',
        scopes: ['repo:read', 'user:email'],
      });
      expect(names('github.create_issue')).toEqual(['GitHub Tools', 'Default Auth']);
      expect(r.policy_set_version).toBe(3);
    });

    it('admin tools resolve to the admin api key', () => {
      expect(set.resolve('admin.reset').policy?.name).toBe('Admin Tools');
      expect(set.resolve('admin.reset').auth_method).toEqual({
        type: 'api_key',
        key_ref: 'admin_key',
      });
    });

    it('the catch-all governs tools no other pattern names', () => {
      expect(set.resolve('slack.post').policy?.name).toBe('Default Auth');
      expect(names('slack.post')).toEqual(['Default Auth']);
    });

    it('without a catch-all, no match means the default decision', () => {
      const narrow = policies.filter((p) => p.match_pattern !== '*');
      const denied = CompiledPolicySet.compile(narrow, { version: 1 }).resolve('slack.post');
      expect(denied).toMatchObject({
        decision: 'deny',
        policy: null,
        auth_method: null,
        candidates: [],
      });
      const allowed = CompiledPolicySet.compile(narrow, {
        version: 1,
        defaultDecision: 'allow',
      }).resolve('slack.post');
      expect(allowed).toMatchObject({ decision: 'allow', policy: null, candidates: [] });
    });
  });

  describe('decision rules', () => {
    const policy = (
      name: string,
      pattern: string,
      priority: number,
      extra: Partial<Policy> = {},
    ): Policy => ({
      name,
      match_pattern: pattern,
      priority,
      enabled: true,
      description: '',
      auth_method: { type: 'none' },
      ...extra,
    });

    it('a disabled policy never wins nor appears among candidates', () => {
      const set = CompiledPolicySet.compile(
        [policy('off', 'github.*', 900, { enabled: false }), policy('on', '*', 1)],
        { version: 1 },
      );
      const r = set.resolve('github.x');
      expect(r.policy?.name).toBe('on');
      expect(r.candidates.map((p) => p.name)).toEqual(['on']);
      expect(set.size).toBe(2);
    });

    it('a deny-type winner denies even when lower policies would allow', () => {
      const set = CompiledPolicySet.compile(
        [policy('block', 'admin.*', 10, { auth_method: { type: 'deny' } }), policy('open', '*', 1)],
        { version: 1, defaultDecision: 'allow' },
      );
      expect(set.resolve('admin.drop').decision).toBe('deny');
      expect(set.resolve('admin.drop').policy?.name).toBe('block');
      expect(set.resolve('other.x').decision).toBe('allow');
    });

    it('names outside the tool name alphabet are denied whatever the default', () => {
      const set = CompiledPolicySet.compile([policy('all', '!nothing', 1)], {
        version: 1,
        defaultDecision: 'allow',
      });
      for (const tool of ['', 'a/b', 'a b', 'x'.repeat(257)]) {
        expect(set.resolve(tool)).toMatchObject({ decision: 'deny', policy: null, candidates: [] });
      }
      expect(set.resolve('x'.repeat(256)).decision).toBe('allow');
    });

    it('policies are exposed highest priority first as frozen copies', () => {
      const input = [policy('low', 'a', 1), policy('high', 'b', 5)];
      const set = CompiledPolicySet.compile(input, { version: 4, defaultDecision: 'allow' });
      expect(set.policies.map((p) => p.name)).toEqual(['high', 'low']);
      expect(set.version).toBe(4);
      expect(set.defaultDecision).toBe('allow');
      expect(Object.isFrozen(set.policies[0])).toBe(true);
      expect(Object.isFrozen(input[0])).toBe(false);
    });
  });

  describe('resolution cache', () => {
    const set = CompiledPolicySet.compile(
      [
        {
          name: 'all',
          match_pattern: '*',
          priority: 1,
          enabled: true,
          description: '',
          auth_method: { type: 'oauth', provider: 'g', scopes: ['s'] },
        },
      ],
      { version: 1 },
    );

    it('cached resolutions are frozen so callers cannot corrupt them', () => {
      const r = set.resolve('a.b');
      expect(set.resolve('a.b')).toBe(r);
      expect(() => ((r as { decision: string }).decision = 'deny')).toThrow(TypeError);
      expect(() => r.candidates.push(r.candidates[0])).toThrow(TypeError);
      expect(() => (r.auth_method as ConnectionAuthMethod).scopes.push('admin')).toThrow(TypeError);
      expect(set.resolve('a.b').decision).toBe('allow');
    });

    it('is bounded: the oldest name is evicted once the cache is full', () => {
      const first = set.resolve('first.tool');
      for (let i = 0; i < RESOLUTION_CACHE_SIZE; i++) {
        set.resolve(`t${i}.x`);
      }
      const again = set.resolve('first.tool');
      expect(again).not.toBe(first);
      expect(again).toEqual(first);
      expect(set.resolve(`t${RESOLUTION_CACHE_SIZE - 1}.x`)).toBe(
        set.resolve(`t${RESOLUTION_CACHE_SIZE - 1}.x`),
      );
    });
  });

  describe('compile input checks', () => {
    it('rejects a pattern beyond the cost limits with invalid_policy_set', () => {
      const bad: Policy = {
        name: 'b',
        match_pattern: '{a,b}'.repeat(20),
        priority: 1,
        enabled: true,
        description: '',
        auth_method: { type: 'none' },
      };
      expect(() => CompiledPolicySet.compile([bad], { version: 1 })).toThrow(
        expect.objectContaining({ code: 'invalid_policy_set' }) as PolicyEngineError,
      );
    });

    it('rejects a default decision other than allow or deny', () => {
      expect(() =>
        CompiledPolicySet.compile([], { version: 1, defaultDecision: 'maybe' as 'allow' }),
      ).toThrow(expect.objectContaining({ code: 'invalid_compile_options' }) as PolicyEngineError);
    });
  });

  describe('asynchronous compile', () => {
    it('yields to the event loop between slices', async () => {
      const policies = Array.from({ length: 500 }, (_, i): Policy => ({
        name: `p${i}`,
        match_pattern: `up${i}.*`,
        priority: i,
        enabled: true,
        description: '',
        auth_method: { type: 'none' },
      }));
      let ranBeforeDone = false;
      setImmediate(() => (ranBeforeDone = true));
      const set = await CompiledPolicySet.compileAsync(policies, { version: 1 }, { sliceMs: 0 });
      expect(ranBeforeDone).toBe(true);
      expect(set.resolve('up42.x').policy?.name).toBe('p42');
    });
  });

  describe('index layout', () => {
    it('files literal prefixes, exact names and suffixes, leaving only unanchored patterns at the root', () => {
      const mk = (match_pattern: string, priority: number): Policy => ({
        name: match_pattern,
        match_pattern,
        priority,
        enabled: true,
        description: '',
        auth_method: { type: 'none' },
      });
      const set = CompiledPolicySet.compile(
        [mk('github.*', 1), mk('slack.post', 2), mk('{t,*.t}', 3), mk('*', 4), mk('!admin.*', 5)],
        { version: 1 },
      );
      expect(set.indexStats).toEqual({ exact: 2, prefix: 1, suffix: 1, root: 2 });
    });
  });
});
