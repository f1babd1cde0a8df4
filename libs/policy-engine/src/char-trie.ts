interface TrieNode<T> {
  next?: Map<number, TrieNode<T>>;
  values?: T[];
}

/**
 * A character trie over UTF-16 code units that answers "which stored keys are
 * prefixes of this text" in one walk of the text. With `fromEnd` the keys are
 * stored reversed and the walk starts at the end, so the same structure also
 * answers "which stored keys are suffixes of this text".
 */
export class CharTrie<T> {
  private readonly root: TrieNode<T> = {};
  private count = 0;

  constructor(private readonly fromEnd = false) {}

  /** Number of values stored. */
  get size(): number {
    return this.count;
  }

  insert(key: string, value: T): void {
    let node = this.root;
    for (let i = 0; i < key.length; i++) {
      const code = key.charCodeAt(this.fromEnd ? key.length - 1 - i : i);
      node.next ??= new Map();
      let child = node.next.get(code);
      if (!child) {
        child = {};
        node.next.set(code, child);
      }
      node = child;
    }
    (node.values ??= []).push(value);
    this.count++;
  }

  /** Calls `visit` with the values of every stored key that is a prefix (suffix) of `text`. */
  forEachKeyIn(text: string, visit: (values: readonly T[]) => void): void {
    let node: TrieNode<T> | undefined = this.root;
    const n = text.length;
    for (let i = 0; node; i++) {
      if (node.values) visit(node.values);
      if (i === n || !node.next) return;
      node = node.next.get(text.charCodeAt(this.fromEnd ? n - 1 - i : i));
    }
  }
}
