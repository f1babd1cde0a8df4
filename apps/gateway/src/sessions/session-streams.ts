import { sha256Hex } from '@app/crypto';
import { Injectable } from '@nestjs/common';

/** Writes one JSON-RPC message into a client's open stream (as one SSE event). */
export type StreamSink = (message: unknown) => void;

/**
 * Issue 9 §2: this replica's open client GET streams, per session key (any string the route
 * chooses: the transparent route uses `<route>:<sha256(session id)>`). A message for a session
 * with no stream open here is held until one attaches (or its deadline passes): a client that
 * reconnects its GET stream after the user completed still hears of it. Generic on purpose: the
 * aggregated `/mcp` route attaches its own streams.
 */
@Injectable()
export class SessionStreams {
  private readonly sinks = new Map<string, Set<StreamSink>>();
  private readonly held = new Map<string, Array<{ message: unknown; until: number }>>();

  /** Registers a stream; held messages for the session are written into it at once. Returns detach. */
  attach(sessionKey: string, sink: StreamSink): () => void {
    let set = this.sinks.get(sessionKey);
    if (set === undefined) {
      set = new Set();
      this.sinks.set(sessionKey, set);
    }
    set.add(sink);
    const held = this.held.get(sessionKey);
    if (held !== undefined) {
      this.held.delete(sessionKey);
      const now = Date.now();
      for (const entry of held) {
        if (entry.until > now) {
          sink(entry.message);
        }
      }
    }
    return () => {
      const current = this.sinks.get(sessionKey);
      current?.delete(sink);
      if (current?.size === 0) {
        this.sinks.delete(sessionKey);
      }
    };
  }

  /** Writes the message into every stream of the session on this replica; false when there is none. */
  notify(sessionKey: string, message: unknown): boolean {
    const set = this.sinks.get(sessionKey);
    if (set === undefined || set.size === 0) {
      return false;
    }
    for (const sink of set) {
      sink(message);
    }
    return true;
  }

  /** Like notify, but keeps the message until `until` (epoch ms) when no stream is open here. */
  notifyOrHold(sessionKey: string, message: unknown, until: number): boolean {
    if (this.notify(sessionKey, message)) {
      return true;
    }
    const now = Date.now();
    const list = (this.held.get(sessionKey) ?? []).filter((entry) => entry.until > now);
    list.push({ message, until });
    this.held.set(sessionKey, list.slice(-16));
    this.sweep(now);
    return false;
  }

  /** Held messages nobody came for are dropped once their deadline passed (bounded memory). */
  private sweep(now: number): void {
    if (this.held.size < 1000) {
      return;
    }
    for (const [key, list] of this.held) {
      if (list.every((entry) => entry.until <= now)) {
        this.held.delete(key);
      }
    }
  }
}

/** The transparent route's session key: the route and the SHA-256 of the legacy session id. */
export function routeSessionKey(route: string, sessionId: string): string {
  return `${route}:${sha256Hex(sessionId)}`;
}
