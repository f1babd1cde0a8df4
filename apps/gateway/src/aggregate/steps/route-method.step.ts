import { Injectable } from '@nestjs/common';
import { JSONRPC_ERRORS } from '@app/mcp-protocol';
import { UpstreamCache } from '@app/upstream-cache';
import type { McpStep } from '../../mcp/mcp-step';
import { type AggregateAnswer, type AggregateMethod, rpcError } from '../aggregate-answer';
import type { AggregateExchange } from '../aggregate-exchange';
import { AggregateSessionStore } from '../aggregate-session.store';
import { LifecycleMethod } from '../methods/lifecycle.method';
import { ListMethod } from '../methods/list.method';
import { LoggingMethod } from '../methods/logging.method';
import { RoutedMethod } from '../methods/routed.method';
import { StandaloneStream } from '../methods/standalone-stream';
import { RelayedRequests } from '../relayed-requests';
import { UpstreamCaller } from '../upstream-caller';

/**
 * The aggregate's method router (the last step): each method family has one handler in
 * methods/; an unknown method is −32601; client notifications and responses are accepted (202).
 * GET opens the merged standalone stream; DELETE ends the gateway session and the upstream
 * sessions behind it.
 */
@Injectable()
export class RouteMethodStep implements McpStep {
  private readonly handlers = new Map<string, AggregateMethod>();

  constructor(
    lifecycle: LifecycleMethod,
    lists: ListMethod,
    routed: RoutedMethod,
    logging: LoggingMethod,
    private readonly caller: UpstreamCaller,
    private readonly sessions: AggregateSessionStore,
    private readonly directory: UpstreamCache,
    private readonly relayed: RelayedRequests,
    private readonly standalone: StandaloneStream,
  ) {
    for (const handler of [lifecycle, lists, routed, logging]) {
      for (const method of handler.methods) {
        this.handlers.set(method, handler);
      }
    }
  }

  async run(exchange: AggregateExchange): Promise<void> {
    const answer = await this.answer(exchange);
    if (answer.streamed === true) {
      return;
    }
    const reply = exchange.reply.code(answer.status);
    if (exchange.sessionId !== undefined && exchange.method === 'POST') {
      reply.header('mcp-session-id', exchange.sessionId);
    }
    reply.headers(answer.headers ?? {});
    if (answer.body === undefined) {
      await reply.send();
      return;
    }
    const value = answer.body.result as Record<string, unknown> | undefined;
    if (exchange.generation === 'modern' && typeof value === 'object' && value !== null) {
      // 2026-07-28 results say what they are; the gateway's own answers are complete.
      value.resultType ??= 'complete';
    }
    await reply.header('content-type', 'application/json').send(JSON.stringify(answer.body));
  }

  /** A client's answer to a relayed server request goes back to its upstream, with its own id. */
  private async answerRelayed(exchange: AggregateExchange): Promise<AggregateAnswer> {
    const message = exchange.message!;
    const origin = await this.relayed.take(message.kind === 'response' ? message.id : null);
    const upstream = origin === undefined ? undefined : this.directory.get(origin.upstream);
    if (
      origin === undefined ||
      upstream === undefined ||
      origin.principal !== exchange.principal!.key
    ) {
      return { status: 202 };
    }
    const body = JSON.parse(exchange.body!.toString('utf8')) as Record<string, unknown>;
    await this.caller.answerUpstream(exchange, upstream, { ...body, id: origin.id });
    return { status: 202 };
  }

  private async answer(exchange: AggregateExchange): Promise<AggregateAnswer> {
    switch (exchange.method) {
      case 'GET':
        // The merged standalone stream (methods/standalone-stream.ts).
        await this.standalone.open(exchange);
        return { status: 200, streamed: true };
      case 'DELETE':
        await this.caller.endAll(exchange, this.directory.list());
        await this.sessions.forget(exchange.aggregateSession!);
        return { status: 200 };
      case 'POST':
        break;
    }
    const message = exchange.message!;
    if (message.kind === 'response') {
      return this.answerRelayed(exchange);
    }
    const handler = this.handlers.get(message.method);
    if (handler !== undefined) {
      return handler.handle(exchange);
    }
    if (message.kind === 'notification') {
      return { status: 202 };
    }
    return rpcError(
      exchange.requestId,
      JSONRPC_ERRORS.methodNotFound,
      `Method not found: ${message.method}`,
    );
  }
}
