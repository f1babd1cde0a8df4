import { z } from 'zod';

/**
 * Issue 9 §2, "auth that completes while the client waits": the broker announces on this channel
 * that a user finished connecting a provider (the code + PKCE callback succeeded, or the device
 * poll got the token). `elicitation_id` is what the gateway gave the client for that remedy (the
 * remedy's `state` for oauth, its `user_code` for a device code), so the gateway can tell the
 * waiting client which elicitation completed. A message names who and what, never a token.
 */
export const connectionCompletedSchema = z.strictObject({
  subject: z.string().min(1).max(512),
  provider: z.string().min(1).max(200),
  elicitation_id: z.string().min(1).max(512),
});
export type ConnectionCompleted = z.infer<typeof connectionCompletedSchema>;

/** Redis channel of completed connections under a key prefix (REDIS_KEY_PREFIX). */
export function connectionCompletedChannel(keyPrefix: string): string {
  return `${keyPrefix}connections:completed`;
}

/** A received message, or undefined when it is not one (a subscriber ignores it). */
export function parseConnectionCompleted(message: string): ConnectionCompleted | undefined {
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    return undefined;
  }
  const result = connectionCompletedSchema.safeParse(json);
  return result.success ? result.data : undefined;
}
