import type { TokenBrokerConfig } from '@app/config';

/** Where providers send the browser back to after a connection (the pages' callback route). */
export const CONNECT_CALLBACK_PATH = '/connect/callback';

/** The redirect URI registered with providers: the callback route on the broker's public URL. */
export function connectCallbackUrl(config: TokenBrokerConfig): string {
  return `${config.BROKER_PUBLIC_URL}${CONNECT_CALLBACK_PATH}`;
}
