import { CharTrie } from './char-trie';
import type { IndexKey } from './pattern-index-keys';
import { compileToolMatcher, type ToolMatcher } from './pattern-matcher';
import type { Policy } from './policy.types';

/** One enabled policy as the index holds it. */
export interface IndexedPolicy {
  /** Position in the priority order of the whole set; lower ranks win. */
  readonly rank: number;
  readonly policy: Policy;
  /** Built on first use: most patterns are never tested in a process's lifetime. */
  matcher?: ToolMatcher;
  /** Lookup stamp, so a policy reached through several keys is tested once. */
  seen: number;
}

/** How many index slots each kind of key filled (for benchmarks and diagnostics). */
export interface PolicyIndexStats {
  exact: number;
  prefix: number;
  suffix: number;
  root: number;
}

/**
 * Files enabled policies by the literal text their patterns pin down, so a
 * lookup tests only policies whose literal prefix (or suffix) occurs in the
 * tool name, plus the few with no literal anchor at all.
 */
export class PolicyIndex {
  private readonly exact = new Map<string, IndexedPolicy[]>();
  private readonly prefixes = new CharTrie<IndexedPolicy>();
  private readonly suffixes = new CharTrie<IndexedPolicy>(true);
  private readonly root: IndexedPolicy[] = [];
  private stamp = 0;

  add(entry: IndexedPolicy, keys: readonly IndexKey[]): void {
    for (const key of keys) {
      if (key.kind === 'exact') {
        const list = this.exact.get(key.text);
        if (list) {
          list.push(entry);
        } else {
          this.exact.set(key.text, [entry]);
        }
      } else if (key.kind === 'prefix') {
        this.prefixes.insert(key.text, entry);
      } else if (key.kind === 'suffix') {
        this.suffixes.insert(key.text, entry);
      } else {
        this.root.push(entry);
      }
    }
  }

  /** Ranks of every indexed policy matching `tool`, ascending (best first). */
  matchingRanks(tool: string): number[] {
    const stamp = ++this.stamp;
    const ranks: number[] = [];
    const exact = this.exact.get(tool);
    if (exact) {
      for (const e of exact) {
        if (e.seen === stamp) {
          continue;
        }
        e.seen = stamp;
        ranks.push(e.rank);
      }
    }
    const test = (entries: readonly IndexedPolicy[]): void => {
      for (const e of entries) {
        if (e.seen === stamp) {
          continue;
        }
        e.seen = stamp;
        e.matcher ??= compileToolMatcher(e.policy.match_pattern);
        if (e.matcher(tool)) {
          ranks.push(e.rank);
        }
      }
    };
    this.prefixes.forEachKeyIn(tool, test);
    this.suffixes.forEachKeyIn(tool, test);
    test(this.root);
    return ranks.length > 1 ? ranks.sort((a, b) => a - b) : ranks;
  }

  stats(): PolicyIndexStats {
    let exact = 0;
    for (const list of this.exact.values()) {
      exact += list.length;
    }
    return {
      exact,
      prefix: this.prefixes.size,
      suffix: this.suffixes.size,
      root: this.root.length,
    };
  }
}
