import { Body, Controller, Header, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { z } from 'zod';
import { validateAuthMethod } from '@app/policy-engine';
import { InternalApiError } from '../http/internal-api.error';
import { InternalTokenGuard } from '../http/internal-token.guard';
import { parseInput } from '../http/parse-input';
import { type CredentialAnswer, ResolveCredentialUseCase } from './resolve-credential.usecase';

const requestSchema = z.strictObject({
  principal: z.strictObject({
    subject: z.string().min(1).max(512),
    api_key: z
      .strictObject({
        name: z.string().max(64),
        permissions: z.array(z.string().max(128)).max(100),
      })
      .optional(),
  }),
  auth_method: z.unknown(),
});

/**
 * `POST /internal/v1/credentials/resolve`: for the gateway only (INTERNAL_API_TOKEN, served on
 * the internal listener, never public). Answers carry credentials: `Cache-Control: no-store`.
 */
@ApiExcludeController()
@UseGuards(InternalTokenGuard)
@Controller('internal/v1/credentials')
export class InternalCredentialsController {
  constructor(private readonly resolve: ResolveCredentialUseCase) {}

  @Post('resolve')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async resolveCredential(@Body() body: unknown): Promise<CredentialAnswer> {
    const request = parseInput(requestSchema, body, 'body');
    const method = validateAuthMethod(request.auth_method, 'auth_method');
    if (!method.ok) {
      throw new InternalApiError('validation_failed', 'the auth method is invalid', method.errors);
    }
    return this.resolve.execute(request.principal, method.value);
  }
}
