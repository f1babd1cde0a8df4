import type { ProviderEntity } from '@app/persistence';
import type { ProviderClient } from './provider-client';

// Discovered endpoints (oidc) are looked up again after this: the resolver's own cache decides.
const DEFAULT_TTL_MS = 60_000;
const DEFAULT_MAX_ENTRIES = 1000;

interface Entry {
  version: number;
  loadedAt: number;
  client: Promise<ProviderClient | null>;
}

/**
 * The opened client (endpoints, client id and decrypted secret) of each provider a refresher
 * uses, by the provider row's `row_version` — bumped by every admin write, and read with the
 * refresh lease in the same statement — so an edited provider (a new secret, a new token
 * endpoint) is never served from here, and a refresh costs no provider query and no decryption.
 * Entries live at most `ttlMs`; a load that fails is not kept. Concurrent refreshes of one
 * provider share one load. Null: the provider row is gone.
 */
export class ProviderClientCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly load: (providerId: string) => Promise<ProviderEntity | null>,
    private readonly open: (row: ProviderEntity) => Promise<ProviderClient>,
    private readonly ttlMs = DEFAULT_TTL_MS,
    private readonly maxEntries = DEFAULT_MAX_ENTRIES,
    private readonly now: () => number = Date.now,
  ) {}

  get(providerId: string, version: number): Promise<ProviderClient | null> {
    const entry = this.entries.get(providerId);
    if (
      entry !== undefined &&
      entry.version === version &&
      this.now() - entry.loadedAt < this.ttlMs
    ) {
      return entry.client;
    }
    // Read after the lease that saw `version`: the row is at least that new (a newer one only
    // means the next lease's version differs and it is read again).
    const client = this.load(providerId).then((row) => (row === null ? null : this.open(row)));
    const fresh: Entry = { version, loadedAt: this.now(), client };
    this.entries.delete(providerId);
    if (this.entries.size >= this.maxEntries) {
      this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(providerId, fresh);
    client.catch(() => {
      if (this.entries.get(providerId) === fresh) {
        this.entries.delete(providerId);
      }
    });
    return client;
  }
}
