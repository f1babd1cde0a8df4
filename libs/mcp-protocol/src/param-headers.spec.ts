import { checkParamHeaders, paramHeaderDeclarations } from './param-headers';

const schema = {
  type: 'object',
  properties: {
    region: { type: 'string', 'x-mcp-header': 'Region' },
    days: { type: 'integer', 'x-mcp-header': 'Days' },
    options: {
      type: 'object',
      properties: { dry: { type: 'boolean', 'x-mcp-header': 'Dry-Run' } },
    },
    list: { type: 'array', items: { type: 'string', 'x-mcp-header': 'Unreachable' } },
    bad: { type: 'string', 'x-mcp-header': 'not a token' },
  },
};

describe('2026-07-28 custom headers (SEP-2243): Mcp-Param-* must agree with the arguments', () => {
  const declarations = paramHeaderDeclarations(schema);
  const headers = (map: Record<string, string>) => (name: string) => map[name];

  it('reads x-mcp-header declarations reachable through properties only, skipping malformed names', () => {
    expect(declarations).toEqual([
      { path: ['region'], headerName: 'Region', type: 'string' },
      { path: ['days'], headerName: 'Days', type: 'integer' },
      { path: ['options', 'dry'], headerName: 'Dry-Run', type: 'boolean' },
    ]);
  });

  it('accepts headers equal to the arguments (numbers numerically, values as the sentinel decodes)', () => {
    const check = checkParamHeaders(
      declarations,
      { region: 'eu-west', days: 2, options: { dry: true } },
      headers({
        'mcp-param-region': '=?base64?ZXUtd2VzdA==?=',
        'mcp-param-days': '2.0',
        'mcp-param-dry-run': 'true',
      }),
    );
    expect(check).toEqual({ ok: true });
  });

  it('refuses a header that disagrees with the body (−32020)', () => {
    expect(
      checkParamHeaders(
        declarations,
        { region: 'eu-west' },
        headers({ 'mcp-param-region': 'us-east' }),
      ),
    ).toMatchObject({
      ok: false,
      code: -32020,
    });
  });

  it('refuses a missing header for an argument the body carries, ignores one for an absent or null argument', () => {
    expect(checkParamHeaders(declarations, { region: 'eu-west' }, headers({}))).toMatchObject({
      ok: false,
      code: -32020,
    });
    expect(
      checkParamHeaders(declarations, { region: null }, headers({ 'mcp-param-days': '9' })),
    ).toEqual({ ok: true });
  });

  it('refuses an invalid Base64 sentinel', () => {
    expect(
      checkParamHeaders(
        declarations,
        { region: 'x' },
        headers({ 'mcp-param-region': '=?base64?***?=' }),
      ),
    ).toMatchObject({
      ok: false,
      code: -32020,
    });
  });
});
