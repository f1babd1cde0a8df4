import type { UpstreamView } from '@app/upstream-cache';
import { splitQualified } from './aggregate-names';

const view = (name: string, enabled = true): UpstreamView =>
  ({ name, url: 'http://127.0.0.1/mcp', enabled }) as unknown as UpstreamView;

describe('issue 9 §1 naming: <upstream>.<name> routed by the longest upstream prefix', () => {
  const upstreams = [view('a'), view('a.b'), view('b'), view('off', false)];

  it('routes a.b.tool to the upstream a.b, not a', () => {
    const split = splitQualified('a.b.tool', upstreams);
    expect(split?.upstream.name).toBe('a.b');
    expect(split?.name).toBe('tool');
  });

  it('routes a.c.tool to a with the dotted remainder as the tool name', () => {
    const split = splitQualified('a.c.tool', upstreams);
    expect(split?.upstream.name).toBe('a');
    expect(split?.name).toBe('c.tool');
  });

  it('routes a.b. (nothing after a.b.) to a with the tool name "b."', () => {
    expect(splitQualified('a.b.', upstreams)).toMatchObject({
      upstream: { name: 'a' },
      name: 'b.',
    });
  });

  it.each(['a', 'a.', 'ab.tool', 'off.tool', 'zzz.tool', '.tool'])(
    'finds no upstream for %s',
    (name) => {
      expect(splitQualified(name, upstreams)).toBeUndefined();
    },
  );
});
