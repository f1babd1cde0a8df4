import { Controller, Headers, HttpCode, Post } from '@nestjs/common';
import { ValidateApiKeyUseCase } from '../../api-keys/validate-api-key.usecase';
import { PublicApiError } from '../http/public-api.error';

/** The seed's answer: the key's name, permissions and expiry (never its id). */
export interface ApiKeyValidation {
  valid: true;
  key_name: string;
  permissions: string[];
  expires_at: string | null;
}

/** `POST /mcp/auth/apikey/validate` with `Authorization: ApiKey <key>` (the seed's shape). */
@Controller('mcp/auth/apikey')
export class ApiKeyValidationController {
  constructor(private readonly validate: ValidateApiKeyUseCase) {}

  @Post('validate')
  @HttpCode(200)
  async execute(
    @Headers('authorization') authorization: string | undefined,
  ): Promise<ApiKeyValidation> {
    const match =
      typeof authorization === 'string' ? /^ApiKey ([^\s]{1,512})$/i.exec(authorization) : null;
    if (!match) {
      throw new PublicApiError('api_key_missing', 'send the key as `Authorization: ApiKey <key>`');
    }
    const result = await this.validate.execute(match[1]);
    if (typeof result === 'string') {
      // One answer for every rejection: which part failed is not the caller's business.
      throw new PublicApiError('invalid_api_key', 'the API key is not valid');
    }
    return {
      valid: true,
      key_name: result.name,
      permissions: result.permissions,
      expires_at: result.expiresAt ? result.expiresAt.toISOString() : null,
    };
  }
}
