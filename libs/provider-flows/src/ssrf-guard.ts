import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { Agent, type Dispatcher, request } from 'undici';
import { isLoopbackHost } from '@app/crypto';
import { OAuthClientError } from './oauth-client.error';

// Addresses a URL configured by an operator must never make the broker call (SSRF): private,
// loopback, link-local (cloud metadata), carrier-grade NAT, multicast, reserved, unspecified.
const FORBIDDEN = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  FORBIDDEN.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  // Unspecified, loopback and the deprecated IPv4-compatible form (::a.b.c.d).
  ['::', 96],
  // 6to4 embeds an IPv4 address (2002:a9fe:a9fe::) that could be private.
  ['2002::', 16],
  ['64:ff9b::', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  FORBIDDEN.addSubnet(network, prefix, 'ipv6');
}

/** Whether an IP address is one the broker must not call. */
export function isForbiddenAddress(address: string): boolean {
  // IPv4-mapped IPv6 (::ffff:10.0.0.1) is judged as the IPv4 address it carries.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) {
    return isForbiddenAddress(mapped[1]);
  }
  // The same in hex form, as the URL parser writes it: [::ffff:10.0.0.1] becomes [::ffff:a00:1].
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hex) {
    const high = parseInt(hex[1], 16);
    const low = parseInt(hex[2], 16);
    return isForbiddenAddress(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`);
  }
  const family = isIP(address);
  if (family === 0) {
    return true;
  }
  return FORBIDDEN.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Checks a URL before the broker fetches it: HTTPS, and every address its host resolves to is
 * public. A URL whose host is literally a loopback name (local development, as the admin API
 * allows for endpoints) may be plain HTTP and loopback; a public name resolving to a private or
 * loopback address is refused. DNS can change between this check and the connection (rebinding):
 * the connection itself goes through {@link guardedRequest}, which checks the address it connects to.
 */
export async function assertFetchable(target: string): Promise<URL> {
  const url = new URL(target);
  if (isLoopbackHost(url.hostname)) {
    return url;
  }
  if (url.protocol !== 'https:') {
    throw new OAuthClientError('bad_response', `${url.host}: only https:// is allowed`);
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses =
      isIP(host) !== 0
        ? [host]
        : (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  } catch (error) {
    throw new OAuthClientError('unreachable', `${url.host} does not resolve`, undefined, {
      cause: error,
    });
  }
  if (addresses.length === 0 || addresses.some(isForbiddenAddress)) {
    throw new OAuthClientError(
      'bad_response',
      `${url.host} resolves to an address the broker may not call`,
    );
  }
  return url;
}

type Resolve = (
  hostname: string,
  options: LookupAllOptions,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

/**
 * A `lookup` for the sockets the broker opens to providers: resolves, and refuses a name any of
 * whose addresses is forbidden, so the address checked is the address connected to (no DNS
 * rebinding between a check and the connection). Loopback names pass (local development).
 */
export function guardedLookup(resolve: Resolve = dnsLookup as unknown as Resolve) {
  return (
    hostname: string,
    options: { all?: boolean },
    callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    resolve(hostname, { all: true, verbatim: true }, (error, addresses) => {
      if (error) {
        callback(error, []);
        return;
      }
      if (
        !isLoopbackHost(hostname) &&
        (addresses.length === 0 || addresses.some((a) => isForbiddenAddress(a.address)))
      ) {
        callback(
          Object.assign(new Error(`${hostname} resolves to an address the broker may not call`), {
            code: 'EADDRNOTALLOWED',
          }),
          [],
        );
        return;
      }
      if (options.all === true) {
        callback(null, addresses);
      } else {
        callback(null, addresses[0]!.address, addresses[0]!.family);
      }
    });
  };
}

/** An undici dispatcher whose connections pass {@link guardedLookup}. */
export function createGuardedDispatcher(resolve?: Resolve): Agent {
  return new Agent({ connect: { lookup: guardedLookup(resolve) as never } });
}

const providerDispatcher = createGuardedDispatcher();

/**
 * The transport of every call to a provider (token, discovery, userinfo, revocation): a literal IP
 * address must be public (unless loopback, for development), and a name must resolve only to
 * public addresses at the moment of connecting (the dispatcher's {@link guardedLookup}). undici's
 * `request`, not `fetch`: the Fetch machinery (web streams, a Request and a Response object per
 * call) was a third of a token refresh's CPU (`npm run bench:refresh`). Redirects are never
 * followed: a 3xx is answered as it came.
 *
 * @throws OAuthClientError `unreachable` for a forbidden literal address (nothing is sent)
 */
export async function guardedRequest(
  url: string,
  options: Omit<Dispatcher.RequestOptions, 'origin' | 'path'>,
  dispatcher: Agent = providerDispatcher,
): Promise<Dispatcher.ResponseData> {
  assertNotForbiddenLiteral(url);
  return request(url, { ...options, dispatcher });
}

function assertNotForbiddenLiteral(url: string): void {
  const { hostname } = new URL(url);
  const literal = hostname.replace(/^\[|\]$/g, '');
  if (isIP(literal) !== 0 && !isLoopbackHost(hostname) && isForbiddenAddress(literal)) {
    throw new OAuthClientError('unreachable', `${hostname} is an address the broker may not call`);
  }
}
