// One projection batch: read the next events after a checkpoint, apply them, move the checkpoint, commit.
// A failing batch is retried event by event (savepoint each); an event that still fails is dead-lettered and
// skipped, so one poison event never stops a projection. Shared by the live runner and the rebuild.
import type pg from "pg";
import { logger } from "../logger.ts";
import type { EventRef, Projection, ProjectionBatch, ProjectionContext } from "./projection.ts";
import { type Checkpoint, type EventRow, type StoredEvent, toStoredEvent } from "./types.ts";
import type { Upcasters } from "./upcasters.ts";

export const LOCK_NS = { runner: 41_001, batch: 41_002, rebuild: 41_003 } as const;

/** Errors that mean "try again later", never "this event is poison". */
const TRANSIENT = /^(40001|40P01|55P03|57014|57P0[1-3]|53\d\d\d|08\d\d\d|XX000)$/;

export type CheckpointTable = "app_private.projection_checkpoints" | "app_private.projection_rebuilds";

export interface BatchOptions {
  projection: Projection;
  ctx: ProjectionContext;
  checkpointTable: CheckpointTable;
  batchSize: number;
  upcasters?: Upcasters;
  /** Take the projection's batch lock (live runner and swap). */
  batchLock: boolean;
  /** Run inside the caller's open transaction (savepoints instead of begin/commit). */
  inTransaction?: boolean;
  /** Only events of transactions older than this xid (bounds the rebuild's final catch-up). */
  beforeTransactionId?: bigint;
}

export async function readCheckpoint(client: pg.ClientBase, table: CheckpointTable, name: string): Promise<Checkpoint> {
  const { rows } = await client.query<{ tx: string; pos: string }>(
    `select transaction_id::text as tx, global_position::text as pos from ${table} where name = $1`, [name]);
  if (!rows[0]) return { transactionId: 0n, globalPosition: 0n };
  return { transactionId: BigInt(rows[0].tx), globalPosition: BigInt(rows[0].pos) };
}

interface RefRow { tx: string; pos: string; event_id: string; stream_id: string; type: string; created_at: Date }

/** What a batch read returns: the range's end, size and newest event time, plus refs/events when asked for. */
interface BatchRead { count: number; last: Checkpoint | null; lastAt: Date | null; refs: EventRef[]; events: StoredEvent[] }

const RANGE = `from app_public.events e
      where (e.transaction_id, e.global_position) > ($1::xid8, $2::bigint)
        and e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        and ($4::xid8 is null or e.transaction_id < $4::xid8)
      order by e.transaction_id, e.global_position limit $3`;

/**
 * Reads the next batch after a checkpoint. "summary" (set-based SQL projections read their range themselves)
 * returns one row: the batch's size, last (transaction_id, global_position) and newest created_at, so a
 * 5,000-event batch costs one index range scan and no rows shipped to Node. "refs" and "events" return rows.
 */
async function readBatch(client: pg.ClientBase, after: Checkpoint, limit: number, shape: "summary" | "refs" | "events", upcasters?: Upcasters, before?: bigint): Promise<BatchRead> {
  const args = [after.transactionId.toString(), after.globalPosition.toString(), limit, before?.toString() ?? null];
  if (shape === "summary") {
    const { rows: [r] } = await client.query<{ n: number; tx: string | null; pos: string | null; last_at: Date | null }>(
      `with b as materialized (select e.transaction_id, e.global_position, e.created_at ${RANGE})
       select (select count(*)::int from b) as n, (select max(created_at) from b) as last_at, l.transaction_id::text as tx, l.global_position::text as pos
         from (select 1) one left join lateral (select * from b order by transaction_id desc, global_position desc limit 1) l on true`, args);
    const last = r!.tx === null ? null : { transactionId: BigInt(r!.tx), globalPosition: BigInt(r!.pos!) };
    return { count: r!.n, last, lastAt: r!.last_at, refs: [], events: [] };
  }
  const cols = shape === "events"
    ? "e.*, e.transaction_id::text as tx, e.global_position::text as pos"
    : "e.transaction_id::text as tx, e.global_position::text as pos, e.event_id, e.stream_id, e.type, e.created_at";
  const { rows } = await client.query<RefRow & EventRow>(`select ${cols} ${RANGE}`, args);
  const refs = rows.map((r) => ({ transactionId: BigInt(r.tx), globalPosition: BigInt(r.pos), eventId: r.event_id, streamId: r.stream_id, type: r.type, createdAt: r.created_at }));
  const events = shape === "events" ? rows.map((r) => { const e = toStoredEvent({ ...r, transaction_id: r.tx, global_position: r.pos }); return upcasters ? upcasters.upcast(e) : e; }) : [];
  const lastRef = refs[refs.length - 1];
  const lastAt = refs.length ? refs.reduce((m, r) => (r.createdAt > m ? r.createdAt : m), refs[0]!.createdAt) : null;
  return { count: refs.length, last: lastRef ? cp(lastRef) : null, lastAt, refs, events };
}

