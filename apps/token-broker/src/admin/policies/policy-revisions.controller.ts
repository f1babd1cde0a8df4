import { Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { PolicyRepository } from '@app/persistence';
import { AdminApiError } from '../http/admin-api.error';
import { type AdminRequest, changeContext } from '../http/change-context';
import { AdminTokenGuard } from '../http/admin-token.guard';
import { optionalInt } from '../http/query-params';
import { PolicyAdminService } from './policy-admin.service';

function revisionNumber(raw: string): number {
  const version = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new AdminApiError('not_found', `revision ${raw} does not exist`);
  }
  return version;
}

@ApiTags('policies')
@ApiBearerAuth()
@UseGuards(AdminTokenGuard)
@Controller('admin/v1/policies/revisions')
export class PolicyRevisionsController {
  constructor(
    private readonly repository: PolicyRepository,
    private readonly service: PolicyAdminService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Committed policy-set versions, newest first' })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({
    name: 'before',
    required: false,
    description: 'only versions below this one (paging)',
  })
  async list(@Query('limit') limit?: string, @Query('before') before?: string) {
    const revisions = await this.repository.listRevisions(
      optionalInt(limit, 'limit', { max: 500 }) ?? 50,
      optionalInt(before, 'before'),
    );
    return {
      revisions: revisions.map((r) => ({
        version: r.version,
        actor: r.actor,
        reason: r.reason,
        policy_count: r.policyCount,
        created_at: r.createdAt.toISOString(),
      })),
    };
  }

  @Get(':version')
  @ApiOperation({ summary: 'One revision with the whole set as it stood' })
  async get(@Param('version') raw: string) {
    const r = await this.repository.getRevision(revisionNumber(raw));
    return {
      version: r.version,
      actor: r.actor,
      reason: r.reason,
      policy_count: r.policyCount,
      created_at: r.createdAt.toISOString(),
      policies: r.snapshot,
    };
  }

  @Post(':version/restore')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Make the set equal to this revision again (recorded as a new revision)',
  })
  async restore(@Param('version') raw: string, @Req() request: AdminRequest) {
    const result = await this.service.restore(revisionNumber(raw), changeContext(request));
    return {
      restored_from: Number(raw),
      changed: result.changed,
      policy_set_version: result.version,
      diff: result.value,
    };
  }
}
