import pino from 'pino';
import { KeyRing, Vault } from '@app/crypto';
import type { ServiceAccountEntity, ServiceAccountRepository } from '@app/persistence';
import type { TokenEndpointClient } from '@app/provider-flows';
import { serviceAccountSecretBinding } from '@app/vault';
import { ServiceAccountCredentialUseCase } from './service-account-credential.usecase';

const vault = new Vault(KeyRing.parse(KeyRing.generateSpec('k1')));
const account = {
  id: 'sa-1',
  name: 'machine',
  type: 'oauth2_client_credentials',
  rowVersion: 1,
  settings: { token_endpoint: 'https://idp.example/token', client_id: 'c' },
  secretSealed: vault.seal(
    JSON.stringify({ client_secret: 's' }),
    serviceAccountSecretBinding('sa-1', 'oauth2_client_credentials'),
  ),
} as unknown as ServiceAccountEntity;

function setup() {
  let issued = 0;
  let fail = false;
  const requests: number[] = [];
  const tokens = {
    request: jest.fn(async () => {
      requests.push(issued);
      if (fail) {
        throw new Error('token endpoint down');
      }
      issued += 1;
      return { access_token: `t${issued}`, token_type: 'Bearer', expires_in: 3600 };
    }),
  } as unknown as TokenEndpointClient;
  const accounts = { findByName: async () => account } as unknown as ServiceAccountRepository;
  const useCase = new ServiceAccountCredentialUseCase(
    accounts,
    vault,
    tokens,
    pino({ level: 'silent' }),
  );
  const flush = () => new Promise((resolve) => setImmediate(resolve));
  return { useCase, requests, flush, failNext: (value: boolean) => (fail = value) };
}

const header = async (useCase: ServiceAccountCredentialUseCase, now: number) =>
  (await useCase.execute('machine', now)).headers.authorization;

describe('issue 10 §1: machine tokens are renewed ahead of expiry (no call waits on the token endpoint)', () => {
  it('reuses a 1-hour token, and from 5 minutes before expiry renews it in the background once', async () => {
    const { useCase, requests, flush } = setup();
    expect(await header(useCase, 0)).toBe('Bearer t1');
    expect(await header(useCase, 3_000_000)).toBe('Bearer t1');
    expect(requests).toHaveLength(1);
    // Inside the renewal window: still the current token, one renewal started.
    expect(await Promise.all([header(useCase, 3_300_000), header(useCase, 3_300_001)])).toEqual([
      'Bearer t1',
      'Bearer t1',
    ]);
    await flush();
    expect(requests).toHaveLength(2);
    expect(await header(useCase, 3_300_002)).toBe('Bearer t2');
  });

  it('a failed renewal keeps the current token and is tried again by the next call', async () => {
    const { useCase, requests, flush, failNext } = setup();
    await header(useCase, 0);
    failNext(true);
    expect(await header(useCase, 3_300_000)).toBe('Bearer t1');
    await flush();
    failNext(false);
    expect(await header(useCase, 3_310_000)).toBe('Bearer t1');
    await flush();
    expect(requests).toHaveLength(3);
    expect(await header(useCase, 3_320_000)).toBe('Bearer t2');
  });
});
