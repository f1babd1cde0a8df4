import { routeSessionKey, SessionStreams } from './session-streams';

describe('SessionStreams (issue 9 §2): this replica’s open GET streams per session', () => {
  afterEach(() => jest.useRealTimers());

  it('notify writes into every stream of that session only, and says whether one was open', () => {
    const streams = new SessionStreams();
    const a: unknown[] = [];
    const b: unknown[] = [];
    streams.attach('s-a', (m) => a.push(m));
    streams.attach('s-b', (m) => b.push(m));
    expect(streams.notify('s-a', { n: 1 })).toBe(true);
    expect(a).toEqual([{ n: 1 }]);
    expect(b).toEqual([]);
    expect(streams.notify('s-none', { n: 2 })).toBe(false);
  });

  it('detach stops delivery', () => {
    const streams = new SessionStreams();
    const got: unknown[] = [];
    const detach = streams.attach('s', (m) => got.push(m));
    detach();
    expect(streams.notify('s', { n: 1 })).toBe(false);
    expect(got).toEqual([]);
  });

  it('a held message is written when a stream attaches before its deadline, once', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const streams = new SessionStreams();
    expect(streams.notifyOrHold('s', { n: 1 }, Date.now() + 60_000)).toBe(false);
    const got: unknown[] = [];
    streams.attach('s', (m) => got.push(m));
    expect(got).toEqual([{ n: 1 }]);
    const again: unknown[] = [];
    streams.attach('s', (m) => again.push(m));
    expect(again).toEqual([]);
  });

  it('a held message past its deadline is dropped', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const streams = new SessionStreams();
    streams.notifyOrHold('s', { n: 1 }, Date.now() + 1_000);
    jest.setSystemTime(1_002_000);
    const got: unknown[] = [];
    streams.attach('s', (m) => got.push(m));
    expect(got).toEqual([]);
  });

  it('the route session key never holds the raw session id', () => {
    const key = routeSessionKey('github', 'secret-session-id');
    expect(key).toMatch(/^github:[0-9a-f]{64}$/);
    expect(key).not.toContain('secret-session-id');
  });
});
