// EventStore: append (save), load a stream, read everything after a checkpoint, snapshots.
// Appends go through app_private.append_to_streams (the one append; append_events wraps it), so they join the caller's transaction when one is open on the
// same pool (withTransaction) and commit with the state change they describe.
import type pg from "pg";
import { mapDbError } from "../db/errors.ts";
import { requireKind, SERVICE, serviceQueryable, type Caller, type ServiceCaller } from "../db/caller.ts";
import { ValidationError } from "../errors.ts";
import {
  type AppendResult, type Checkpoint, type EventRow, type ExpectedVersion, type NewEvent, type Snapshot,
  START, type StoredEvent, type StreamAppend, toStoredEvent,
} from "./types.ts";
import { Upcasters } from "./upcasters.ts";

export interface AppendOptions {
  expectedVersion?: ExpectedVersion;
  teamId?: string | null;
  /** Run on this client (an open transaction) instead of the pool. */
  client?: pg.ClientBase;
}

export interface AppendToStreamsOptions {
  /** Run on this client (an open transaction) instead of the pool. */
  client?: pg.ClientBase;
}

export interface LoadOptions {
  /** Forwards: first version to read (default 1). Backwards: last version to read (default the end). */
  fromVersion?: number;
  maxCount?: number;
  backwards?: boolean;
  client?: pg.ClientBase;
}

export interface ReadAllOptions {
  maxCount?: number;
  types?: string[];
  streamTypes?: string[];
  client?: pg.ClientBase;
}

const EXPECTED_SQL = (v: ExpectedVersion | undefined): number | null => {
  if (v === undefined || v === "any") return null;
  if (v === "no_stream") return 0;
  if (!Number.isInteger(v) || v < 0) throw new ValidationError("expectedVersion must be 'any', 'no_stream' or a version >= 0", { field: "expectedVersion" });
  return v;
};

function toSqlEvent(e: NewEvent): Record<string, unknown> {
  return {
    ...(e.eventId ? { event_id: e.eventId } : {}),
    type: e.type,
    data: e.data,
    metadata: e.metadata ?? {},
    ...(e.schemaVersion ? { schema_version: e.schemaVersion } : {}),
  };
}

/**
 * The event store, in the repository shape of src/db/caller.ts: it is the service path (owner pool, app_private
 * functions); a signed-in user reads events through the read models and the live API, so as() refuses a user
 * caller (ForbiddenError). Calls join the caller's open withTransaction on the same pool, or run on opts.client.
 */
export class EventStore {
  readonly pool: pg.Pool;
  readonly upcasters: Upcasters;
  readonly caller: Readonly<ServiceCaller> = SERVICE;

  constructor(pool: pg.Pool, upcasters: Upcasters = new Upcasters()) {
    this.pool = pool;
    this.upcasters = upcasters;
  }

  /** The same store for another caller: the service path only. */
  as(caller: Caller): EventStore {
    requireKind(caller, "service", "the event store");
    return this;
  }

