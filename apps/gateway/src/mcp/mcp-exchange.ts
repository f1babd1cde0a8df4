import type { FastifyReply, FastifyRequest } from 'fastify';
import type { InboundMessage, ProtocolGeneration } from '@app/mcp-protocol';
import type { TrailCredential } from '@app/gateway-contract';
import type { Resolution } from '@app/policy-engine';
import type { InboundCredential } from '../auth/inbound-credential';
import type { Principal } from '../auth/principal';
import type { SessionBinding } from '../sessions/session.store';
import { UpstreamAbort } from '../upstreams/upstream-abort';
import type { UpstreamView } from '@app/upstream-cache';

export type McpHttpMethod = 'POST' | 'GET' | 'DELETE';

/**
 * One request's way through the pipeline: what each step found, for the steps after it. Created
 * per request by the controller; never shared.
 */
export class McpExchange {
  upstream!: UpstreamView;
  /** The canonical resource URL of the route (RFC 8707; the token audience we accept). */
  resource!: string;
  credential?: InboundCredential;
  principal?: Principal;
  /** The request body's bytes, forwarded as read unless a step had to change them. */
  body?: Buffer;
  message?: InboundMessage;
  generation: ProtocolGeneration = 'legacy';
  sessionId?: string;
  session?: SessionBinding;
  /** The policy deciding this request (tools/call: the tool's; otherwise the upstream-wide one). */
  resolution?: Resolution;
  /** Headers the credential step adds to the upstream call. */
  injected: Record<string, string> = {};
  /** The injected credential's identity (never the credential), for the call trail. */
  trailCredential?: TrailCredential | null;
  /** The upstream's HTTP status, once it answered (the call trail). */
  upstreamStatus?: number;
  /** `/mcp`: the key of the client's session streams (session-streams.ts), not this route's. */
  sessionStreamKey?: string;
  /** `/mcp`: the tool's name at its upstream (the request names `<upstream>.<tool>`). */
  upstreamToolName?: string;
  /** Fired when the client goes away: the upstream request is cancelled. */
  readonly abort = new UpstreamAbort();

  constructor(
    readonly request: FastifyRequest,
    readonly reply: FastifyReply,
    readonly method: McpHttpMethod,
    readonly routeName: string,
  ) {}

  header(name: string): string | undefined {
    const value = this.request.headers[name];
    return Array.isArray(value) ? value[0] : value;
  }

  /** The JSON-RPC id errors are answered with (null when the message has none). */
  get requestId(): string | number | null {
    return this.message?.kind === 'request' ? this.message.id : null;
  }

  get toolName(): string | undefined {
    const name = this.message?.kind === 'request' ? this.message.params?.name : undefined;
    return this.message?.kind === 'request' &&
      this.message.method === 'tools/call' &&
      typeof name === 'string'
      ? name
      : undefined;
  }
}
