import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type TokenBrokerConfig } from '@app/config';
import { MCP_SCOPES } from '@app/gateway-contract';
import { ConsentRepository, type UserRecord } from '@app/persistence';
import { messagePage, type PageOutcome, redirectTo } from '../public/http/page-outcome';
import { AuthorizationServer } from './authorization-server';
import { allowedScopes, type ConsentRequest, type InteractionDetails } from './consent-request';

/** The browser's request and response, as the engine reads its interaction cookie from them. */
export interface RawExchange {
  req: IncomingMessage;
  res: ServerResponse;
}

/**
 * Our side of the engine's interaction API: read the sign-in in progress, and end it with a
 * grant, a login only, or an OAuth error sent to the client (with `iss`).
 */
@Injectable()
export class InteractionEngine {
  constructor(
    @Inject(APP_CONFIG) private readonly config: TokenBrokerConfig,
    private readonly server: AuthorizationServer,
    private readonly consents: ConsentRepository,
  ) {}

  /** The interaction `uid` of this browser, or the page that says it is not (any more). */
  async details(
    raw: RawExchange,
    uid: string,
  ): Promise<{ details: InteractionDetails } | { refused: PageOutcome }> {
    try {
      const details = await this.server.provider.interactionDetails(raw.req, raw.res);
      if (details.uid !== uid) {
        return {
          refused: messagePage(
            400,
            'Sign-in expired',
            'This sign-in page does not belong to the sign-in in progress. Go back to your application and start again.',
          ),
        };
      }
      return { details };
    } catch {
      return {
        refused: messagePage(
          400,
          'Sign-in expired',
          'This sign-in has expired or was opened in another browser. Go back to your application and start again.',
        ),
      };
    }
  }

  /** Ends the authorization request with an OAuth error sent to the client. */
  fail(raw: RawExchange, error: string, description: string): Promise<PageOutcome> {
    return this.result(raw, { error, error_description: description });
  }

  /** Hands back the login only: the engine then asks for this user's consent (our page). */
  loginOnly(raw: RawExchange, user: UserRecord): Promise<PageOutcome> {
    return this.result(raw, { login: { accountId: user.id } });
  }

  /** Grants what the user may have, remembers the consent, and hands back to the engine. */
  async finish(
    raw: RawExchange,
    details: InteractionDetails,
    user: UserRecord,
    request: ConsentRequest,
  ): Promise<PageOutcome> {
    const provider = this.server.provider;
    const scopes = allowedScopes(user, request.scopes, this.config);
    if (scopes.length !== request.scopes.length) {
      // Refused rather than silently narrowed: the engine would keep asking for the missing scope.
      return this.fail(
        raw,
        'invalid_scope',
        'the mcp:admin scopes are granted to administrators only',
      );
    }
    await this.consents.grant(user.id, request.clientId, request.resources, scopes);
    const existing =
      details.grantId === undefined ? undefined : await provider.Grant.find(details.grantId);
    const grant =
      existing !== undefined && existing.accountId === user.id
        ? existing
        : new provider.Grant({ accountId: user.id, clientId: request.clientId });
    // The engine checks every requested scope against the grant's OIDC scope (our MCP scopes are
    // in its scope list); an access token carries the resource scopes granted for its audience.
    const mcpScopes = scopes.filter((scope) => scope in MCP_SCOPES);
    if (scopes.length > 0) {
      grant.addOIDCScope(scopes.join(' '));
    }
    const missingClaims = (details.prompt.details as { missingOIDCClaims?: string[] })
      .missingOIDCClaims;
    if (missingClaims !== undefined && missingClaims.length > 0) {
      grant.addOIDCClaims(missingClaims);
    }
    if (mcpScopes.length > 0) {
      for (const resource of request.resources) {
        grant.addResourceScope(resource, mcpScopes.join(' '));
      }
    }
    const grantId = await grant.save();
    return this.result(raw, { login: { accountId: user.id }, consent: { grantId } });
  }

  private async result(raw: RawExchange, result: Record<string, unknown>): Promise<PageOutcome> {
    const target = await this.server.provider.interactionResult(raw.req, raw.res, result, {
      mergeWithLastSubmission: false,
    });
    return redirectTo(target);
  }
}
