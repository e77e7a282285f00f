// The archiver: moves terminal executions older than the hot retention into batch files, one crash-safe step
// at a time. Each batch is a manifest row (app_private.archive_batches) moving
//   planned  -> (write file, put)            -> uploaded
//   uploaded -> (get, sha256, row count, ids) -> verified
//   verified -> (delete rows | drop partition) -> deleted
// Every arrow is one transaction after an idempotent storage action (deterministic keys: a re-run overwrites
// the same object), so a crash anywhere leaves a state the next run resumes: nothing lost, nothing twice.
// Runs hold a session advisory lock: one archiver at a time per database.
import type pg from "pg";
import { LinkFlowError } from "../errors.ts";
import { mapDbError } from "../db/errors.ts";
import { logger as rootLogger } from "../logger.ts";
import type { Storage } from "../storage/storage.ts";
import type { ArchiveConfig } from "./config.ts";
import { encodeBatch, readVerified } from "./files.ts";
import { ArchiveIntegrityError, documentFromRow, parquetRowCount, readParquet } from "./format.ts";

export const CRASH_POINTS = ["before_upload", "after_upload", "after_manifest", "after_verify", "during_delete", "during_partition_drop"] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

/** Thrown by the crash hook (tests): stands for a process dying at that point. */
export class InjectedCrash extends Error {
  readonly point: CrashPoint;
  constructor(point: CrashPoint) { super(`injected crash at ${point}`); this.name = "InjectedCrash"; this.point = point; }
}

export type ArchiverSettings = Pick<ArchiveConfig, "hotDays" | "coldDays" | "batchSize" | "rowGroupSize" | "zstdLevel" | "encryptionKey">;

