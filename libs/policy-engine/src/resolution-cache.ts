/**
 * A size-bounded map. Keys are tool names, which callers choose, so the bound
 * is what keeps a stream of made-up names from growing the heap. When full,
 * the oldest insertion is evicted (FIFO): a hit costs a single `Map.get`,
 * unlike LRU which would re-insert on every hit.
 */
export class BoundedCache<V> {
  private readonly map = new Map<string, V>();

  constructor(readonly maxEntries: number) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 0) {
      throw new RangeError('maxEntries must be a non-negative integer');
    }
  }

  get size(): number {
    return this.map.size;
  }

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  set(key: string, value: V): void {
    if (this.maxEntries === 0) {
      return;
    }
    if (this.map.size >= this.maxEntries && !this.map.has(key)) {
      const oldest = this.map.keys().next();
      if (!oldest.done) {
        this.map.delete(oldest.value);
      }
    }
    this.map.set(key, value);
  }

  clear(): void {
    this.map.clear();
  }
}
