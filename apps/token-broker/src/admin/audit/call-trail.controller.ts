import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CallTrailRepository } from '@app/persistence';
import { AdminTokenGuard } from '../http/admin-token.guard';
import { encodeCursor, parseCallTrailQuery } from './call-trail.query';

/** Issue 9 §4: the per-call credential trail, newest first, filtered, cursor-paged. */
@ApiTags('audit')
@ApiBearerAuth()
@UseGuards(AdminTokenGuard)
@Controller('admin/v1/audit/calls')
export class CallTrailController {
  constructor(private readonly repository: CallTrailRepository) {}

  @Get()
  @ApiOperation({
    summary:
      'Every tool call through the gateway: who, which tool, which policy, which credential (kind and id, never the secret); newest first',
  })
  @ApiQuery({ name: 'principal', required: false })
  @ApiQuery({ name: 'tool', required: false, example: 'echo' })
  @ApiQuery({ name: 'policy', required: false, description: 'policy id' })
  @ApiQuery({
    name: 'decision',
    required: false,
    enum: ['allow', 'deny', 'auth_required', 'unavailable', 'upstream_error', 'error'],
  })
  @ApiQuery({ name: 'upstream', required: false })
  @ApiQuery({ name: 'from', required: false, description: 'ISO 8601, inclusive' })
  @ApiQuery({ name: 'to', required: false, description: 'ISO 8601, exclusive' })
  @ApiQuery({ name: 'cursor', required: false, description: 'next_cursor of the previous page' })
  @ApiQuery({ name: 'limit', required: false, description: '1-500, default 50' })
  async list(@Query() query: Record<string, unknown>) {
    const { filters, cursor, limit } = parseCallTrailQuery(query);
    const page = await this.repository.query(filters, cursor, limit);
    return {
      calls: page.records.map((r) => ({
        id: r.id,
        occurred_at: r.occurredAt.toISOString(),
        principal: r.principal,
        client_id: r.clientId,
        upstream: r.upstream,
        tool: r.tool,
        policy_id: r.policyId,
        policy_set_version: r.policySetVersion,
        decision: r.decision,
        credential:
          r.credentialKind === null
            ? null
            : { kind: r.credentialKind, id: r.credentialId, generation: r.credentialGeneration },
        upstream_status: r.upstreamStatus,
        latency_ms: r.latencyMs,
        correlation_id: r.correlationId,
      })),
      next_cursor: page.next === null ? null : encodeCursor(page.next),
    };
  }
}