  #db(client?: pg.ClientBase): pg.ClientBase | pg.Pool {
    return serviceQueryable(this.pool, client);
  }

  /**
   * Appends events to a stream (Save). A stale expectedVersion throws VersionConflictError (LFVER). Goes through
   * app_private.append_events, the one-stream form of append_to_streams (same rules and errors; events without
   * caller ids take its lean path: one stream UPDATE and one INSERT).
   */
  async append(streamId: string, streamType: string, events: NewEvent[], opts: AppendOptions = {}): Promise<AppendResult> {
    const expected = EXPECTED_SQL(opts.expectedVersion);
    let rows: { event_id: string; stream_version: string; global_position: string }[];
    try {
      ({ rows } = await this.#db(opts.client).query(
        "select event_id, stream_version, global_position from app_private.append_events($1, $2, $3, $4::jsonb, $5)",
        [streamId, streamType, expected, JSON.stringify(events.map(toSqlEvent)), opts.teamId ?? null],
      ));
    } catch (e) {
      throw mapDbError(e);
    }
    const out = rows.map((r) => ({ eventId: r.event_id, streamVersion: Number(r.stream_version), globalPosition: BigInt(r.global_position) }));
    return { nextVersion: out.length ? out[out.length - 1]!.streamVersion : (expected ?? 0), events: out };
  }

  /**
   * Appends to several streams at once, all or nothing (app_private.append_to_streams): one result per input
   * stream, in input order. A stale expectation anywhere throws VersionConflictError and writes nothing.
   */
  async appendToStreams(appends: StreamAppend[], opts: AppendToStreamsOptions = {}): Promise<AppendResult[]> {
    const expected = appends.map((a) => EXPECTED_SQL(a.expectedVersion));
    const payload = appends.map((a, i) => ({
      stream_id: a.streamId,
      stream_type: a.streamType,
      expected_version: expected[i],
      team_id: a.teamId ?? null,
      events: a.events.map(toSqlEvent),
    }));
    let rows: { stream_id: string; event_id: string; stream_version: string; global_position: string }[];
    try {
      ({ rows } = await this.#db(opts.client).query(
        "select stream_id, event_id, stream_version, global_position from app_private.append_to_streams($1::jsonb)",
        [JSON.stringify(payload)],
      ));
    } catch (e) {
      throw mapDbError(e);
    }
    const byStream = new Map<string, AppendResult["events"]>();
    for (const r of rows) {
      const list = byStream.get(r.stream_id) ?? [];
      list.push({ eventId: r.event_id, streamVersion: Number(r.stream_version), globalPosition: BigInt(r.global_position) });
      byStream.set(r.stream_id, list);
    }
    return appends.map((a, i) => {
      const out = byStream.get(a.streamId) ?? [];
      return { nextVersion: out.length ? out[out.length - 1]!.streamVersion : (expected[i] ?? 0), events: out };
    });
  }

  /** Alias of append, the Save of the issue. */
  save(streamId: string, streamType: string, events: NewEvent[], opts: AppendOptions = {}): Promise<AppendResult> {
    return this.append(streamId, streamType, events, opts);
  }

  /** Reads a stream forwards (from version, default 1) or backwards (from version, default the end). Upcast. */
  async load(streamId: string, opts: LoadOptions = {}): Promise<StoredEvent[]> {
    try {
      const { rows } = await this.#db(opts.client).query<EventRow>(
        "select * from app_private.read_stream_events($1, $2, $3, $4)",
        [streamId, opts.fromVersion ?? null, opts.maxCount ?? 10_000, opts.backwards ?? false],
      );
      return rows.map((r) => this.upcasters.upcast(toStoredEvent(r)));
    } catch (e) {
      throw mapDbError(e);
    }
  }

  /** The stream's current version (0 when it does not exist). */
  async streamVersion(streamId: string, client?: pg.ClientBase): Promise<number> {
    const { rows } = await this.#db(client).query<{ version: string }>("select version from app_public.event_streams where id = $1", [streamId]);
    return rows[0] ? Number(rows[0].version) : 0;
  }

  /** Events after a checkpoint in the global (transaction_id, global_position) order, never skipping or repeating. */
  async readAll(after: Checkpoint = START, opts: ReadAllOptions = {}): Promise<StoredEvent[]> {
    try {
      const { rows } = await this.#db(opts.client).query<EventRow>(
        "select * from app_private.read_all_events($1::text::xid8, $2, $3, $4, $5)",
        [after.transactionId.toString(), after.globalPosition.toString(), opts.maxCount ?? 1000, opts.types ?? null, opts.streamTypes ?? null],
      );
      return rows.map((r) => this.upcasters.upcast(toStoredEvent(r)));
    } catch (e) {
      throw mapDbError(e);
    }
  }

  /** The latest snapshot of a stream, if any. */
  async loadSnapshot<S>(streamId: string, client?: pg.ClientBase): Promise<Snapshot<S> | null> {
    const { rows } = await this.#db(client).query<{ version: string; state: S; schema_version: number; created_at: Date }>(
      "select version, state, schema_version, created_at from app_public.event_snapshots where stream_id = $1 order by version desc limit 1",
      [streamId],
    );
    const r = rows[0];
    return r ? { streamId, version: Number(r.version), state: r.state, schemaVersion: r.schema_version, createdAt: r.created_at } : null;
  }

  /** Stores a snapshot of the state at a stream version (idempotent for the same version). */
  async saveSnapshot<S>(streamId: string, version: number, state: S, schemaVersion = 1, client?: pg.ClientBase): Promise<void> {
    try {
      await this.#db(client).query(
        `insert into app_public.event_snapshots (stream_id, version, state, schema_version) values ($1, $2, $3::jsonb, $4)
         on conflict (stream_id, version) do update set state = excluded.state, schema_version = excluded.schema_version`,
        [streamId, version, JSON.stringify(state), schemaVersion],
      );
    } catch (e) {
      throw mapDbError(e);
    }
  }
}

export function checkpointOf(e: Pick<StoredEvent, "transactionId" | "globalPosition">): Checkpoint {
  return { transactionId: e.transactionId, globalPosition: e.globalPosition };
}
