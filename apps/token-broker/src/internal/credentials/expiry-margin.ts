import type { ConnectionEntity } from '@app/persistence';

// A token this close to expiry is not handed out: the upstream call could outlive it.
const MAX_MARGIN_MS = 30_000;

/**
 * How close to expiry a connection's access token stops being handed out: 30 s, shortened to a
 * quarter of the token's lifetime, so that a provider issuing 20-second tokens is usable for 15 s
 * (with a 30 s margin it would never be, and every call would refresh).
 */
export function expiryMarginMs(connection: ConnectionEntity): number {
  if (connection.expiresAt === null || connection.issuedAt === null) {
    return MAX_MARGIN_MS;
  }
  const lifetime = connection.expiresAt.getTime() - connection.issuedAt.getTime();
  return Math.max(0, Math.min(MAX_MARGIN_MS, Math.floor(lifetime / 4)));
}

/** True when the access token may be handed out at `now`. */
export function isFresh(connection: ConnectionEntity, now: number): boolean {
  return (
    connection.expiresAt === null ||
    connection.expiresAt.getTime() - expiryMarginMs(connection) > now
  );
}
