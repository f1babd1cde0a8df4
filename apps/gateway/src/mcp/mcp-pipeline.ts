import { Injectable } from '@nestjs/common';
import type { McpExchange, McpHttpMethod } from './mcp-exchange';
import type { McpStep } from './mcp-step';
import { AuthenticateStep } from './steps/authenticate.step';
import { BindSessionStep } from './steps/bind-session.step';
import { CheckAudienceStep } from './steps/check-audience.step';
import { CheckOriginStep } from './steps/check-origin.step';
import { CheckRateLimitStep } from './steps/check-rate-limit.step';
import { CheckScopesStep } from './steps/check-scopes.step';
import { DetectGenerationStep } from './steps/detect-generation.step';
import { ExtractCredentialStep } from './steps/extract-credential.step';
import { FindUpstreamStep } from './steps/find-upstream.step';
import { ForwardStep } from './steps/forward.step';
import { ObtainCredentialStep } from './steps/obtain-credential.step';
import { ParseMessageStep } from './steps/parse-message.step';
import { ResolvePolicyStep } from './steps/resolve-policy.step';

const ALL: readonly McpHttpMethod[] = ['POST', 'GET', 'DELETE'];
const POST: readonly McpHttpMethod[] = ['POST'];

/**
 * The way of every request to `/mcp/{upstream}`, in order. Each step is one rule in one file
 * (its header names the SPEC-MUST line); the first to throw ends the request, and the error map
 * encodes it for the request's protocol generation.
 *
 * | # | step               | methods          | rule |
 * |---|--------------------|------------------|------|
 * | 1 | check-origin       | POST GET DELETE  | SPEC-MUST 11: Origin allowed; Host loopback in localhost mode |
 * | 2 | find-upstream      | POST GET DELETE  | the route names a registered, enabled upstream (404) |
 * | 3 | extract-credential | POST GET DELETE  | SPEC-MUST 3, 7: Bearer / ApiKey / X-API-Key; never the query |
 * | 4 | authenticate       | POST GET DELETE  | SPEC-MUST 4, 8: passport strategy per scheme, every request |
 * | 5 | check-audience     | POST GET DELETE  | SPEC-MUST 4, RFC 8707: aud = this route (or the gateway) |
 * | 6 | parse-message      | POST             | SPEC-MUST 38: one JSON-RPC message, application/json, UTF-8 |
 * | 7 | detect-generation  | POST             | 2026-07-28 versioning; SPEC-MUST 16: mirrored headers = body |
 * | 8 | check-rate-limit   | POST GET DELETE  | issue 9 §5: per principal + upstream (Redis), or 429 Retry-After |
 * | 9 | bind-session       | POST GET DELETE  | SPEC-MUST 9, 17: a session id is its principal's, on its route |
 * |10 | check-scopes       | POST             | SPEC-MUST 5: the method's scopes, or 403 insufficient_scope |
 * |11 | resolve-policy     | POST GET DELETE  | DESIGN Policies: `<upstream>.<tool>`; deny refuses |
 * |12 | obtain-credential  | POST GET DELETE  | SPEC-MUST 10: the broker's credential, or the remedy |
 * |13 | forward            | POST GET DELETE  | SPEC-MUST 12–15, 18: relay unchanged, stream, abort |
 *
 * The rate limit comes right after authentication and the two cheap in-memory reads of the
 * message (6, 7), so its 429 carries the request's id and generation; everything after it costs
 * Redis, the broker or the upstream.
 */
@Injectable()
export class McpPipeline {
  private readonly table: ReadonlyArray<{ step: McpStep; methods: readonly McpHttpMethod[] }>;

  constructor(
    checkOrigin: CheckOriginStep,
    findUpstream: FindUpstreamStep,
    extractCredential: ExtractCredentialStep,
    authenticate: AuthenticateStep,
    checkAudience: CheckAudienceStep,
    parseMessage: ParseMessageStep,
    detectGeneration: DetectGenerationStep,
    checkRateLimit: CheckRateLimitStep,
    bindSession: BindSessionStep,
    checkScopes: CheckScopesStep,
    resolvePolicy: ResolvePolicyStep,
    obtainCredential: ObtainCredentialStep,
    forward: ForwardStep,
  ) {
    this.table = [
      { step: checkOrigin, methods: ALL },
      { step: findUpstream, methods: ALL },
      { step: extractCredential, methods: ALL },
      { step: authenticate, methods: ALL },
      { step: checkAudience, methods: ALL },
      { step: parseMessage, methods: POST },
      { step: detectGeneration, methods: POST },
      { step: checkRateLimit, methods: ALL },
      { step: bindSession, methods: ALL },
      { step: checkScopes, methods: POST },
      { step: resolvePolicy, methods: ALL },
      { step: obtainCredential, methods: ALL },
      { step: forward, methods: ALL },
    ];
  }

  async run(exchange: McpExchange): Promise<void> {
    for (const { step, methods } of this.table) {
      if (methods.includes(exchange.method)) {
        await step.run(exchange);
      }
    }
  }
}
