import { Body, Controller, Headers, HttpCode, Inject, Post } from '@nestjs/common';
import { APP_CONFIG, type TokenBrokerConfig } from '@app/config';
import { z } from 'zod';
import {
  AuthorizationCodeFlow,
  OAuthClientError,
  StartDeviceAuthorizationUseCase,
} from '@app/provider-flows';
import { type McpScope, remedyInstructions } from '@app/gateway-contract';
import { PublicApiError } from '../public/http/public-api.error';
import { providerFlowApiError } from '../public/http/provider-flow-json.map';
import { AccessTokenVerifier } from './access-token.verifier';
import { connectCallbackUrl } from './connect-callback';

/**
 * Connecting a provider exists so that tools can be called with it: every endpoint here needs
 * the scope that lets a client call tools on the user's behalf (RFC 6750 §3.1).
 */
const CONNECT_SCOPE: McpScope = 'mcp:tools:execute';
const providerName = z.string().min(1).max(64);
const scopes = z
  .array(
    z
      .string()
      .min(1)
      .max(256)
      .regex(/^[\x21-\x7e]+$/),
  )
  .max(50)
  .default([]);
const authorizeBody = z.object({
  provider: providerName,
  scopes,
  /** Accepted for the seed's shape; our own random state is what travels (it is bound to the user). */
  state: z.string().max(512).optional(),
  resource: z.string().max(2048).optional(),
});
const callbackBody = z.object({
  code: z.string().min(1).max(4096),
  state: z.string().min(1).max(512),
});
const deviceBody = z.object({ provider: providerName, scopes });

/**
 * The seed's JSON endpoints for connecting a provider, for a user signed in through our
 * authorization server (`Authorization: Bearer <access token we issued>`):
 * `POST /mcp/auth/oauth/authorize`, `POST /mcp/auth/oauth/callback`, `POST /mcp/auth/device/authorize`.
 * Unlike the seed, provider tokens are never returned (SPEC-MUST 33): the callback answers what
 * was connected, and the device flow answers what the user must do (the broker polls).
 */
@Controller('mcp/auth')
export class ProviderAuthController {
  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly flow: AuthorizationCodeFlow,
    private readonly device: StartDeviceAuthorizationUseCase,
    @Inject(APP_CONFIG) private readonly config: TokenBrokerConfig,
  ) {}

  @Post('oauth/authorize')
  @HttpCode(200)
  async authorize(
    @Headers('authorization') authorization: string | undefined,
    @Body() body: unknown,
  ) {
    const subject = await this.subject(authorization);
    const input = parse(authorizeBody, body);
    return this.run(() =>
      this.flow.start(subject, input.provider, input.scopes, connectCallbackUrl(this.config)),
    );
  }

  @Post('oauth/callback')
  @HttpCode(200)
  async callback(
    @Headers('authorization') authorization: string | undefined,
    @Body() body: unknown,
  ) {
    const subject = await this.subject(authorization);
    const input = parse(callbackBody, body);
    const result = await this.run(() => this.flow.complete(subject, input.state, input.code));
    return {
      connected: true,
      provider: result.providerName,
      connection_id: result.connection.id,
      token_type: result.token.token_type,
      ...(result.token.expires_in === undefined ? {} : { expires_in: result.token.expires_in }),
      scope: result.connection.scopes.join(' '),
      ...(result.userInfo === undefined ? {} : { user_info: result.userInfo }),
    };
  }

  @Post('device/authorize')
  @HttpCode(200)
  async deviceAuthorize(
    @Headers('authorization') authorization: string | undefined,
    @Body() body: unknown,
  ) {
    const subject = await this.subject(authorization);
    const input = parse(deviceBody, body);
    const remedy = await this.run(() => this.device.execute(subject, input.provider, input.scopes));
    return {
      ...remedy,
      instructions: remedyInstructions(
        { auth_type: 'device_code', provider: input.provider, ...remedy },
        'connect',
      ),
    };
  }

  private async subject(authorization: string | undefined): Promise<string> {
    const match =
      typeof authorization === 'string'
        ? /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(authorization)
        : null;
    const token = match === null ? undefined : await this.verifier.verify(match[1]!);
    if (token === undefined) {
      throw new PublicApiError(
        'invalid_token',
        'send an access token issued by this gateway as `Authorization: Bearer <token>`',
      );
    }
    if (!token.scopes.has(CONNECT_SCOPE)) {
      throw new PublicApiError(
        'insufficient_scope',
        `this endpoint needs an access token with the scope ${CONNECT_SCOPE}`,
        { scope: CONNECT_SCOPE },
      );
    }
    return token.subject;
  }

  private async run<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      throw error instanceof OAuthClientError ? providerFlowApiError(error) : error;
    }
  }
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new PublicApiError(
      'invalid_request',
      `${issue.path.join('.') || 'body'}: ${issue.message}`,
    );
  }
  return result.data;
}
