// Resumability for the fixture's 2025-era sessions: every SSE event is kept so a client (or the
// gateway in front) reconnecting with Last-Event-ID gets the rest of that stream replayed.
import type { EventId, EventStore, JSONRPCMessage, StreamId } from '@modelcontextprotocol/server';

interface StoredEvent {
  streamId: StreamId;
  sequence: number;
  message: JSONRPCMessage;
}

/** One per session; event ids are `<streamId>_<sequence>` with a per-store counter. */
export class InMemoryEventStore implements EventStore {
  private readonly events = new Map<EventId, StoredEvent>();
  private sequence = 0;

  storeEvent(streamId: StreamId, message: JSONRPCMessage): Promise<EventId> {
    this.sequence += 1;
    const eventId = `${streamId}_${this.sequence}`;
    this.events.set(eventId, { streamId, sequence: this.sequence, message });
    return Promise.resolve(eventId);
  }

  getStreamIdForEventId(eventId: EventId): Promise<StreamId | undefined> {
    return Promise.resolve(this.events.get(eventId)?.streamId);
  }

  async replayEventsAfter(
    lastEventId: EventId,
    { send }: { send: (eventId: EventId, message: JSONRPCMessage) => Promise<void> },
  ): Promise<StreamId> {
    const last = this.events.get(lastEventId);
    if (last === undefined) {
      throw new Error('unknown Last-Event-ID');
    }
    for (const [eventId, event] of this.events) {
      // Priming events carry an empty message; there is nothing to replay for them.
      if (
        event.streamId === last.streamId &&
        event.sequence > last.sequence &&
        Object.keys(event.message).length > 0
      ) {
        await send(eventId, event.message);
      }
    }
    return last.streamId;
  }
}
