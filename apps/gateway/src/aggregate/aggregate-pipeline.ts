import { Injectable } from '@nestjs/common';
import type { McpHttpMethod } from '../mcp/mcp-exchange';
import type { McpStep } from '../mcp/mcp-step';
import { AuthenticateStep } from '../mcp/steps/authenticate.step';
import { CheckAudienceStep } from '../mcp/steps/check-audience.step';
import { CheckOriginStep } from '../mcp/steps/check-origin.step';
import { CheckScopesStep } from '../mcp/steps/check-scopes.step';
import { DetectGenerationStep } from '../mcp/steps/detect-generation.step';
import { ExtractCredentialStep } from '../mcp/steps/extract-credential.step';
import { ParseMessageStep } from '../mcp/steps/parse-message.step';
import type { AggregateExchange } from './aggregate-exchange';
import { BindAggregateSessionStep } from './steps/bind-aggregate-session.step';
import { RouteMethodStep } from './steps/route-method.step';

const ALL: readonly McpHttpMethod[] = ['POST', 'GET', 'DELETE'];
const POST: readonly McpHttpMethod[] = ['POST'];

/**
 * The way of every request to `/mcp` (the aggregated server), in order. Steps 1–7 are the
 * transparent route's own files; the per-upstream policy and credential steps run inside the
 * method handlers, once per upstream a request reaches (upstream-access.ts).
 *
 * | # | step                   | methods          | rule |
 * |---|------------------------|------------------|------|
 * | 1 | check-origin           | POST GET DELETE  | SPEC-MUST 11 |
 * | 2 | extract-credential     | POST GET DELETE  | SPEC-MUST 3, 7 |
 * | 3 | authenticate           | POST GET DELETE  | SPEC-MUST 4, 8 |
 * | 4 | check-audience         | POST GET DELETE  | SPEC-MUST 4, RFC 8707: aud = `<GATEWAY_PUBLIC_URL>/mcp` (or the gateway) |
 * | 5 | parse-message          | POST             | SPEC-MUST 38 |
 * | 6 | detect-generation      | POST             | 2026-07-28 versioning; SPEC-MUST 16 |
 * | 7 | bind-aggregate-session | POST GET DELETE  | SPEC-MUST 9: the gateway session is its principal's |
 * | 8 | check-scopes           | POST             | SPEC-MUST 5 |
 * | 9 | route-method           | POST GET DELETE  | issue 9 §1: one handler per method family (methods/) |
 */
@Injectable()
export class AggregatePipeline {
  private readonly table: ReadonlyArray<{ step: McpStep; methods: readonly McpHttpMethod[] }>;

  constructor(
    checkOrigin: CheckOriginStep,
    extractCredential: ExtractCredentialStep,
    authenticate: AuthenticateStep,
    checkAudience: CheckAudienceStep,
    parseMessage: ParseMessageStep,
    detectGeneration: DetectGenerationStep,
    bindSession: BindAggregateSessionStep,
    checkScopes: CheckScopesStep,
    routeMethod: RouteMethodStep,
  ) {
    this.table = [
      { step: checkOrigin, methods: ALL },
      { step: extractCredential, methods: ALL },
      { step: authenticate, methods: ALL },
      { step: checkAudience, methods: ALL },
      { step: parseMessage, methods: POST },
      { step: detectGeneration, methods: POST },
      { step: bindSession, methods: ALL },
      { step: checkScopes, methods: POST },
      { step: routeMethod, methods: ALL },
    ];
  }

  async run(exchange: AggregateExchange): Promise<void> {
    for (const { step, methods } of this.table) {
      if (methods.includes(exchange.method)) {
        await step.run(exchange);
      }
    }
  }
}
