import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { DeepPartial } from 'typeorm';
import { orderedInjection, type UpstreamEntity, UpstreamRepository } from '@app/persistence';
import { parseBody } from '../../http/parse-body';
import { NamedResourceAdminService, versionFields } from '../named-resource-admin.service';
import { upstreamInputSchema } from './upstream.schema';

/** Upstream MCP servers: nothing secret, so the view, the audit view and the input agree. */
@Injectable()
export class UpstreamAdminService extends NamedResourceAdminService<UpstreamEntity> {
  constructor(repository: UpstreamRepository) {
    super(repository, 'upstream');
  }

  view(row: UpstreamEntity): object {
    return { id: row.id, ...this.editable(row), ...versionFields(row) };
  }

  protected editable(row: UpstreamEntity): Record<string, unknown> {
    return {
      name: row.name,
      url: row.url,
      credential_injection: orderedInjection(row.credentialInjection),
      connect_timeout_ms: row.connectTimeoutMs,
      request_timeout_ms: row.requestTimeoutMs,
      enabled: row.enabled,
      description: row.description,
    };
  }

  protected toValues(body: unknown, current: UpstreamEntity | null): DeepPartial<UpstreamEntity> {
    const input = parseBody(upstreamInputSchema, body);
    return {
      id: current?.id ?? randomUUID(),
      name: input.name,
      url: input.url,
      credentialInjection: input.credential_injection,
      connectTimeoutMs: input.connect_timeout_ms,
      requestTimeoutMs: input.request_timeout_ms,
      enabled: input.enabled,
      description: input.description,
    };
  }
}
