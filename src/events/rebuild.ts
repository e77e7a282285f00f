// Blue/green rebuild: replay every event into the projection's shadow tables while the live runner keeps the
// exposed tables current; when the shadow has caught up, one transaction (holding the projection's batch lock,
// so no live batch runs) applies the last events, swaps shadow and live tables and moves the checkpoint.
// Queries see the old model or the complete new one, never a half-built one.
import pg from "pg";
import { ConflictError } from "../errors.ts";
import { logger } from "../logger.ts";
import { LOCK_NS, runBatch } from "./batch.ts";
import { type Projection, type ProjectionContext, shadowTable } from "./projection.ts";
import type { Upcasters } from "./upcasters.ts";
import { guardClient } from "../db/pool.ts";

export interface RebuildOptions {
  /** Either a connection string (a dedicated connection is opened) or a client to use (left open). */
  connectionString?: string;
  client?: pg.ClientBase;
  projection: Projection;
  batchSize?: number;
  upcasters?: Upcasters;
  /** Called after each shadow batch (progress, tests). */
  onBatch?: (eventsSoFar: number) => Promise<void> | void;
}

export interface RebuildResult { projection: string; events: number; batches: number; seconds: number }

export async function rebuildProjection(o: RebuildOptions): Promise<RebuildResult> {
  const started = Date.now();
  const name = o.projection.name;
  const batchSize = o.batchSize ?? 20_000;
  const own = o.client ? null : new pg.Client({ connectionString: o.connectionString, application_name: `linkflow:projection-rebuild:${name}` });
  if (own) guardClient(own, "projection-rebuild");
  const client: pg.ClientBase = o.client ?? own!;
  await own?.connect();
  try {
    const { rows } = await client.query<{ ok: boolean }>("select pg_try_advisory_lock($1, hashtext($2)) as ok", [LOCK_NS.rebuild, name]);
    if (!rows[0]!.ok) throw new ConflictError(`a rebuild of ${name} is already running`, { sqlState: "LFPRJ" });
    const ctx: ProjectionContext = { client, mode: "rebuild", table: shadowTable };
    const batch = { projection: o.projection, ctx, checkpointTable: "app_private.projection_rebuilds" as const, batchSize, upcasters: o.upcasters };

    const tables = [...o.projection.tables];
    // The replay maintains only the shadow's primary and unique keys; its plain indexes are built once, from
    // the live table's definitions, after the replay (an interrupted rebuild leaves them to the next one).
    const shadowIndexes = async (build: boolean) => {
      if (tables.length) await client.query("select app_private.projection_shadow_indexes($1::text[], $2)", [tables, build]);
    };
    await client.query("begin");
    await o.projection.reset(ctx);
    await shadowIndexes(false);
    await client.query(
      `insert into app_private.projection_rebuilds (name) values ($1)
       on conflict (name) do update set transaction_id = '0', global_position = 0, events_processed = 0, last_event_at = null, started_at = now(), updated_at = now()`, [name]);
    await client.query("insert into app_private.projection_checkpoints (name) values ($1) on conflict (name) do nothing", [name]);
    await client.query("commit");

    let events = 0;
    let batches = 0;
    // Catch up without blocking the live runner. Terminates: each pass reads a bounded batch, and a short
    // batch means the shadow reached the visible end of the log.
    for (;;) {
      const n = await runBatch(client, { ...batch, batchLock: false });
      events += n; batches++;
      await o.onBatch?.(events);
      if (n < batchSize) break;
    }
    // Index the shadow before taking the batch lock, so live batches are not held up by the index builds.
    await shadowIndexes(true);
    // Final: block live batches, apply what arrived meanwhile, swap, hand the checkpoint over; the swap commits
    // in the step that found nothing left to apply.
    await client.query("begin");
    await client.query("select pg_advisory_xact_lock($1, hashtext($2))", [LOCK_NS.batch, name]);
    // Bound the tail: transactions younger than this one are left to the live runner after the swap (the
    // checkpoint is before them), so this loop ends even while writers keep appending.
    const { rows: [me] } = await client.query<{ x: string }>("select pg_current_xact_id()::text as x");
    for (;;) {
      const n = await runBatch(client, { ...batch, batchLock: false, inTransaction: true, beforeTransactionId: BigInt(me!.x) });
      events += n; batches++;
      if (n === 0) break;
    }
    await shadowIndexes(true); // a no-op unless an index was added to the live table meanwhile
    await client.query("select app_private.projection_swap($1::text[])", [o.projection.tables]);
    await client.query(
      `update app_private.projection_checkpoints c
          set transaction_id = r.transaction_id, global_position = r.global_position, events_processed = r.events_processed,
              last_event_at = r.last_event_at, rebuilt_at = now(), updated_at = now()
         from app_private.projection_rebuilds r where r.name = c.name and c.name = $1`, [name]);
    await client.query("delete from app_private.projection_rebuilds where name = $1", [name]);
    await client.query("commit");
    // The retired tables are now the shadow: empty them so they do not hold stale data (nobody reads them).
    await o.projection.reset(ctx).catch((e: unknown) => logger.warn({ projection: name, err: (e as Error).message }, "could not empty the retired tables"));
    const result = { projection: name, events, batches, seconds: (Date.now() - started) / 1000 };
    logger.info(result, "projection rebuilt and swapped");
    return result;
  } catch (e) {
    await client.query("rollback").catch(() => {});
    throw e;
  } finally {
    await client.query("select pg_advisory_unlock_all()").catch(() => {});
    await own?.end().catch(() => {});
  }
}
