// The archiver: moves terminal executions older than the hot retention into batch files, one crash-safe step
// at a time. Each batch is a manifest row (app_private.archive_batches) moving
//   planned  -> (write file, put)            -> uploaded
//   uploaded -> (get, sha256, row count, ids) -> verified
//   verified -> (delete rows | drop partition) -> deleted
// Every arrow is a transaction after an idempotent storage action (deterministic keys: a re-run overwrites
// the same object), so a crash anywhere leaves a state the next run resumes: nothing lost, nothing twice.
// New batches move in groups (up to groupRows executions): the group's batches are planned in one transaction,
// their documents read by one query, their files stored and read back while the next groups are planned and
// read, then marked uploaded in one transaction and verified in one transaction; day partitions that became
// empty are dropped right after. With a second connection (readClient) a group's documents are read while the
// group after it is planned; a partition drop waits until no plan or read is running (it takes ACCESS EXCLUSIVE
// locks on the parent tables), so it is never queued behind them and never gives up on them.
// Runs hold a session advisory lock: one archiver at a time per database.
import type pg from "pg";
import { LinkFlowError } from "../errors.ts";
import { mapDbError } from "../db/errors.ts";
import { logger as rootLogger } from "../logger.ts";
import type { Storage } from "../storage/storage.ts";
import type { ArchiveConfig } from "./config.ts";
import { encodeBatch, readVerified, type EncodedBatch } from "./files.ts";
import { ArchiveIntegrityError, ARCHIVE_DOCUMENTS_SQL, encodableFromRow, parquetRowCount, readParquetIds } from "./format.ts";
import { gate, serialQueue } from "./pipeline.ts";

export const CRASH_POINTS = ["before_upload", "after_upload", "after_manifest", "after_verify", "during_delete", "during_partition_drop"] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

/** Thrown by the crash hook (tests): stands for a process dying at that point. */
export class InjectedCrash extends Error {
  readonly point: CrashPoint;
  constructor(point: CrashPoint) { super(`injected crash at ${point}`); this.name = "InjectedCrash"; this.point = point; }
}

export type ArchiverSettings = Pick<ArchiveConfig, "hotDays" | "coldDays" | "batchSize" | "rowGroupSize" | "zstdLevel" | "encryptionKey">
  & Partial<Pick<ArchiveConfig, "groupRows">>;

/** Default executions per group (ARCHIVE_GROUP_ROWS). */
export const DEFAULT_GROUP_ROWS = 20_000;
/** Files stored and read back at the same time. */
const STORAGE_CONCURRENCY = 4;

export interface ArchiveRunOptions {
  /** A dedicated connection (owner): the run holds a session lock on it and runs its transactions on it. */
  client: pg.ClientBase;
  /**
   * A second connection (owner, not in a transaction) that reads the groups' documents while the next group is
   * planned on `client` (default: `client` does both, one after the other). Only read-only statements run on it.
   */
  readClient?: pg.ClientBase;
  storage: Storage;
  settings: ArchiverSettings;
  /** Key prefix of the files (default "executions"). */
  keyPrefix?: string;
  /** Only this team (on-demand runs). */
  teamId?: string;
  /** Stop planning after this many new batches. */
  maxBatches?: number;
  /**
   * The time the retention cutoffs are taken at (default: the database's now() at each step); never in the future.
   * A retention pass runs every step as of one time, the time of its dry run (docs/lifecycle.md).
   */
  asOf?: Date;
  /** Test hook: crash at this point ('throw' an InjectedCrash, or 'kill' the process with SIGKILL). */
  crashAt?: CrashPoint | null;
  crashMode?: "throw" | "kill";
  /** Test hook: crash the n-th time crashAt is reached (default 1: the first), e.g. 2 = in the second group. */
  crashOnHit?: number;
  logger?: Pick<typeof rootLogger, "info" | "warn">;
}

export interface ArchiveRunReport {
  skipped: boolean;
  planned: number;
  uploaded: number;
  verified: number;
  deletedBatches: number;
  heldBatches: number;
  droppedPartitions: string[];
  /** Groups of new batches (each: one planning, one upload and one verify transaction). */
  groups: number;
  /** Milliseconds spent per step (store runs beside plan/read/encode of the next group: the sum exceeds the run). */
  timings: { plan: number; read: number; encode: number; store: number; mark: number; drop: number; delete: number };
  expired: number;
  objectsDeleted: number;
  rows: number;
  bytes: number;
  pgBytes: number;
}

const LOCK_SQL = "select pg_try_advisory_lock(hashtext('linkflow:archive_executions')) as ok";
const UNLOCK_SQL = "select pg_advisory_unlock(hashtext('linkflow:archive_executions'))";

