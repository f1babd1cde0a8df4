import { type DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_FILTER } from '@nestjs/core';
import { APP_CONFIG, type TokenBrokerConfig } from '@app/config';
import { MetricsService, ObservabilityModule } from '@app/observability';
import {
  AS_OUTBOUND,
  AuthorizationServer,
  type AuthorizationServerOutbound,
} from '../authorization/authorization-server';
import { Vault } from '@app/crypto';
import { ConsentCookies, CsrfTokens } from '../authorization/consent-cookie';
import { InteractionController } from '../authorization/interaction.controller';
import { InteractionEngine } from '../authorization/interaction-engine';
import { UpstreamLoginStateStore } from '../authorization/upstream-login-state.store';
import { UpstreamLogins } from '../authorization/upstream-logins.service';
import { CompleteLoginUseCase } from '../authorization/usecases/complete-login.usecase';
import { CompleteSessionLoginUseCase } from '../authorization/usecases/complete-session-login.usecase';
import { DecideConsentUseCase } from '../authorization/usecases/decide-consent.usecase';
import { ShowConsentUseCase } from '../authorization/usecases/show-consent.usecase';
import { UserSessions } from '../authorization/user-session';
import { CompleteConnectUseCase } from '../connect/complete-connect.usecase';
import { ConnectPagesController } from '../connect/connect-pages.controller';
import { ConnectionsPageUseCase } from '../connect/connections-page.usecase';
import { OpenConnectLinkUseCase } from '../connect/open-connect-link.usecase';
import { SignOutUseCase } from '../connect/sign-out.usecase';
import { PageRenderer } from './http/page.renderer';
import { AccessTokenVerifier } from '../connect/access-token.verifier';
import { ConnectRequestStore } from '../connect/connect-requests.store';
import { ProviderAuthController } from '../connect/provider-auth.controller';
import { ManageConnectionsUseCase } from '../connections/manage-connections.usecase';
import { ApiKeyValidationController } from './api-keys/api-key-validation.controller';
import { ValidateApiKeyUseCase } from '../api-keys/validate-api-key.usecase';
import { AuthHealthController } from './health/auth-health.controller';
import { PublicErrorFilter } from './http/public-error.filter';
import type { BrokerInfrastructure } from '../infrastructure/broker-infrastructure';
import { BrokerInfrastructureModule } from '../infrastructure/broker-infrastructure.module';

/**
 * The broker's public listener: health, `/health/auth`, API-key validation, the authorization
 * server for MCP clients and the user's connection pages (both mounted on Fastify by
 * createPublicApp), and the seed's JSON endpoints for connecting a provider.
 */
export interface PublicAppOptions {
  /** Replaces how Client ID Metadata Documents are fetched (tests only). */
  outbound?: AuthorizationServerOutbound;
}

@Module({})
export class PublicModule {
  static forRoot(
    config: TokenBrokerConfig,
    logger: Logger,
    metrics: MetricsService,
    infrastructure: BrokerInfrastructure,
    options: PublicAppOptions = {},
  ): DynamicModule {
    return {
      module: PublicModule,
      imports: [
        // The registry is the process's (admin and internal listeners too): metrics are served on
        // the admin listener only.
        ObservabilityModule.forRoot({ app: 'token-broker', logger, metrics, serveMetrics: false }),
        BrokerInfrastructureModule.forRoot(infrastructure),
      ],
      controllers: [ApiKeyValidationController, AuthHealthController, ProviderAuthController],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: APP_FILTER, useClass: PublicErrorFilter },
        ValidateApiKeyUseCase,
        AuthorizationServer,
        // The HTML pages: controllers (routes in http/page-routes.ts), use cases, stores.
        PageRenderer,
        InteractionController,
        ShowConsentUseCase,
        DecideConsentUseCase,
        CompleteLoginUseCase,
        CompleteSessionLoginUseCase,
        InteractionEngine,
        UpstreamLogins,
        UpstreamLoginStateStore,
        UserSessions,
        {
          provide: ConsentCookies,
          useFactory: (vault: Vault) => new ConsentCookies(vault.deriveKeys('consent-cookie')),
          inject: [Vault],
        },
        {
          provide: CsrfTokens,
          useFactory: (vault: Vault) => new CsrfTokens(vault.deriveKeys('csrf')),
          inject: [Vault],
        },
        ConnectPagesController,
        OpenConnectLinkUseCase,
        CompleteConnectUseCase,
        ConnectionsPageUseCase,
        SignOutUseCase,
        ConnectRequestStore,
        AccessTokenVerifier,
        ManageConnectionsUseCase,
        ...(options.outbound === undefined
          ? []
          : [{ provide: AS_OUTBOUND, useValue: options.outbound }]),
      ],
    };
  }
}