const cp = (r: EventRef): Checkpoint => ({ transactionId: r.transactionId, globalPosition: r.globalPosition });

/**
 * Runs one batch in its own transaction on `client`. Returns the number of events consumed (applied or
 * dead-lettered); 0 when caught up.
 */
export async function runBatch(client: pg.ClientBase, o: BatchOptions): Promise<number> {
  const { projection, checkpointTable } = o;
  const name = projection.name;
  let read: BatchRead = { count: 0, last: null, lastAt: null, refs: [], events: [] };
  let from: Checkpoint = { transactionId: 0n, globalPosition: 0n };
  const tx = o.inTransaction
    ? { begin: "savepoint lf_batch", commit: "release savepoint lf_batch", rollback: "rollback to savepoint lf_batch" }
    : { begin: "begin", commit: "commit", rollback: "rollback" };
  const wholeShape = projection.needsEvents ? "events" : projection.needsRefs === false ? "summary" : "refs";
  const begin = async (shape: "summary" | "refs" | "events") => {
    await client.query(tx.begin);
    if (o.batchLock) await client.query("select pg_advisory_xact_lock($1, hashtext($2))", [LOCK_NS.batch, name]);
    // read before writing anything: this transaction has no xid yet, so it does not hold the horizon back
    from = await readCheckpoint(client, checkpointTable, name);
    read = await readBatch(client, from, o.batchSize, shape, o.upcasters, o.beforeTransactionId);
  };
  const finish = async () => {
    const last = read.last!;
    const res = await client.query(
      `update ${checkpointTable} set transaction_id = $2::xid8, global_position = $3, events_processed = events_processed + $4,
              last_event_at = greatest(last_event_at, $5), updated_at = now()
        where name = $1 and transaction_id = $6::xid8 and global_position = $7`,
      [name, last.transactionId.toString(), last.globalPosition.toString(), read.count, read.lastAt, from.transactionId.toString(), from.globalPosition.toString()]);
    if (res.rowCount !== 1) throw new Error(`projection ${name}: checkpoint moved underneath (another runner?)`);
    await client.query(tx.commit);
  };

  await begin(wholeShape);
  if (read.count === 0) {
    await client.query(tx.commit);
    return 0;
  }
  const whole: ProjectionBatch = { from, to: read.last!, count: read.count, refs: read.refs, events: read.events };
  try {
    await projection.handle(whole, o.ctx);
  } catch (e) {
    await client.query(tx.rollback);
    if (isTransient(e)) throw e;
    logger.warn({ projection: name, err: errInfo(e) }, "projection batch failed; retrying event by event");
    return runOneByOne(client, o, tx, () => begin(projection.needsEvents ? "events" : "refs"), finish, () => ({ from, refs: read.refs, events: read.events }));
  }
  await finish();
  return read.count;
}

async function runOneByOne(
  client: pg.ClientBase, o: BatchOptions, tx: { commit: string; rollback: string }, begin: () => Promise<void>, finish: () => Promise<void>,
  state: () => { from: Checkpoint; refs: EventRef[]; events: StoredEvent[] },
): Promise<number> {
  await begin();
  const { from, refs, events } = state();
  if (refs.length === 0) { await client.query(tx.commit); return 0; }
  try {
    let prev = from;
    for (let i = 0; i < refs.length; i++) {
      const ref = refs[i]!;
      const single: ProjectionBatch = { from: prev, to: cp(ref), count: 1, refs: [ref], events: events[i] ? [events[i]!] : [] };
      await client.query("savepoint lf_event");
      try {
        await o.projection.handle(single, o.ctx);
        await client.query("release savepoint lf_event");
      } catch (e) {
        if (isTransient(e)) throw e;
        await client.query("rollback to savepoint lf_event");
        await client.query(
          `insert into app_private.projection_dead_letters (projection, global_position, transaction_id, event_id, stream_id, type, error, sqlstate)
           values ($1, $2, $3::xid8, $4, $5, $6, $7, $8)
           on conflict (projection, global_position) do update set attempts = projection_dead_letters.attempts + 1,
             error = excluded.error, sqlstate = excluded.sqlstate, last_failed_at = now()`,
          [o.projection.name, ref.globalPosition.toString(), ref.transactionId.toString(), ref.eventId, ref.streamId, ref.type,
            String((e as Error).message ?? e).slice(0, 4000), (e as { code?: string }).code ?? null]);
        logger.error({ projection: o.projection.name, globalPosition: ref.globalPosition.toString(), type: ref.type, err: errInfo(e) }, "poison event dead-lettered");
      }
      prev = cp(ref);
    }
    await finish();
    return refs.length;
  } catch (e) {
    await client.query(tx.rollback).catch(() => {});
    throw e;
  }
}

function isTransient(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  if (!code) return typeof (e as Error).message === "string" && /Connection terminated|ECONNRESET|not queryable|Client was closed/i.test((e as Error).message);
  return TRANSIENT.test(code);
}

function errInfo(e: unknown) {
  return { message: (e as Error).message, code: (e as { code?: string }).code };
}
