import { AsyncLocalStorage } from 'node:async_hooks';

/** What a token request's refresh-token rotation did: the token it consumed, and how. */
export interface RotationState {
  rotatedFrom?: string;
  /** Whether the token was consumed by its one retry in the reuse window. */
  viaRetry?: boolean;
}

/**
 * Carries one token request's rotation from the storage adapter's `consume` (the old token) to
 * its `upsert` (the new one): the engine gives the adapter no request context, and the successor
 * must be linked to its predecessor for the reuse window to supersede it.
 */
export class RefreshRotationContext {
  private readonly storage = new AsyncLocalStorage<RotationState>();

  run<T>(request: () => T): T {
    return this.storage.run({}, request);
  }

  current(): RotationState | undefined {
    return this.storage.getStore();
  }
}
