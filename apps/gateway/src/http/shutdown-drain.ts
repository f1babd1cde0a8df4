import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { Injectable } from '@nestjs/common';

/**
 * What a graceful shutdown must end itself, or it waits for SHUTDOWN_TIMEOUT_MS and exits
 * non-zero (measured: test/e2e/gateway-replicas.e2e-spec.ts):
 * - the SSE answers being relayed: a stream never ends by itself (a legacy client's GET stream
 *   lives as long as its session). Each one's upstream request is cancelled and the client's
 *   connection closed; an SSE client reconnects (with `Last-Event-ID` where it has one) and the
 *   load balancer sends it to another replica, which knows the session (sessions/session.store.ts);
 * - connections with no request in flight that Node's own `closeIdleConnections` leaves open: one
 *   that was opened but never sent a request (load balancers and HTTP clients open them ahead), and
 *   a keep-alive connection whose last answer finishes after the close began.
 * Requests in flight that are not streams finish normally. create-gateway.ts runs `drain` in
 * Fastify's `preClose`.
 */
@Injectable()
export class ShutdownDrain {
  private readonly ends = new Set<() => void>();
  private readonly busy = new Map<Socket, number>();
  private closing = false;

  /**
   * Registers a stream's way to end; returns the call that forgets it when it ends by itself. A
   * stream that starts once closing began (its upstream answered after the signal) ends at once.
   */
  track(end: () => void): () => void {
    if (this.closing) {
      end();
      return () => undefined;
    }
    this.ends.add(end);
    return () => this.ends.delete(end);
  }

  /** Counts each connection's requests in flight, to know which ones are idle at close. */
  watch(server: Server): void {
    server.on('connection', (socket: Socket) => {
      this.busy.set(socket, 0);
      socket.once('close', () => this.busy.delete(socket));
    });
    server.on('request', (request: { socket: Socket }, response: NodeJS.EventEmitter) => {
      const socket = request.socket;
      this.busy.set(socket, (this.busy.get(socket) ?? 0) + 1);
      response.once('close', () => {
        const left = (this.busy.get(socket) ?? 1) - 1;
        this.busy.set(socket, left);
        if (left === 0 && this.closing) {
          socket.destroy();
        }
      });
    });
  }

  get streams(): number {
    return this.ends.size;
  }

  drain(): void {
    this.closing = true;
    for (const end of [...this.ends]) {
      this.ends.delete(end);
      end();
    }
    for (const [socket, requests] of this.busy) {
      if (requests === 0) {
        socket.destroy();
      }
    }
  }
}
