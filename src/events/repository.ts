// AggregateRepository: loads an aggregate from its latest snapshot plus the later events, saves its
// uncommitted changes with optimistic concurrency, and snapshots every N events.
import type pg from "pg";
import type { AggregateRoot } from "./aggregate.ts";
import type { EventStore } from "./store.ts";
import type { EventMetadata } from "./types.ts";

export interface RepositoryOptions<A> {
  store: EventStore;
  create: (id: string) => A;
  /** Snapshot when a save crosses a multiple of this many events (0: never). Default 50. */
  snapshotEvery?: number;
  /** Schema version of the snapshot state: snapshots of another version are ignored. Default 1. */
  snapshotSchemaVersion?: number;
}

export class AggregateRepository<S, A extends AggregateRoot<S>> {
  readonly store: EventStore;
  readonly snapshotEvery: number;
  readonly snapshotSchemaVersion: number;
  readonly #create: (id: string) => A;

  constructor(opts: RepositoryOptions<A>) {
    this.store = opts.store;
    this.#create = opts.create;
    this.snapshotEvery = opts.snapshotEvery ?? 50;
    this.snapshotSchemaVersion = opts.snapshotSchemaVersion ?? 1;
  }

  /** The aggregate (version 0 when its stream does not exist). */
  async load(id: string, client?: pg.ClientBase): Promise<A> {
    const aggregate = this.#create(id);
    const snapshot = await this.store.loadSnapshot<S>(aggregate.streamId, client);
    let from = 1;
    if (snapshot && snapshot.schemaVersion === this.snapshotSchemaVersion) {
      aggregate.restoreSnapshot(snapshot.state, snapshot.version);
      from = snapshot.version + 1;
    }
    for (;;) {
      const batch = await this.store.load(aggregate.streamId, { fromVersion: from, maxCount: 1000, client });
      aggregate.loadFromHistory(batch);
      if (batch.length < 1000) break;
      from = batch[batch.length - 1]!.streamVersion + 1;
    }
    return aggregate;
  }

  /** Appends the uncommitted changes expecting the loaded version; VersionConflictError when someone was first. */
  async save(aggregate: A, opts: { teamId?: string | null; metadata?: EventMetadata; client?: pg.ClientBase } = {}): Promise<number> {
    const changes = aggregate.uncommittedChanges();
    if (changes.length === 0) return aggregate.version;
    const before = aggregate.loadedVersion;
    await this.store.append(aggregate.streamId, aggregate.streamType,
      changes.map((c) => ({ ...c, metadata: { ...opts.metadata, ...c.metadata } })),
      { expectedVersion: before === 0 ? "no_stream" : before, teamId: opts.teamId ?? null, client: opts.client });
    aggregate.markCommitted();
    if (this.snapshotEvery > 0 && Math.floor(aggregate.version / this.snapshotEvery) > Math.floor(before / this.snapshotEvery)) {
      await this.store.saveSnapshot(aggregate.streamId, aggregate.version, aggregate.state, this.snapshotSchemaVersion, opts.client);
    }
    return aggregate.version;
  }
}