interface BatchRow {
  id: string; team_id: string; day: string; key: string; state: string; row_count: number; sha256: string | null; encrypted: boolean;
}

/** A planned batch and its execution ids in row order. */
interface PlannedBatch { b: BatchRow; ids: string[] }
/** A planned batch with its rows of app_private.archive_batch_documents, in row order. */
interface ReadBatch extends PlannedBatch { rows: Record<string, any>[] }
/** A batch's file, built from its documents, with what the manifest records about it. */
interface BuiltBatch {
  b: BatchRow; ids: string[]; enc: EncodedBatch; pgBytes: number; transitions: number; nodeRuns: number; actors: string[];
}

/** Runs fn over items, at most `limit` at a time. */
async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => { while (next < items.length) await fn(items[next++]!); };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export async function tx<T>(client: pg.ClientBase, fn: () => Promise<T>): Promise<T> {
  await client.query("begin");
  try {
    const out = await fn();
    await client.query("commit");
    return out;
  } catch (e) {
    await client.query("rollback").catch(() => undefined);
    throw e;
  }
}

export async function runArchive(opts: ArchiveRunOptions): Promise<ArchiveRunReport> {
  const { client, storage, settings } = opts;
  const log = opts.logger ?? rootLogger;
  const report: ArchiveRunReport = {
    skipped: false, planned: 0, uploaded: 0, verified: 0, deletedBatches: 0, heldBatches: 0, droppedPartitions: [], groups: 0,
    timings: { plan: 0, read: 0, encode: 0, store: 0, mark: 0, drop: 0, delete: 0 },
    expired: 0, objectsDeleted: 0, rows: 0, bytes: 0, pgBytes: 0,
  };
  const timed = async <T>(step: keyof ArchiveRunReport["timings"], fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try { return await fn(); } finally { report.timings[step] += performance.now() - t0; }
  };
  let hits = 0;
  const crash = (point: CrashPoint) => {
    if (opts.crashAt !== point || ++hits < (opts.crashOnHit ?? 1)) return;
    if (opts.crashMode === "kill") process.kill(process.pid, "SIGKILL");
    throw new InjectedCrash(point);
  };
  const query = async <R extends pg.QueryResultRow = any>(c: pg.ClientBase, text: string, values?: unknown[]) => {
    try { return await c.query<R>(text, values); } catch (e) { throw mapDbError(e); }
  };
  const q = <R extends pg.QueryResultRow = any>(text: string, values?: unknown[]) => query<R>(client, text, values);
  const readDb = opts.readClient ?? client;

  const { rows: [lock] } = await q<{ ok: boolean }>(LOCK_SQL);
  if (!lock?.ok) return { ...report, skipped: true };
  try {
    report.objectsDeleted += await sweepDeletions(client, storage);

    // Every use of a connection goes through its queue, so pipelined steps never interleave on it; planning and
    // reading share the execution tables, a partition drop has them alone (tables.exclusive).
    const onPlan = serialQueue();
    const onRead = readDb === client ? onPlan : serialQueue();
    const tables = gate();
    // Storage work in flight (settled before the run returns, also after a failure).
    const storing = new Set<Promise<unknown>>();
    const track = <T>(p: Promise<T>): Promise<T> => {
      storing.add(p);
      p.then(() => storing.delete(p), () => storing.delete(p));
      return p;
    };
    const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

    const batch = async (id: string): Promise<BatchRow> =>
      (await q<BatchRow>("select id, team_id, day::text, key, state, row_count, sha256, encrypted from app_private.archive_batches where id = $1", [id])).rows[0]!;

    const batchIds = async (id: string): Promise<string[]> =>
      (await q<{ execution_id: string }>(
        "select execution_id from app_private.archived_executions where batch_id = $1 order by row_no", [id])).rows.map((r) => r.execution_id);

    /** The documents of planned batches (one query for all of them), each batch's rows in row order. */
    const read = (batches: PlannedBatch[]) => timed("read", async (): Promise<ReadBatch[]> => {
      // the JSON columns as PostgreSQL's text: the file stores them as is (no parse here, no serialization there)
      const { rows } = await query(readDb, ARCHIVE_DOCUMENTS_SQL, [batches.map((x) => x.b.id)]);
      const byBatch = new Map<string, Record<string, any>[]>();
      for (const r of rows) {
        let list = byBatch.get(r.batch_id);
        if (!list) byBatch.set(r.batch_id, list = []);
        list.push(r);
      }
      return batches.map(({ b, ids }) => {
        const got = (byBatch.get(b.id) ?? []).sort((x, y) => x.row_no - y.row_no);
        if (got.length !== ids.length || got.some((r, i) => r.id !== ids[i])) {
          throw new ArchiveIntegrityError(`batch ${b.key}: ${ids.length - got.length} planned executions are no longer hot`);
        }
        return { b, ids, rows: got };
      });
    });

    /** Builds one batch's file (Parquet, optionally sealed) and what the manifest records about it. */
    const encode = ({ b, ids, rows }: ReadBatch): BuiltBatch => {
      const t0 = performance.now();
      if (b.encrypted && !settings.encryptionKey) throw new LinkFlowError("CONFIG", `batch ${b.key} is planned encrypted and ARCHIVE_ENCRYPTION_KEY is not set`);
      const actors = new Set<string>();
      let pgBytes = 0;
      let transitions = 0;
      let nodeRuns = 0;
      for (const r of rows) {
        pgBytes += Number(r.pg_bytes);
        transitions += r.transition_count;
        nodeRuns += r.node_run_count;
        for (const a of r.actor_ids ?? []) actors.add(a);
      }
      const enc = encodeBatch(rows.map(encodableFromRow), b.key, b.encrypted ? settings.encryptionKey : null, {
        zstdLevel: settings.zstdLevel, rowGroupSize: settings.rowGroupSize, metadata: { "linkflow.batch_id": b.id, "linkflow.team_id": b.team_id },
      });
      report.timings.encode += performance.now() - t0;
      return { b, ids, enc, pgBytes, transitions, nodeRuns, actors: [...actors] };
    };

    /** Reads a stored file back: sha256 (and the GCM tag), Parquet row count and the ids in row order. */
    const readBack = async (b: BatchRow, sha: string, ids: string[]) => {
      const plain = await readVerified(storage, { key: b.key, sha256: sha, encrypted: b.encrypted }, settings.encryptionKey);
      const n = parquetRowCount(plain);
      if (n !== b.row_count) throw new ArchiveIntegrityError(`batch ${b.key}: file has ${n} rows, manifest ${b.row_count}`);
      const fileIds = await readParquetIds(plain);
      if (ids.length !== fileIds.length || ids.some((id, i) => fileIds[i] !== id)) {
        throw new ArchiveIntegrityError(`batch ${b.key}: file rows do not match the index`);
      }
      return n;
    };

    /** Stores one file (an idempotent put under its deterministic key). */
    const put = async (x: BuiltBatch): Promise<void> => {
      await storage.put(x.b.key, x.enc.body, { sha256: x.enc.sha256, contentType: x.b.encrypted ? "application/octet-stream" : "application/vnd.apache.parquet" });
    };

    /**
     * Encodes a group's files one at a time and streams each to storage as soon as it is built (at most
     * STORAGE_CONCURRENCY puts at a time), yielding between files so the database work queued meanwhile (the next
     * group's planning and reads) and the storage I/O go on. Then every file is read back.
     */
    const encodeAndStore = async (group: ReadBatch[]): Promise<BuiltBatch[]> => {
      const built: BuiltBatch[] = [];
      const puts: Promise<void>[] = [];
      const slots: Promise<void>[] = [];
      const t0 = performance.now();
      const encodeBefore = report.timings.encode;
      try {
        for (const rb of group) {
          await yieldToIo();
          const x = encode(rb);
          built.push(x);
          if (puts.length === 0) crash("before_upload");
          while (slots.length >= STORAGE_CONCURRENCY) await Promise.race(slots);
          const p = track(put(x));
          const slot = p.then(() => undefined, () => undefined).finally(() => { slots.splice(slots.indexOf(slot), 1); });
          slots.push(slot);
          puts.push(p);
        }
        await Promise.all(puts);
        crash("after_upload");
        await eachLimited(built, STORAGE_CONCURRENCY, async (x) => { await track(readBack(x.b, x.enc.sha256, x.ids)); });
        return built;
      } finally {
        report.timings.store += performance.now() - t0 - (report.timings.encode - encodeBefore);
      }
    };

    /** planned -> uploaded for stored files, in one transaction (one statement). */
    const markUploaded = async (built: BuiltBatch[]) => {
      await timed("mark", () => tx(client, () => q("select app_private.archive_mark_batches_uploaded($1::jsonb)", [JSON.stringify(built.map((x) => ({
        batch_id: x.b.id, bytes: x.enc.body.length, sha256: x.enc.sha256, pg_bytes: x.pgBytes, transition_count: x.transitions,
        node_run_count: x.nodeRuns, actor_ids: x.actors,
      })))])));
      for (const x of built) {
        report.uploaded++;
        report.bytes += x.enc.body.length;
        report.pgBytes += x.pgBytes;
        report.rows += x.ids.length;
      }
      crash("after_manifest");
    };

    /** uploaded -> verified for files read back, in one transaction (one statement). */
    const markVerified = async (done: { id: string; rows: number; sha256: string }[]) => {
      await timed("mark", () => tx(client, () => q("select app_private.archive_mark_batches_verified($1::jsonb)",
        [JSON.stringify(done.map((d) => ({ batch_id: d.id, row_count: d.rows, sha256: d.sha256 })))])));
      report.verified += done.length;
      crash("after_verify");
    };

    /** Drops the day partitions whose every row is archived (oldest first), at most 3 per transaction. */
    const dropEmptyPartitions = async (minHot: number) => {
      for (;;) {
        const step = await timed("drop", () => tx(client, async () => {
          const { rows } = await q<{ day: string; batches: number }>(
            "select day::text, batches from app_private.archive_drop_partitions(((now() at time zone 'UTC')::date - $1::int), 3)", [minHot]);
          if (rows.length) crash("during_partition_drop");
          return rows;
        }));
        for (const d of step) { report.droppedPartitions.push(d.day); report.deletedBatches += d.batches; }
        if (step.length < 3) break;
      }
    };

    /** One batch at a time, from whatever state a previous run left it in (resumption). */
    const advance = async (id: string) => {
      let b = await batch(id);
      if (b.state === "planned") {
        const built = await encodeAndStore(await read([{ b, ids: await batchIds(id) }]));
        await markUploaded(built);
        b = await batch(id);
      }
      if (b.state === "uploaded") {
        const n = await readBack(b, b.sha256!, await batchIds(id));
        await markVerified([{ id: b.id, rows: n, sha256: b.sha256! }]);
      }
    };

    // the shortest hot retention anywhere (overrides and retention policies) bounds the partitions worth a look
    const minHot = (await q<{ d: number }>(`select least($1::int, (select min(hot_days) from app_private.archive_retention),
      (select min(hot_days) from app_public.retention_policies)) as d`, [settings.hotDays])).rows[0]!.d;

    // 1. resume unfinished batches (a previous run crashed or failed)
    const pending = await q<{ id: string }>(
      "select id from app_private.archive_batches where state in ('planned', 'uploaded') and ($1::uuid is null or team_id = $1) order by planned_at, id",
      [opts.teamId ?? null]);
    for (const r of pending.rows) await advance(r.id);

    // 2. new batches in groups (up to groupRows executions, team by team and day by day): a group is planned by one
    //    statement in one transaction and its documents read by one query; while its files are encoded and
    //    stored, the next group is read (on readClient when given) and the one after it planned (the queues keep
    //    each connection's steps apart); then the group is marked uploaded (one transaction) and verified (one
    //    transaction), and the day partitions that became empty are dropped once no plan or read is running.
    const groupRows = settings.groupRows ?? DEFAULT_GROUP_ROWS;
    let newBatches = 0;
    const planGroup = () => timed("plan", () => tx(client, async (): Promise<PlannedBatch[]> => {
      const left = opts.maxBatches === undefined ? null : opts.maxBatches - newBatches;
      if (left !== null && left <= 0) return [];
      const { rows } = await q<{ batch_id: string; team_id: string; day: string; key: string; row_count: number; execution_ids: string[] }>(
        "select batch_id, team_id, day::text, key, row_count, execution_ids::text[] from app_private.archive_plan_batches($1, $2, $3, $4, $5, $6, $7, coalesce($8::timestamptz, now()))",
        [settings.batchSize, groupRows, settings.hotDays, opts.keyPrefix ?? "executions", settings.encryptionKey !== null, opts.teamId ?? null, left,
          opts.asOf?.toISOString() ?? null]);
      newBatches += rows.length;
      report.planned += rows.length;
      return rows.map((r) => ({
        b: { id: r.batch_id, team_id: r.team_id, day: r.day, key: r.key, state: "planned", row_count: r.row_count, sha256: null, encrypted: settings.encryptionKey !== null },
        ids: r.execution_ids,
      }));
    }));
    // Planning runs one group ahead of reading: group N+1 is planned while group N is read (on readClient), and
    // both while group N-1 is encoded and stored. After a failure nothing new is planned or read.
    let stopped = false;
    const planNext = (): Promise<PlannedBatch[]> => onPlan(() => (stopped ? Promise.resolve([]) : tables.shared(planGroup)));
    const readPlanned = (planned: Promise<PlannedBatch[]>): Promise<ReadBatch[] | null> =>
      planned.then((list) => (list.length && !stopped ? onRead(() => tables.shared(() => read(list))) : null));
    const planAfter = (planned: Promise<PlannedBatch[]>): Promise<PlannedBatch[]> =>
      planned.then((list) => (list.length ? planNext() : []));
    // awaited on a later turn; a failure must not surface as an unhandled rejection first
    const later = <T>(p: Promise<T>): Promise<T> => { p.catch(() => undefined); return p; };
    const first = later(planNext());
    let next = later(readPlanned(first));
    let ahead = later(planAfter(first));
    // the drop after a group runs while the next group is encoded (it is awaited before that group is marked)
    let dropping: Promise<void> = Promise.resolve();
    try {
      for (;;) {
        const group = await next;
        if (!group) break;
        next = later(readPlanned(ahead));
        ahead = later(planAfter(ahead));
        const built = await encodeAndStore(group);
        await dropping;
        await onPlan(async () => {
          await markUploaded(built);
          await markVerified(built.map((x) => ({ id: x.b.id, rows: x.ids.length, sha256: x.enc.sha256 })));
          report.groups++;
        });
        dropping = later(onPlan(() => tables.exclusive(() => dropEmptyPartitions(minHot))));
      }
      await dropping;
    } finally {
      // a failure anywhere: let queued database steps and storage work settle (their batches stay planned and
      // are resumed by the next run); the connections are free again before the run returns
      stopped = true;
      await Promise.allSettled([next, ahead, dropping]);
      await onPlan.idle();
      await onRead.idle();
      await Promise.allSettled([...storing]);
    }

    // 3. remove the remaining hot rows: whole day partitions where possible (oldest first), rows otherwise,
    //    up to groupRows executions per transaction (one statement)
    await dropEmptyPartitions(minHot);
    const verified = await q<{ id: string; row_count: number }>(
      "select id, row_count from app_private.archive_batches where state = 'verified' and ($1::uuid is null or team_id = $1) order by day, id", [opts.teamId ?? null]);
    for (let i = 0; i < verified.rows.length;) {
      const chunk: string[] = [];
      for (let rows = 0; i < verified.rows.length && (chunk.length === 0 || rows + verified.rows[i]!.row_count <= groupRows); i++) {
        chunk.push(verified.rows[i]!.id);
        rows += verified.rows[i]!.row_count;
      }
      const results = await timed("delete", () => tx(client, async () => {
        const { rows } = await q<{ deleted: boolean }>("select deleted from app_private.archive_delete_batches($1::uuid[])", [chunk]);
        crash("during_delete");
        return rows;
      }));
      for (const d of results) { if (d.deleted) report.deletedBatches++; else report.heldBatches++; }
    }

    // 4. cold retention: expire old batches (entries kept), delete their files
    const expired = await tx(client, () => q("select batch_id from app_private.archive_expire_batches($1, 1000, coalesce($2::timestamptz, now()))", [settings.coldDays, opts.asOf?.toISOString() ?? null]));
    report.expired = expired.rowCount ?? 0;
    report.objectsDeleted += await sweepDeletions(client, storage);
    log.info({ report }, "archive run finished");
    return report;
  } finally {
    await client.query(UNLOCK_SQL).catch(() => undefined);
  }
}

