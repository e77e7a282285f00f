// The in-process tier: a bounded LRU (entry count and approximate bytes) with per-entry expiry and a tag
// index, in front of Redis. Values are deep-frozen on insertion so a hit can return the same object without
// a decode (callers must treat cached values as read-only).
//
// Race guard: every drop (key, tag, pattern, clear) advances a sequence number and leaves a tombstone. A
// loader captures the sequence before it reads Redis/PostgreSQL; its put is refused when a drop touching its
// key happened since, so a late put can never resurrect a row that a newer write invalidated.

export interface LocalEntry {
  value: unknown;
  schemaVersion: number;
  expiresAt: number;
  tags: readonly string[];
  size: number;
}

export interface LocalTierOptions {
  maxEntries?: number;
  maxBytes?: number;
  /** Tombstones kept for the race guard (oldest dropped first). */
  maxTombstones?: number;
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}

export class LocalTier {
  readonly maxEntries: number;
  readonly maxBytes: number;
  private readonly maxTombstones: number;
  private readonly entries = new Map<string, LocalEntry>();
  private readonly byTag = new Map<string, Set<string>>();
  private readonly tombstones = new Map<string, number>();
  private bytes = 0;
  private seq = 0;
  /** Loads that started at or before this sequence may not put anything (tag/pattern/clear drops, pruning). */
  private floor = 0;
  evictions = 0;

  constructor(opts: LocalTierOptions = {}) {
    this.maxEntries = opts.maxEntries ?? 10_000;
    this.maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
    this.maxTombstones = opts.maxTombstones ?? 10_000;
  }

  get size(): number { return this.entries.size; }
  get approximateBytes(): number { return this.bytes; }
  /** The sequence a loader captures before reading the tiers below. */
  mark(): number { return this.seq; }

  get(key: string, schemaVersion: number, now = Date.now()): LocalEntry | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= now || e.schemaVersion !== schemaVersion) {
      this.remove(key);
      return undefined;
    }
    // refresh recency: Map iteration order is insertion order
    this.entries.delete(key);
    this.entries.set(key, e);
    return e;
  }

  /** Stores an entry unless a drop touching it happened after `mark`. Returns whether it was stored. */
  put(key: string, entry: LocalEntry, mark: number): boolean {
    if (mark < this.floor || (this.tombstones.get(key) ?? -1) > mark) return false;
    for (const t of entry.tags) if ((this.tombstones.get(`\u0000tag:${t}`) ?? -1) > mark) return false;
    if (entry.size > this.maxBytes) return false;
    this.remove(key);
    deepFreeze(entry.value);
    this.entries.set(key, entry);
    this.bytes += entry.size;
    for (const t of entry.tags) {
      let s = this.byTag.get(t);
      if (!s) this.byTag.set(t, (s = new Set()));
      s.add(key);
    }
    while (this.entries.size > this.maxEntries || this.bytes > this.maxBytes) {
      const oldest = this.entries.keys().next().value as string | undefined;
      if (oldest === undefined) break;
      this.remove(oldest);
      this.evictions++;
    }
    return true;
  }

  dropKeys(keys: Iterable<string>): void {
    const s = ++this.seq;
    for (const k of keys) {
      this.remove(k);
      this.tomb(k, s);
    }
  }

  dropTags(tags: Iterable<string>): void {
    const s = ++this.seq;
    for (const t of tags) {
      this.tomb(`\u0000tag:${t}`, s);
      for (const k of [...(this.byTag.get(t) ?? [])]) this.remove(k);
    }
  }

  dropMatching(re: RegExp): void {
    this.floor = ++this.seq;
    for (const k of [...this.entries.keys()]) if (re.test(k)) this.remove(k);
  }

  clear(): void {
    this.floor = ++this.seq;
    this.entries.clear();
    this.byTag.clear();
    this.tombstones.clear();
    this.bytes = 0;
  }

  keys(): string[] { return [...this.entries.keys()]; }
  peek(key: string): LocalEntry | undefined { return this.entries.get(key); }

  private tomb(key: string, s: number): void {
    this.tombstones.delete(key);
    this.tombstones.set(key, s);
    while (this.tombstones.size > this.maxTombstones) {
      const [oldest, os] = this.tombstones.entries().next().value as [string, number];
      this.tombstones.delete(oldest);
      // a load older than the pruned tombstone can no longer be checked: refuse it
      if (os > this.floor) this.floor = os;
    }
  }

  private remove(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.bytes -= e.size;
    for (const t of e.tags) {
      const s = this.byTag.get(t);
      if (s) { s.delete(key); if (s.size === 0) this.byTag.delete(t); }
    }
  }
}
