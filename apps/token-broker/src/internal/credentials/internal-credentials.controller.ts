import { Body, Controller, Header, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import {
  type CredentialAnswer,
  credentialAnswerSchema,
  resolveCredentialRequestSchema,
} from '@app/gateway-contract';
import { validateAuthMethod } from '@app/policy-engine';
import { checkAnswer } from '../http/check-answer';
import { InternalApiError } from '../http/internal-api.error';
import { InternalTokenGuard } from '../http/internal-token.guard';
import { parseInput } from '../http/parse-input';
import { ResolveCredentialUseCase } from './resolve-credential.usecase';

/**
 * `POST /internal/v1/credentials/resolve`: for the gateway only (INTERNAL_API_TOKEN, served on
 * the internal listener, never public). Request and answer are the contract's schemas
 * (`@app/gateway-contract`). Answers carry credentials: `Cache-Control: no-store`.
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
    const request = parseInput(resolveCredentialRequestSchema, body, 'body');
    const method = validateAuthMethod(request.auth_method, 'auth_method');
    if (!method.ok) {
      throw new InternalApiError('validation_failed', 'the auth method is invalid', method.errors);
    }
    // Checked with the schema the gateway parses it with: a mismatch is our defect, never sent.
    return checkAnswer(
      credentialAnswerSchema,
      await this.resolve.execute(request.principal, method.value),
    );
  }
}
