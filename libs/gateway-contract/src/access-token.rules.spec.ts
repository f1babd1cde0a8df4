import { generateKeyPair, jwtVerify, SignJWT } from 'jose';
import {
  ACCESS_TOKEN_ALGORITHM,
  ACCESS_TOKEN_TYPE,
  accessTokenVerifyOptions,
  grantedScopes,
  tokenAudiences,
} from './access-token.rules';

const ISSUER = 'http://127.0.0.1:8081';

describe('access-token rules (RFC 9068 at+jwt, ES256, the broker as issuer)', () => {
  let keys: Awaited<ReturnType<typeof generateKeyPair>>;
  beforeAll(async () => {
    keys = await generateKeyPair(ACCESS_TOKEN_ALGORITHM);
  });

  const sign = (header: { alg: string; typ?: string }, issuer = ISSUER) =>
    new SignJWT({ scope: 'mcp:tools:read' })
      .setProtectedHeader(header)
      .setIssuer(issuer)
      .setSubject('u1')
      .setExpirationTime('5m')
      .sign(keys.privateKey);

  it('accepts an ES256 at+jwt from the issuer', async () => {
    const token = await sign({ alg: 'ES256', typ: ACCESS_TOKEN_TYPE });
    const { payload } = await jwtVerify(token, keys.publicKey, accessTokenVerifyOptions(ISSUER));
    expect(payload.sub).toBe('u1');
  });

  it.each([
    ['a plain JWT typ', { alg: 'ES256', typ: 'JWT' }, ISSUER],
    ['no typ', { alg: 'ES256' }, ISSUER],
    ['another issuer', { alg: 'ES256', typ: 'at+jwt' }, 'http://127.0.0.1:9999'],
    ['the issuer with a trailing slash', { alg: 'ES256', typ: 'at+jwt' }, `${ISSUER}/`],
  ])('refuses %s', async (_name, header, issuer) => {
    const token = await sign(header, issuer);
    await expect(
      jwtVerify(token, keys.publicKey, accessTokenVerifyOptions(ISSUER)),
    ).rejects.toThrow();
  });

  it('only ES256 is allowed', () => {
    expect(accessTokenVerifyOptions(ISSUER).algorithms).toEqual(['ES256']);
  });

  it('granted scopes come from the space-separated scope claim only', () => {
    expect([...grantedScopes({ scope: 'mcp:tools:read  mcp:tools:execute' })]).toEqual([
      'mcp:tools:read',
      'mcp:tools:execute',
    ]);
    expect(grantedScopes({ scope: ['mcp:tools:read'] }).size).toBe(0);
    expect(grantedScopes({}).size).toBe(0);
  });

  it('audiences: one string or an array of strings; anything else is none', () => {
    expect(tokenAudiences({ aud: 'a' })).toEqual(['a']);
    expect(tokenAudiences({ aud: ['a', 1, 'b'] })).toEqual(['a', 'b']);
    expect(tokenAudiences({ aud: 42 })).toEqual([]);
    expect(tokenAudiences({})).toEqual([]);
  });
});
