import type { FieldError, Validated } from './policy.types';
import { validatePolicy, validatePolicyDocument } from './policy.validator';

const valid = () => ({
  name: 'GitHub tools',
  match_pattern: 'github.*',
  priority: 100,
  auth_method: { type: 'oauth', provider: 'github', scopes: ['repo:read'] },
});

function errorsOf<T>(result: Validated<T>): FieldError[] {
  if (result.ok) {
    throw new Error('expected validation to fail');
  }
  return result.errors;
}

describe('policy validation', () => {
  it('a minimal policy gets enabled true and an empty description', () => {
    expect(validatePolicy(valid())).toEqual({
      ok: true,
      value: { ...valid(), enabled: true, description: '' },
    });
  });

  it('oauth scopes default to an empty list', () => {
    const result = validatePolicy({
      ...valid(),
      auth_method: { type: 'device_code', provider: 'gh' },
    });
    expect(result.ok && result.value.auth_method).toEqual({
      type: 'device_code',
      provider: 'gh',
      scopes: [],
    });
  });

  it('every problem is reported against its field path', () => {
    const errors = errorsOf(
      validatePolicy({ name: '', priority: 1.5, enabled: 'yes', description: 3, extra: 1 }),
    );
    expect(errors).toEqual(
      expect.arrayContaining([
        { field: 'extra', message: 'unknown field' },
        { field: 'name', message: 'must not be empty' },
        { field: 'match_pattern', message: 'is required' },
        { field: 'priority', message: 'must be an integer' },
        { field: 'enabled', message: 'must be a boolean' },
        { field: 'description', message: 'must be a string' },
        { field: 'auth_method', message: 'is required' },
      ]),
    );
    expect(errors).toHaveLength(7);
  });

  it('a non-object input is reported against the body or the prefix', () => {
    expect(errorsOf(validatePolicy([]))).toEqual([{ field: 'body', message: 'must be an object' }]);
    expect(errorsOf(validatePolicy(null, 'auth_policies[2].'))).toEqual([
      { field: 'auth_policies[2]', message: 'must be an object' },
    ]);
  });

  describe('name', () => {
    it.each([
      [undefined, 'is required'],
      [7, 'must be a string'],
      ['   ', 'must not be empty'],
      ['x'.repeat(201), 'must be at most 200 characters'],
    ])('%j is rejected: %s', (name, message) => {
      expect(errorsOf(validatePolicy({ ...valid(), name }))).toEqual([{ field: 'name', message }]);
    });
  });

  describe('match_pattern', () => {
    it.each([
      [42, /must be a string/],
      ['', /must not be empty/],
      ['a'.repeat(513), /at most 512 characters/],
      ['github/*', /must not contain '\/'/],
      ['{a,b', /unbalanced braces/],
      ['{a,b}'.repeat(40), /alternatives; at most 256/],
      ['{'.repeat(30) + 'a' + '}'.repeat(30), /nest deeper/],
      ['{1..100000}', /100000 alternatives/],
      ['*'.repeat(40), /wildcards/],
    ])('%j is rejected', (match_pattern, message) => {
      const errors = errorsOf(validatePolicy({ ...valid(), match_pattern }));
      expect(errors).toEqual([
        { field: 'match_pattern', message: expect.stringMatching(message) as string },
      ]);
    });
  });

  describe('priority', () => {
    it.each([['100'], [NaN], [1.5], [Infinity], [2 ** 31], [-(2 ** 31) - 1], [null]])(
      '%j is rejected',
      (priority) => {
        expect(errorsOf(validatePolicy({ ...valid(), priority }))[0].field).toBe('priority');
      },
    );

    it('the Postgres integer bounds are accepted', () => {
      expect(validatePolicy({ ...valid(), priority: 2 ** 31 - 1 }).ok).toBe(true);
      expect(validatePolicy({ ...valid(), priority: -(2 ** 31) }).ok).toBe(true);
    });
  });

  describe('auth_method', () => {
    const method = (auth_method: unknown) => errorsOf(validatePolicy({ ...valid(), auth_method }));

    it('must be an object with a known type', () => {
      expect(method('oauth')).toEqual([{ field: 'auth_method', message: 'must be an object' }]);
      expect(method({ type: 'saml' })).toEqual([
        {
          field: 'auth_method.type',
          message: 'must be one of oauth, device_code, api_key, service_account, none, deny',
        },
      ]);
    });

    it('oauth and device_code need a provider', () => {
      expect(method({ type: 'oauth' })).toEqual([
        { field: 'auth_method.provider', message: 'is required' },
      ]);
      expect(method({ type: 'device_code', provider: '' })).toEqual([
        { field: 'auth_method.provider', message: 'must not be empty' },
      ]);
    });

    it('scopes must be an array of strings, reported per entry', () => {
      expect(method({ type: 'oauth', provider: 'g', scopes: 'repo' })).toEqual([
        { field: 'auth_method.scopes', message: 'must be an array of strings' },
      ]);
      expect(method({ type: 'oauth', provider: 'g', scopes: ['repo', 5] })).toEqual([
        { field: 'auth_method.scopes[1]', message: 'must be a string' },
      ]);
    });

    it('api_key needs key_ref and service_account needs account_ref', () => {
      expect(method({ type: 'api_key' })).toEqual([
        { field: 'auth_method.key_ref', message: 'is required' },
      ]);
      expect(method({ type: 'service_account' })).toEqual([
        { field: 'auth_method.account_ref', message: 'is required' },
      ]);
    });

    it('fields of another type are rejected, unknown fields too', () => {
      expect(method({ type: 'api_key', key_ref: 'k', provider: 'github', scopes: [] })).toEqual([
        { field: 'auth_method.provider', message: 'is not allowed for type api_key' },
        { field: 'auth_method.scopes', message: 'is not allowed for type api_key' },
      ]);
      expect(method({ type: 'deny', reason: 'x' })).toEqual([
        { field: 'auth_method.reason', message: 'unknown field' },
      ]);
    });

    it('inherited property names are not fields', () => {
      expect(method(JSON.parse('{"type":"none","__proto__":{"x":1}}'))).toEqual([
        { field: 'auth_method.__proto__', message: 'unknown field' },
      ]);
    });
  });
});

