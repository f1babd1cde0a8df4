import { z } from 'zod';

/**
 * Provider-token refresh (issue 10), read by the broker (on-demand refresh) and the workers
 * (proactive refresh): both must agree on the lead and the lease.
 */
export const refreshShape = {
  /** Refresh this long before an access token expires (reference `refresh_threshold`); never more than half its lifetime. */
  REFRESH_THRESHOLD_S: z.coerce.number().int().min(1).max(86_400).default(300),
  /** How long one refresher holds a connection's lease; must outlive the token endpoint's 10 s timeout. */
  REFRESH_LEASE_MS: z.coerce.number().int().min(11_000).max(600_000).default(20_000),
  /** Connections whose access token never expires but which hold a refresh token are refreshed this often (keep-alive). */
  REFRESH_KEEPALIVE_HOURS: z.coerce.number().int().min(1).max(8760).default(168),
};
