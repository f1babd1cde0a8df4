import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiOperation,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { StoredPolicy, WriteResult } from '@app/persistence';
import { AdminApiError } from '../http/admin-api.error';
import { YAML_CONTENT_TYPES } from '../http/admin-body-parsers';
import { type AdminRequest, changeContext } from '../http/change-context';
import { AdminTokenGuard } from '../http/admin-token.guard';
import {
  expectedVersions,
  POLICY_SET_ETAG,
  policySetEtag,
  ROW_ETAG,
  rowEtag,
} from '../http/if-match';
import { PolicyAdminService } from './policy-admin.service';
import { PROBLEM_SCHEMA } from '../http/problem.schema';
import { POLICY_INPUT_SCHEMA, POLICY_SCHEMA } from './policy.schemas';

function sendPolicy(
  reply: FastifyReply,
  result: WriteResult<StoredPolicy> | StoredPolicy,
  status = 200,
): void {
  const policy = 'value' in result ? result.value : result;
  void reply.status(status).header('ETag', rowEtag(policy.row_version));
  if ('version' in result) {
    void reply.header('X-Policy-Set-Version', String(result.version));
  }
  void reply.send(policy);
}

@ApiTags('policies')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'missing or wrong admin token', schema: PROBLEM_SCHEMA })
@UseGuards(AdminTokenGuard)
@Controller('admin/v1/policies')
export class PoliciesController {
  constructor(private readonly service: PolicyAdminService) {}

  @Get()
  @ApiOperation({
    summary: 'List policies (highest priority first); `?format=yaml` exports the set as YAML',
  })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'yaml'] })
  async list(
    @Query('format') format: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (format === 'yaml') {
      const { yaml, version } = await this.service.exportYaml();
      await reply
        .header('Content-Type', 'application/yaml; charset=utf-8')
        .header('ETag', policySetEtag(version))
        .send(yaml);
      return;
    }
    if (format !== undefined && format !== 'json') {
      throw new AdminApiError('validation_failed', 'unknown format', [
        { field: 'format', message: 'must be json or yaml' },
      ]);
    }
    const { policies, version } = await this.service.list();
    await reply
      .header('ETag', policySetEtag(version))
      .send({ policies, policy_set_version: version });
  }

  @Put()
  @ApiOperation({
    summary:
      'Replace the whole set atomically from `{auth_policies: [...]}` (YAML or JSON); `?dry_run=true` returns the diff only',
  })
  @ApiConsumes('application/json', ...YAML_CONTENT_TYPES)
  @ApiQuery({ name: 'dry_run', required: false, type: Boolean })
  @ApiResponse({
    status: 422,
    description: 'invalid document, with per-field errors',
    schema: PROBLEM_SCHEMA,
  })
  async replaceSet(
    @Req() request: AdminRequest,
    @Body() body: unknown,
    @Query('dry_run') dryRun: string | undefined,
    @Headers('if-match') ifMatch: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (dryRun !== undefined && dryRun !== 'true' && dryRun !== 'false') {
      throw new AdminApiError('validation_failed', 'dry_run must be true or false', [
        { field: 'dry_run', message: 'must be true or false' },
      ]);
    }
    const contentType = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const isYaml = YAML_CONTENT_TYPES.includes(contentType);
    const text = isYaml ? String(body ?? '') : JSON.stringify(body ?? null);
    const result = await this.service.replaceSet(
      text,
      isYaml ? 'yaml' : 'json',
      { dryRun: dryRun === 'true', expectedVersions: expectedVersions(ifMatch, POLICY_SET_ETAG) },
      changeContext(request),
    );
    await reply
      .header('ETag', policySetEtag(result.version))
      .header('X-Policy-Set-Version', String(result.version))
      .send({
        dry_run: dryRun === 'true',
        changed: result.changed,
        policy_set_version: result.version,
        diff: result.value,
      });
  }

  @Get('resolve')
  @ApiOperation({ summary: 'Which policy applies to a qualified tool name, and every candidate' })
  @ApiQuery({ name: 'tool', required: true, example: 'github.create_issue' })
  resolve(@Query('tool') tool: unknown) {
    return this.service.resolve(tool);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One policy, with its ETag' })
  @ApiResponse({ status: 200, schema: POLICY_SCHEMA })
  @ApiResponse({ status: 404, schema: PROBLEM_SCHEMA })
  async get(@Param('id') id: string, @Res() reply: FastifyReply): Promise<void> {
    sendPolicy(reply, await this.service.get(id));
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a policy' })
  @ApiBody({ schema: POLICY_INPUT_SCHEMA })
  @ApiResponse({ status: 201, schema: POLICY_SCHEMA })
  @ApiResponse({
    status: 409,
    description: 'name or priority already used',
    schema: PROBLEM_SCHEMA,
  })
  @ApiResponse({ status: 422, schema: PROBLEM_SCHEMA })
  async create(
    @Req() request: AdminRequest,
    @Body() body: unknown,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const result = await this.service.create(body, changeContext(request));
    void reply.header('Location', `/admin/v1/policies/${result.value.id}`);
    sendPolicy(reply, result, 201);
  }

  @Put(':id')
  @ApiOperation({ summary: 'Replace a policy (If-Match: its ETag; 412 if stale)' })
  @ApiBody({ schema: POLICY_INPUT_SCHEMA })
  @ApiResponse({ status: 412, schema: PROBLEM_SCHEMA })
  async replace(
    @Req() request: AdminRequest,
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    sendPolicy(
      reply,
      await this.service.replace(
        id,
        body,
        expectedVersions(ifMatch, ROW_ETAG),
        changeContext(request),
      ),
    );
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change some fields (RFC 7396 merge patch; If-Match: its ETag)' })
  @ApiConsumes('application/merge-patch+json', 'application/json')
  async patch(
    @Req() request: AdminRequest,
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    sendPolicy(
      reply,
      await this.service.patch(
        id,
        body,
        expectedVersions(ifMatch, ROW_ETAG),
        changeContext(request),
      ),
    );
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete a policy (If-Match: its ETag)' })
  async remove(
    @Req() request: AdminRequest,
    @Param('id') id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const result = await this.service.remove(
      id,
      expectedVersions(ifMatch, ROW_ETAG),
      changeContext(request),
    );
    await reply.status(204).header('X-Policy-Set-Version', String(result.version)).send();
  }
}