describe('policy document validation', () => {
  const second = () => ({ ...valid(), name: 'Other', priority: 5, match_pattern: 'x.*' });

  it('validates every entry with indexed field paths', () => {
    const errors = errorsOf(
      validatePolicyDocument({
        auth_policies: [
          valid(),
          { ...second(), auth_method: { type: 'oauth', provider: 'g', scopes: ['a', 1] } },
        ],
      }),
    );
    expect(errors).toEqual([
      { field: 'auth_policies[1].auth_method.scopes[1]', message: 'must be a string' },
    ]);
  });

  it('duplicate names and priorities are reported on the later entry', () => {
    const errors = errorsOf(
      validatePolicyDocument({
        auth_policies: [valid(), second(), { ...second(), name: 'GitHub tools', priority: 100 }],
      }),
    );
    expect(errors).toEqual([
      {
        field: 'auth_policies[2].name',
        message: 'name "GitHub tools" is already used by auth_policies[0]',
      },
      {
        field: 'auth_policies[2].priority',
        message: 'priority 100 is already used by policy "GitHub tools"',
      },
    ]);
  });

  it('only auth_policies is allowed at the top level', () => {
    expect(errorsOf(validatePolicyDocument({ auth_policies: [], version: 2 }))).toEqual([
      { field: 'version', message: 'unknown field' },
    ]);
    expect(errorsOf(validatePolicyDocument({}))).toEqual([
      { field: 'auth_policies', message: 'is required' },
    ]);
    expect(errorsOf(validatePolicyDocument({ auth_policies: {} }))).toEqual([
      { field: 'auth_policies', message: 'must be an array' },
    ]);
  });

  it('a valid document yields its policies in document order', () => {
    const result = validatePolicyDocument({ auth_policies: [second(), valid()] });
    expect(result.ok && result.value.map((p) => p.name)).toEqual(['Other', 'GitHub tools']);
  });
});

describe('text Postgres cannot store is a field error (never a 5xx later)', () => {
  const base = {
    name: 'ok',
    match_pattern: 'a.*',
    priority: 1,
    auth_method: { type: 'api_key', key_ref: 'k' },
  };
  it.each([
    ['a NUL in the name', { name: 'a\u0000b' }, 'name'],
    ['a NUL in the description', { description: 'x\u0000' }, 'description'],
    [
      'an unpaired surrogate in key_ref',
      { auth_method: { type: 'api_key', key_ref: 'k\ud800' } },
      'auth_method.key_ref',
    ],
    ['a lone low surrogate in the description', { description: '\udc00x' }, 'description'],
  ])('rejects %s', (_label, overrides, field) => {
    const result = validatePolicy({ ...base, ...overrides });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.map((e) => e.field)).toContain(field);
  });

  it('accepts astral characters (valid surrogate pairs) in the description', () => {
    expect(validatePolicy({ ...base, description: 'rocket \u{1F680}' }).ok).toBe(true);
  });
});

describe('format characters in policy names and patterns', () => {
  const FORMAT = ['\u200b', '\u200d', '\u200e', '\u202a', '\u202e', '\u2060', '\u2066', '\u2069'];

  it.each(FORMAT.map((c) => [c.codePointAt(0)!.toString(16), c]))(
    'refuses U+%s in name and match_pattern',
    (_hex, char) => {
      const errors = errorsOf(
        validatePolicy({
          ...valid(),
          name: `github${char} tools`,
          match_pattern: `github${char}.*`,
        }),
      );
      expect(errors.map((e) => e.field)).toEqual(['name', 'match_pattern']);
    },
  );

  it('refuses them in auth method references and scopes too', () => {
    const errors = errorsOf(
      validatePolicy({
        ...valid(),
        auth_method: { type: 'oauth', provider: 'git\u200bhub', scopes: ['repo\u202e'] },
      }),
    );
    expect(errors.map((e) => e.field)).toEqual(['auth_method.provider', 'auth_method.scopes[0]']);
  });

  it('keeps visible non-ASCII text', () => {
    expect(validatePolicy({ ...valid(), name: 'Outils Ünïcode 工具' }).ok).toBe(true);
  });
});
