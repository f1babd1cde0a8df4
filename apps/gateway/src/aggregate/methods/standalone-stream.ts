import { StringDecoder } from 'node:string_decoder';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { SseParser } from '@app/mcp-protocol';
import { LOGGER } from '@app/observability';
import { UpstreamCache, type UpstreamView } from '@app/upstream-cache';
import { routeSessionKey, SessionStreams } from '../../sessions/session-streams';
import { UpstreamAbort } from '../../upstreams/upstream-abort';
import { AGGREGATE_ROUTE } from '../aggregate-names';
import type { AggregateExchange } from '../aggregate-exchange';
import { RelayStream } from '../relay-stream';
import { UpstreamAccess } from '../upstream-access';
import { UpstreamCaller } from '../upstream-caller';

/**
 * `GET /mcp` (legacy sessions): the client's standalone stream, merged from the standalone streams
 * of the upstream sessions behind its aggregate session — every enabled upstream the caller may use
 * (its `<upstream>._server` policy does not deny; a denied one is not contacted), each opened (and
 * its upstream session initialized) when the client opens this stream. Notifications pass as they
 * are (`notifications/tools/list_changed` from any upstream tells the client the merged list
 * changed); server-to-client requests (sampling, elicitation, roots) get a gateway id
 * (relay-stream.ts, relayed-requests.ts), so the client's answer, POSTed to any replica, reaches
 * the upstream with the id it used. An upstream without a GET stream (405) or down is left out; the
 * client's stream stays open while the client keeps it: the gateway writes its own notifications to
 * it too (`notifications/elicitation/complete`, sessions/session-streams.ts). Upstream
 * event ids are not passed on: resuming this stream with `Last-Event-ID` opens a fresh one.
 */
@Injectable()
export class StandaloneStream {
  constructor(
    private readonly directory: UpstreamCache,
    private readonly access: UpstreamAccess,
    private readonly caller: UpstreamCaller,
    private readonly relay: RelayStream,
    private readonly streams: SessionStreams,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async open(exchange: AggregateExchange): Promise<void> {
    const signal = new UpstreamAbort();
    const raw = this.relay.openClientStream(exchange, signal);
    const write = (data: string): void => {
      if (!raw.destroyed) {
        raw.write(`event: message\ndata: ${data}\n\n`);
      }
    };
    // The gateway's own notifications for this session (notifications/elicitation/complete).
    const detach = this.streams.attach(
      routeSessionKey(AGGREGATE_ROUTE, exchange.sessionId!),
      (message) => write(JSON.stringify(message)),
    );
    raw.once('close', detach);
    const upstreams = this.directory.list().filter((upstream) => upstream.enabled);
    await Promise.all(upstreams.map((upstream) => this.pump(exchange, upstream, signal, write)));
  }

  /** One upstream's standalone stream into the client's, until either side ends it. */
  private async pump(
    exchange: AggregateExchange,
    upstream: UpstreamView,
    signal: UpstreamAbort,
    write: (data: string) => void,
  ): Promise<void> {
    try {
      const grant = await this.access.grantForList(exchange, upstream, 'ping');
      if (grant === undefined || signal.aborted) {
        return;
      }
      const response = await this.caller.listen(
        exchange,
        upstream,
        { injected: grant.injected },
        signal,
      );
      const type = String(response.headers['content-type'] ?? '').toLowerCase();
      if (response.statusCode !== 200 || !type.startsWith('text/event-stream')) {
        await response.body.dump();
        return;
      }
      const parser = new SseParser();
      const decoder = new StringDecoder('utf8');
      for await (const chunk of response.body) {
        for (const event of parser.push(decoder.write(chunk as Buffer))) {
          if (event.data !== undefined) {
            write(await this.relay.clientMessage(exchange, upstream, event.data));
          }
        }
      }
    } catch (error) {
      if (!signal.aborted) {
        this.logger.warn(
          { err: error, upstream: upstream.name, correlation_id: exchange.request.id },
          'an upstream standalone stream is left out of /mcp',
        );
      }
    }
  }
}
