import {
  canonicalGatewayResource,
  gatewayResourceUpstream,
  isGatewayResource,
} from './gateway-resource';

const GATEWAY = 'http://127.0.0.1:8080';

describe('the token audience is the canonical gateway resource (exact, predictable aud)', () => {
  it.each([
    ['http://127.0.0.1:8080/mcp', 'http://127.0.0.1:8080/mcp'],
    ['http://127.0.0.1:8080/mcp/github', 'http://127.0.0.1:8080/mcp/github'],
    ['HTTP://127.0.0.1:8080/mcp', 'http://127.0.0.1:8080/mcp'],
    ['http://127.0.0.1:8080/mcp/GitHub', 'http://127.0.0.1:8080/mcp/GitHub'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['http://127.0.0.1:8080/', 'http://127.0.0.1:8080'],
    ['http://127.0.0.1:08080/mcp', 'http://127.0.0.1:8080/mcp'],
  ])('%s → %s', (resource, canonical) => {
    expect(canonicalGatewayResource(resource, GATEWAY)).toBe(canonical);
  });

  it('lower-cases the scheme and host of an https gateway and drops the default port', () => {
    expect(
      canonicalGatewayResource('HTTPS://GW.Example.COM:443/mcp/slack', 'https://gw.example.com'),
    ).toBe('https://gw.example.com/mcp/slack');
  });

  it('keeps a gateway base path', () => {
    const gateway = 'https://example.com/gw';
    expect(canonicalGatewayResource('https://example.com/gw/mcp', gateway)).toBe(
      'https://example.com/gw/mcp',
    );
    expect(canonicalGatewayResource('https://example.com/gw/', gateway)).toBe(
      'https://example.com/gw',
    );
    expect(canonicalGatewayResource('https://example.com/mcp', gateway)).toBeUndefined();
  });

  it.each([
    ['a dot-dot segment', 'http://127.0.0.1:8080/mcp/github/../slack'],
    ['a dot-dot segment at the end', 'http://127.0.0.1:8080/mcp/..'],
    ['a dot segment', 'http://127.0.0.1:8080/./mcp'],
    ['an encoded dot-dot', 'http://127.0.0.1:8080/mcp/%2e%2e'],
    ['an encoded dot (upper case)', 'http://127.0.0.1:8080/mcp/%2E'],
    ['a half-encoded dot-dot', 'http://127.0.0.1:8080/mcp/github/.%2e/slack'],
    ['a backslash', 'http://127.0.0.1:8080/mcp\\github'],
    ['a tab the parser would strip', 'http://127.0.0.1:8080/m\tcp'],
    ['a newline', 'http://127.0.0.1:8080/mcp\n'],
    ['userinfo', 'http://user@127.0.0.1:8080/mcp'],
    ['empty userinfo', 'http://@127.0.0.1:8080/mcp'],
    ['a query', 'http://127.0.0.1:8080/mcp?x=1'],
    ['an empty query', 'http://127.0.0.1:8080/mcp?'],
    ['a fragment', 'http://127.0.0.1:8080/mcp#x'],
    ['an empty fragment', 'http://127.0.0.1:8080/mcp#'],
    ['another origin', 'http://127.0.0.1:8081/mcp'],
    ['another scheme', 'https://127.0.0.1:8080/mcp'],
    ['a trailing slash on /mcp', 'http://127.0.0.1:8080/mcp/'],
    ['a nested route', 'http://127.0.0.1:8080/mcp/github/tools'],
    ['another path', 'http://127.0.0.1:8080/admin'],
    ['an encoded character in the name', 'http://127.0.0.1:8080/mcp/%67ithub'],
    ['a relative reference', '/mcp'],
    ['not a URL', 'mcp'],
  ])('refuses %s', (_why, resource) => {
    expect(canonicalGatewayResource(resource, GATEWAY)).toBeUndefined();
    expect(isGatewayResource(resource, GATEWAY)).toBe(false);
  });
});

describe('the upstream a gateway resource routes to (tokens only for registered upstreams)', () => {
  it.each([
    ['http://127.0.0.1:8080/mcp/github', 'github'],
    ['HTTP://127.0.0.1:8080/mcp/github', 'github'],
    ['http://127.0.0.1:8080/mcp/GitHub', 'GitHub'],
  ])('%s routes to %s', (resource, upstream) => {
    expect(gatewayResourceUpstream(resource, GATEWAY)).toBe(upstream);
  });

  it.each([
    'http://127.0.0.1:8080',
    'http://127.0.0.1:8080/',
    'http://127.0.0.1:8080/mcp',
    'http://127.0.0.1:8080/mcp/github/../slack',
    'https://elsewhere.example/mcp/github',
  ])('%s routes to no single upstream', (resource) => {
    expect(gatewayResourceUpstream(resource, GATEWAY)).toBeUndefined();
  });

  it('under a gateway base path', () => {
    expect(
      gatewayResourceUpstream('https://example.com/gw/mcp/slack', 'https://example.com/gw'),
    ).toBe('slack');
  });
});
