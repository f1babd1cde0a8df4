import { Body, Controller, Header, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import {
  apiKeySubject,
  type ApiKeyVerification,
  apiKeyVerificationSchema,
  verifyApiKeyRequestSchema,
} from '@app/gateway-contract';
import { ValidateApiKeyUseCase } from '../../api-keys/validate-api-key.usecase';
import { checkAnswer } from '../http/check-answer';
import { InternalTokenGuard } from '../http/internal-token.guard';
import { parseInput } from '../http/parse-input';

/**
 * `POST /internal/v1/api-keys/verify`: the gateway's check of an `Authorization: ApiKey` caller
 * (the pepper stays here). 200 `{valid:false}` for every rejection; the principal of a valid key
 * is `apikey:<row id>` (see the contract's `apiKeySubject`). Request and answer are the
 * contract's schemas; `Cache-Control: no-store` (the gateway decides what to cache, and for how
 * long, from `expires_at` and the credential announcements).
 */
@ApiExcludeController()
@UseGuards(InternalTokenGuard)
@Controller('internal/v1/api-keys')
export class InternalApiKeysController {
  constructor(private readonly validate: ValidateApiKeyUseCase) {}

  @Post('verify')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async verify(@Body() body: unknown): Promise<ApiKeyVerification> {
    const { key } = parseInput(verifyApiKeyRequestSchema, body, 'body');
    const result = await this.validate.execute(key);
    // Checked with the schema the gateway parses it with: a mismatch is our defect, never sent.
    return checkAnswer(
      apiKeyVerificationSchema,
      typeof result === 'string'
        ? { valid: false }
        : {
            valid: true,
            subject: apiKeySubject(result.id),
            key_name: result.name,
            permissions: result.permissions,
            expires_at: result.expiresAt ? result.expiresAt.toISOString() : null,
          },
    );
  }
}
