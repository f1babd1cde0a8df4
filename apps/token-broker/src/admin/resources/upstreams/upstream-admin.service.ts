import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { DeepPartial } from 'typeorm';
import { LOGGER } from '@app/observability';
import { orderedInjection, type UpstreamEntity, UpstreamRepository } from '@app/persistence';
import { UpstreamCache, UpstreamChangePublisher } from '@app/upstream-cache';
import { parseBody } from '../../http/parse-body';
import { NamedResourceAdminService, versionFields } from '../named-resource-admin.service';
import { upstreamInputSchema } from './upstream.schema';

/**
 * Upstream MCP servers: nothing secret, so the view, the audit view and the input agree. Every
 * write is announced to the upstream caches (the gateways' routes, the authorization server's
 * resource check) and brought into this process's cache before the answer.
 */
@Injectable()
export class UpstreamAdminService extends NamedResourceAdminService<UpstreamEntity> {
  constructor(
    private readonly upstreams: UpstreamRepository,
    private readonly cache: UpstreamCache,
    private readonly publisher: UpstreamChangePublisher,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    super(upstreams, 'upstream');
  }

  protected override async afterWrite(): Promise<void> {
    let version: number;
    try {
      // Read after the commit: at least this write's version (a later one is as good to announce).
      version = await this.upstreams.currentVersion();
    } catch (error) {
      this.logger.warn(
        { err: error },
        'upstream change committed but its version cannot be read; caches will catch up by polling',
      );
      return;
    }
    if (!(await this.publisher.publish(version))) {
      this.logger.warn(
        { version },
        'upstream change not published (Redis unreachable); caches will catch up by polling',
      );
    }
    // Read-your-writes: the next authorization on this broker already sees the change.
    await this.cache.ensureVersion(version);
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
