import { parse } from 'yaml';
import { CompiledPolicySet } from './compiled-policy-set';
import { convertLegacyAuthConfig, isLegacyAuthConfig } from './legacy-config.converter';
import type { FieldError, Policy, Validated } from './policy.types';

/** The auth block of the predecessor's 'Complete Configuration Example'. */
const COMPLETE_EXAMPLE = `
auth:
  server_level:
    type: oauth
    provider: github
    scopes: ["user:email"]
  capabilities:
    google_workspace:
      type: oauth
      provider: google
      scopes: ["https://www.googleapis.com/auth/spreadsheets"]
    headless_tools:
      type: device_code
      provider: github_headless
      scopes: ["repo:read", "user:email"]
  tools:
    admin_tool:
      type: api_key
      key_ref: admin_key
    github_deploy_tool:
      type: service_account
      account_ref: github_deploy_pat
`;

function valueOf(result: Validated<Policy[]>): Policy[] {
  if (!result.ok) {
    throw new Error(JSON.stringify(result.errors));
  }
  return result.value;
}
function errorsOf(result: Validated<Policy[]>): FieldError[] {
  if (result.ok) {
    throw new Error('expected conversion to fail');
  }
  return result.errors;
}

describe('legacy config conversion', () => {
  const policies = valueOf(convertLegacyAuthConfig(parse(COMPLETE_EXAMPLE)));
  const set = CompiledPolicySet.compile(policies, { version: 1 });

  it('the complete example becomes one policy per entry with tiered priorities', () => {
    expect(policies.map((p) => [p.name, p.match_pattern, p.priority])).toEqual([
      ['legacy: server level', '*', 1000],
      ['legacy: capability headless_tools', 'headless_tools{.,_,-}*', 2000],
      ['legacy: capability google_workspace', 'google_workspace{.,_,-}*', 2001],
      ['legacy: tool admin_tool', '{admin_tool,*.admin_tool}', 3000],
      ['legacy: tool github_deploy_tool', '{github_deploy_tool,*.github_deploy_tool}', 3001],
    ]);
  });

  it.each([
    ['x.admin_tool', { type: 'api_key', key_ref: 'admin_key' }],
    ['admin_tool', { type: 'api_key', key_ref: 'admin_key' }],
    ['ci.github_deploy_tool', { type: 'service_account', account_ref: 'github_deploy_pat' }],
    [
      'google_workspace.read_sheet',
      {
        type: 'oauth',
        provider: 'google',
        scopes: ['https://www.googleapis.com/auth/spreadsheets'],
      },
    ],
    [
      'headless_tools_run',
      { type: 'device_code', provider: 'github_headless', scopes: ['repo:read', 'user:email'] },
    ],
    ['slack.post', { type: 'oauth', provider: 'github', scopes: ['user:email'] }],
  ])('tool level beats capability level beats server level: %s', (tool, method) => {
    expect(set.resolve(tool).auth_method).toEqual(method);
  });

  it('a tool named inside a capability resolves to the tool tier', () => {
    expect(set.resolve('google_workspace.admin_tool').policy?.name).toBe('legacy: tool admin_tool');
  });

  it('longer capability names outrank shorter ones they overlap', () => {
    const caps = valueOf(
      convertLegacyAuthConfig({
        capabilities: { git: { type: 'none' }, git_hub: { type: 'deny' } },
      }),
    );
    const r = CompiledPolicySet.compile(caps, { version: 1 }).resolve('git_hub_push');
    expect(r.policy?.name).toBe('legacy: capability git_hub');
    expect(r.candidates.map((p) => p.name)).toEqual([
      'legacy: capability git_hub',
      'legacy: capability git',
    ]);
  });

  it('keyed methods are accepted and provider settings such as client_id dropped', () => {
    const converted = valueOf(
      convertLegacyAuthConfig({
        server_level: { oauth: { provider: 'github', client_id: 'abc', scopes: ['repo'] } },
        tools: { run: { device_code: { provider: 'gh', client_id: 'x' } } },
      }),
    );
    expect(converted.map((p) => p.auth_method)).toEqual([
      { type: 'oauth', provider: 'github', scopes: ['repo'] },
      { type: 'device_code', provider: 'gh', scopes: [] },
    ]);
  });

  it('problems are reported against the legacy field paths', () => {
    const errors = errorsOf(
      convertLegacyAuthConfig({
        auth: {
          server_level: { oauth: { scopes: ['x'] } },
          capabilities: { 'bad name': { type: 'none' }, ok: 'oauth' },
          tools: { t: { type: 'api_key' } },
          providers: {},
        },
      }),
    );
    expect(errors).toEqual([
      { field: 'auth.providers', message: 'unknown field' },
      { field: 'auth.server_level.oauth.provider', message: 'is required' },
      {
        field: 'auth.capabilities.bad name',
        message: expect.stringMatching(/letters, digits/) as string,
      },
      {
        field: 'auth.capabilities.ok',
        message: expect.stringMatching(/must be an auth method/) as string,
      },
      { field: 'auth.tools.t.key_ref', message: 'is required' },
    ]);
  });

  it('detects the three-tier shape with or without the auth wrapper', () => {
    expect(isLegacyAuthConfig({ auth: {} })).toBe(true);
    expect(isLegacyAuthConfig({ tools: {} })).toBe(true);
    expect(isLegacyAuthConfig({ auth_policies: [], auth: {} })).toBe(false);
    expect(isLegacyAuthConfig({ other: 1 })).toBe(false);
  });
});

describe('legacy auth.enabled switch', () => {
  const block = (enabled: unknown) => ({
    auth: { enabled, server_level: { type: 'oauth', provider: 'github', scopes: ['user:email'] } },
  });

  it('accepts enabled: true as in the reference example', () => {
    const result = convertLegacyAuthConfig(block(true));
    expect(result.ok && result.value.map((p) => p.enabled)).toEqual([true]);
  });

  it('imports the policies switched off when enabled is false', () => {
    const result = convertLegacyAuthConfig(block(false));
    expect(result.ok && result.value.map((p) => p.enabled)).toEqual([false]);
  });

  it('rejects an enabled that is not a boolean', () => {
    const result = convertLegacyAuthConfig(block('yes'));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors).toEqual([
      expect.objectContaining({ field: 'auth.enabled' }),
    ]);
  });
});
