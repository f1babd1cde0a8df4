import { Controller, Headers, HttpCode, Post } from '@nestjs/common';
import { PublicApiError } from '../http/public-api.error';
import { type ApiKeyValidation, ValidateApiKeyUseCase } from './validate-api-key.usecase';

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
    return result;
  }
}
