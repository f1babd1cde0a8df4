interface TrieNode<T> {
  /** The key text on the edge into this node (in walk order). */
  label: string;
  /** Children by the first code unit of their label. */
  next?: Map<number, TrieNode<T>>;
  values?: T[];
}

/**
 * A path-compressed character trie over UTF-16 code units that answers "which
 * stored keys are prefixes of this text" in one walk of the text. With
 * `fromEnd` keys are stored reversed and the walk starts at the end of the
 * text, so the same structure answers "which stored keys are suffixes".
 * Compression keeps node count near the number of keys, which matters when
 * ten thousand policies share long prefixes like `upstream42.`.
 */
export class CharTrie<T> {
  private readonly root: TrieNode<T> = { label: '' };
  private count = 0;

  constructor(private readonly fromEnd = false) {}

  /** Number of values stored. */
  get size(): number {
    return this.count;
  }

  insert(key: string, value: T): void {
    const k = this.fromEnd ? key.split('').reverse().join('') : key;
    let node = this.root;
    let i = 0;
    while (i < k.length) {
      const next: Map<number, TrieNode<T>> = (node.next ??= new Map());
      const child = next.get(k.charCodeAt(i));
      if (!child) {
        next.set(k.charCodeAt(i), { label: k.slice(i), values: [value] });
        this.count++;
        return;
      }
      const label = child.label;
      let j = 1;
      while (j < label.length && i + j < k.length && label.charCodeAt(j) === k.charCodeAt(i + j)) {
        j++;
      }
      if (j < label.length) {
        // The key leaves (or ends inside) the edge: split it at j.
        const mid: TrieNode<T> = {
          label: label.slice(0, j),
          next: new Map([[label.charCodeAt(j), child]]),
        };
        child.label = label.slice(j);
        next.set(k.charCodeAt(i), mid);
        node = mid;
      } else {
        node = child;
      }
      i += j;
    }
    (node.values ??= []).push(value);
    this.count++;
  }

  /** Calls `visit` with the values of every stored key that is a prefix (suffix) of `text`. */
  forEachKeyIn(text: string, visit: (values: readonly T[]) => void): void {
    const n = text.length;
    const at = this.fromEnd
      ? (i: number) => text.charCodeAt(n - 1 - i)
      : (i: number) => text.charCodeAt(i);
    let node = this.root;
    let i = 0;
    for (;;) {
      if (node.values) {
        visit(node.values);
      }
      if (i === n || !node.next) {
        return;
      }
      const child = node.next.get(at(i));
      if (!child || child.label.length > n - i) {
        return;
      }
      for (let j = 1; j < child.label.length; j++) {
        if (child.label.charCodeAt(j) !== at(i + j)) {
          return;
        }
      }
      i += child.label.length;
      node = child;
    }
  }
}
