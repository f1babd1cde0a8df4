import type { TrailCredential } from '@app/gateway-contract';
import type { UpstreamView } from '@app/upstream-cache';
import type { ReactiveRefresh } from '../credentials/reactive-refresh';
import { GatewayError } from '../http/gateway-error';
import type { AggregateExchange } from './aggregate-exchange';
import { RefreshingCaller } from './refreshing-caller';
import type { UpstreamGrant } from './upstream-access';
import { type UpstreamCaller, UpstreamInitializeError } from './upstream-caller';
import type { RpcAnswer } from './upstream-rpc';

const UPSTREAM = { name: 'gh' } as UpstreamView;
const CONNECTION: TrailCredential = {
  kind: 'connection',
  id: 'c1',
  generation: 3,
} as TrailCredential;
const REFRESHED: TrailCredential = { ...CONNECTION, generation: 4 } as TrailCredential;

const answer = (status: number): RpcAnswer => ({
  status,
  sessionId: undefined,
  message: undefined,
  before: [],
});

function rig(credential: TrailCredential | null = CONNECTION) {
  const send = jest.fn<Promise<RpcAnswer>, unknown[]>();
  const retryWith = jest.fn();
  // The real rule (a 401 to a connection's token actually sent), without the broker behind it.
  const reactive = {
    applies: (status: number, cred: TrailCredential | null, injected: Record<string, string>) =>
      status === 401 &&
      cred?.kind === 'connection' &&
      cred.generation !== null &&
      Object.keys(injected).length > 0,
    retryWith,
  } as unknown as ReactiveRefresh;
  const caller = new RefreshingCaller({ send } as unknown as UpstreamCaller, reactive);
  const exchange = { principal: { subject: 'alice' } } as unknown as AggregateExchange;
  const grant: UpstreamGrant = {
    resolution: { auth_method: { type: 'oauth', provider: 'mock', scopes: [] } },
    injected: { authorization: 'Bearer old' },
    credential,
  } as unknown as UpstreamGrant;
  const list = () =>
    caller.send(exchange, UPSTREAM, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, grant, {
      timeoutMs: 100,
    });
  return { send, retryWith, grant, list, exchange };
}

describe('issue 10 §2 on /mcp: one retry with a refreshed connection token (RefreshingCaller)', () => {
  it('a 401 to the initialize opening the upstream session: refreshed once, sent again with the new headers', async () => {
    const { send, retryWith, grant, list } = rig();
    send.mockRejectedValueOnce(new UpstreamInitializeError(401)).mockResolvedValueOnce(answer(200));
    retryWith.mockResolvedValueOnce({
      injected: { authorization: 'Bearer new' },
      credential: REFRESHED,
    });
    expect((await list()).status).toBe(200);
    expect(retryWith).toHaveBeenCalledTimes(1);
    expect(retryWith.mock.calls[0][0]).toMatchObject({
      credential: CONNECTION,
      reauthorize: false,
    });
    expect(send.mock.calls[1][3]).toEqual({
      timeoutMs: 100,
      injected: { authorization: 'Bearer new' },
    });
    expect(grant.credential).toBe(REFRESHED);
  });

  it('an initialize refused otherwise (500) is not a token problem: thrown as it is, no refresh', async () => {
    const { send, retryWith, list } = rig();
    const refused = new UpstreamInitializeError(500);
    send.mockRejectedValueOnce(refused);
    await expect(list()).rejects.toBe(refused);
    expect(retryWith).not.toHaveBeenCalled();
  });

  it('the refreshed token refused too: the broker is asked to reauthorize, and its auth-required answer is thrown (never a third send)', async () => {
    const { send, retryWith, list } = rig();
    send.mockResolvedValue(answer(401));
    retryWith
      .mockResolvedValueOnce({ injected: { authorization: 'Bearer new' }, credential: REFRESHED })
      .mockRejectedValueOnce(new GatewayError('auth_required', 'authorization required'));
    await expect(list()).rejects.toMatchObject({ code: 'auth_required' });
    expect(send).toHaveBeenCalledTimes(2);
    expect(retryWith.mock.calls.map((call) => call[0].reauthorize)).toEqual([false, true]);
    expect(retryWith.mock.calls[1][0].credential).toBe(REFRESHED);
  });
});
