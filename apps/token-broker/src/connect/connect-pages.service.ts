import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type TokenBrokerConfig } from '@app/config';

export const CONNECT_CALLBACK_PATH = '/connect/callback';

/**
 * Where providers send the browser back to (the redirect URI registered with them). The connect
 * pages themselves are connect-pages.controller.ts and its use cases.
 */
@Injectable()
export class ConnectPagesService {
  constructor(@Inject(APP_CONFIG) private readonly config: TokenBrokerConfig) {}

  get redirectUri(): string {
    return `${this.config.BROKER_PUBLIC_URL}${CONNECT_CALLBACK_PATH}`;
  }
}
