import { GatewayError } from '../http/gateway-error';
import { decodeCursor, encodeCursor } from './aggregate-cursor';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

describe('the aggregate list cursor (opaque, composite, checked strictly)', () => {
  it('round-trips the upstreams that have more', () => {
    const cursor = encodeCursor({ a: 'next-a', 'b.c': 'x' })!;
    expect(decodeCursor(cursor)).toEqual({ a: 'next-a', 'b.c': 'x' });
  });

  it('issues no cursor when no upstream has more', () => {
    expect(encodeCursor({})).toBeUndefined();
  });

  it.each([
    ['not a string', 42],
    ['empty', ''],
    ['not base64url', 'a+b/c='],
    ['not JSON', b64('{oops')],
    ['an array', b64('["a"]')],
    ['an empty object', b64('{}')],
    ['a non-string cursor', b64('{"a":1}')],
    ['a name no upstream can have', b64('{"../x":"c"}')],
    ['too long', 'A'.repeat(20_000)],
  ])('refuses a cursor that is %s with invalid_params (-32602)', (_why, raw) => {
    expect(() => decodeCursor(raw)).toThrow(GatewayError);
    try {
      decodeCursor(raw);
    } catch (error) {
      expect((error as GatewayError).code).toBe('invalid_params');
    }
  });
});