export interface ArchiveRunOptions {
  /** A dedicated connection (owner): the run holds a session lock on it and runs its transactions on it. */
  client: pg.ClientBase;
  storage: Storage;
  settings: ArchiverSettings;
  /** Key prefix of the files (default "executions"). */
  keyPrefix?: string;
  /** Only this team (on-demand runs). */
  teamId?: string;
  /** Stop planning after this many new batches. */
  maxBatches?: number;
  /** Test hook: crash at this point ('throw' an InjectedCrash, or 'kill' the process with SIGKILL). */
  crashAt?: CrashPoint | null;
  crashMode?: "throw" | "kill";
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
    skipped: false, planned: 0, uploaded: 0, verified: 0, deletedBatches: 0, heldBatches: 0, droppedPartitions: [],
    expired: 0, objectsDeleted: 0, rows: 0, bytes: 0, pgBytes: 0,
  };
  const crash = (point: CrashPoint) => {
    if (opts.crashAt !== point) return;
    if (opts.crashMode === "kill") process.kill(process.pid, "SIGKILL");
    throw new InjectedCrash(point);
  };
  const q = async <R extends pg.QueryResultRow = any>(text: string, values?: unknown[]) => {
    try { return await client.query<R>(text, values); } catch (e) { throw mapDbError(e); }
  };

  const { rows: [lock] } = await q<{ ok: boolean }>(LOCK_SQL);
  if (!lock?.ok) return { ...report, skipped: true };
  try {
    report.objectsDeleted += await sweepDeletions(client, storage);

    const batch = async (id: string): Promise<BatchRow> =>
      (await q<BatchRow>("select id, team_id, day::text, key, state, row_count, sha256, encrypted from app_private.archive_batches where id = $1", [id])).rows[0]!;

    const upload = async (b: BatchRow) => {
      const ids = (await q<{ execution_id: string }>(
        "select execution_id from app_private.archived_executions where batch_id = $1 order by row_no", [b.id])).rows.map((r) => r.execution_id);
      const { rows } = await q("select * from app_private.execution_documents($1::uuid[])", [ids]);
      const byId = new Map(rows.map((r) => [r.id as string, r]));
      const ordered = ids.map((id) => byId.get(id));
      if (ordered.some((r) => !r)) {
        throw new ArchiveIntegrityError(`batch ${b.key}: ${ordered.filter((r) => !r).length} planned executions are no longer hot`);
      }
      const docs = ordered.map((r) => documentFromRow(r!));
      const pgBytes = ordered.reduce((s, r) => s + Number(r!.pg_bytes), 0);
      const actors = new Set<string>();
      let transitions = 0;
      let nodeRuns = 0;
      for (const d of docs) {
        transitions += d.transitions.length;
        nodeRuns += d.node_runs.length;
        for (const t of d.transitions) if (t.actor_id) actors.add(t.actor_id);
      }
      if (b.encrypted && !settings.encryptionKey) throw new LinkFlowError("CONFIG", `batch ${b.key} is planned encrypted and ARCHIVE_ENCRYPTION_KEY is not set`);
      const enc = encodeBatch(docs, b.key, b.encrypted ? settings.encryptionKey : null, {
        zstdLevel: settings.zstdLevel, rowGroupSize: settings.rowGroupSize, metadata: { "linkflow.batch_id": b.id, "linkflow.team_id": b.team_id },
      });
      crash("before_upload");
      await storage.put(b.key, enc.body, { sha256: enc.sha256, contentType: b.encrypted ? "application/octet-stream" : "application/vnd.apache.parquet" });
      crash("after_upload");
      await tx(client, () => q("select app_private.archive_mark_uploaded($1, $2, $3, $4, $5, $6, $7::uuid[])",
        [b.id, enc.body.length, enc.sha256, pgBytes, transitions, nodeRuns, [...actors]]));
      report.uploaded++;
      report.bytes += enc.body.length;
      report.pgBytes += pgBytes;
      report.rows += docs.length;
      crash("after_manifest");
    };

    const verify = async (b: BatchRow) => {
      const plain = await readVerified(storage, { key: b.key, sha256: b.sha256!, encrypted: b.encrypted }, settings.encryptionKey);
      const n = parquetRowCount(plain);
      if (n !== b.row_count) throw new ArchiveIntegrityError(`batch ${b.key}: file has ${n} rows, manifest ${b.row_count}`);
      const docs = await readParquet(plain);
      const ids = (await q<{ execution_id: string }>(
        "select execution_id from app_private.archived_executions where batch_id = $1 order by row_no", [b.id])).rows.map((r) => r.execution_id);
      if (ids.length !== docs.length || ids.some((id, i) => docs[i]!.id !== id)) {
        throw new ArchiveIntegrityError(`batch ${b.key}: file rows do not match the index`);
      }
      await tx(client, () => q("select app_private.archive_mark_verified($1, $2, $3)", [b.id, n, b.sha256]));
      report.verified++;
      crash("after_verify");
    };

    const advance = async (id: string) => {
      let b = await batch(id);
      if (b.state === "planned") { await upload(b); b = await batch(id); }
      if (b.state === "uploaded") await verify(b);
    };

    // 1. resume unfinished batches (a previous run crashed or failed)
    const pending = await q<{ id: string }>(
      "select id from app_private.archive_batches where state in ('planned', 'uploaded') and ($1::uuid is null or team_id = $1) order by planned_at, id",
      [opts.teamId ?? null]);
    for (const r of pending.rows) await advance(r.id);

    // 2. plan new batches, team by team and day by day
    const cands = await q<{ team_id: string; day: string }>(
      "select team_id, day::text from app_private.archive_candidates($1) where $2::uuid is null or team_id = $2", [settings.hotDays, opts.teamId ?? null]);
    let newBatches = 0;
    outer: for (const c of cands.rows) {
      for (;;) {
        if (opts.maxBatches !== undefined && newBatches >= opts.maxBatches) break outer;
        const { rows: [p] } = await tx(client, () => q<{ id: string | null }>(
          "select app_private.archive_plan_batch($1, $2::date, $3, $4, $5, $6) as id",
          [c.team_id, c.day, settings.batchSize, settings.hotDays, opts.keyPrefix ?? "executions", settings.encryptionKey !== null]));
        if (!p?.id) break;
        report.planned++;
        newBatches++;
        await advance(p.id);
      }
    }

    // 3. remove hot rows: whole day partitions where possible (oldest first), rows otherwise
    const minHot = (await q<{ d: number }>("select least($1::int, coalesce(min(hot_days), $1)) as d from app_private.archive_retention", [settings.hotDays])).rows[0]!.d;
    const dropped: { day: string; batches: number }[] = [];
    for (;;) {
      const step = await tx(client, async () => {
        const { rows } = await q<{ day: string; batches: number }>(
          "select day::text, batches from app_private.archive_drop_partitions(((now() at time zone 'UTC')::date - $1::int), 3)", [minHot]);
        if (rows.length) crash("during_partition_drop");
        return rows;
      });
      dropped.push(...step);
      if (step.length < 3) break;
    }
    for (const d of dropped) { report.droppedPartitions.push(d.day); report.deletedBatches += d.batches; }
    const verified = await q<{ id: string }>(
      "select id from app_private.archive_batches where state = 'verified' and ($1::uuid is null or team_id = $1) order by day, id", [opts.teamId ?? null]);
    for (const r of verified.rows) {
      const ok = await tx(client, async () => {
        const { rows: [d] } = await q<{ ok: boolean }>("select app_private.archive_delete_batch($1) as ok", [r.id]);
        crash("during_delete");
        return d!.ok;
      });
      if (ok) report.deletedBatches++; else report.heldBatches++;
    }

    // 4. cold retention: expire old batches (entries kept), delete their files
    const expired = await tx(client, () => q("select batch_id from app_private.archive_expire_batches($1)", [settings.coldDays]));
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

/** Runs the archiver on a connection taken from the pool (released afterwards). */
export async function runArchiveWithPool(pool: pg.Pool, opts: Omit<ArchiveRunOptions, "client">): Promise<ArchiveRunReport> {
  const client = await pool.connect();
  try {
    return await runArchive({ ...opts, client });
  } finally {
    client.release();
  }
}