/** Deletes queued objects (expired, restored, erased, superseded), never one a live batch still points at. */
export async function sweepDeletions(client: pg.ClientBase, storage: Storage): Promise<number> {
  const { rows } = await client.query<{ key: string }>(`
    select d.key from app_private.archive_object_deletions d
     where not exists (select 1 from app_private.archive_batches b where b.key = d.key and b.state in ('planned', 'uploaded', 'verified', 'deleted'))
     order by d.enqueued_at limit 10000`);
  for (const r of rows) {
    await storage.delete(r.key);
    await client.query("delete from app_private.archive_object_deletions where key = $1", [r.key]);
  }
  return rows.length;
}

/**
 * Runs the archiver on connections taken from the pool (released afterwards): one, and a second for the reads when
 * the pool has one to spare right now (an idle connection, or room below its max), so a caller that holds
 * connections of a small pool never waits on itself.
 */
export async function runArchiveWithPool(pool: pg.Pool, opts: Omit<ArchiveRunOptions, "client" | "readClient">): Promise<ArchiveRunReport> {
  const client = await pool.connect();
  let readClient: pg.PoolClient | undefined;
  try {
    const max = (pool.options as { max?: number }).max ?? 10;
    if (pool.idleCount > 0 || pool.totalCount < max) readClient = await pool.connect();
    return await runArchive({ ...opts, client, readClient });
  } finally {
    readClient?.release();
    client.release();
  }
}
