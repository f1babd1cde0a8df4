/** The names that always mean this machine, as `URL.hostname` spells them (IPv6 in brackets). */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * True for `localhost`, `127.0.0.1` and `[::1]` (a `URL`'s `hostname`): the hosts where plain http
 * is allowed (OAuth 2.1 §8.4.2 loopback redirects, RFC 8252 §7.3, local development URLs).
 * Deliberately not all of 127/8 nor `*.localhost`: those are decided by the callers that need them.
 */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase());
}
