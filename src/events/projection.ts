// Projections: the interface, a helper for set-based SQL projections, and the platform's read models.
import type pg from "pg";
import type { Checkpoint, StoredEvent } from "./types.ts";

/** The identity and order of one event in a batch (always present). */
export interface EventRef {
  transactionId: bigint;
  globalPosition: bigint;
  eventId: string;
  streamId: string;
  type: string;
  createdAt: Date;
}

export interface ProjectionBatch {
  /** The range (from, to] in (transaction_id, global_position) order. */
  from: Checkpoint;
  to: Checkpoint;
  /** The number of events in the range. */
  count: number;
  /** The events' identities, unless the projection sets needsRefs: false (then empty). */
  refs: EventRef[];
  /** Full events, only when the projection sets needsEvents. */
  events: StoredEvent[];
}

export interface ProjectionContext {
  /** The batch's transaction: write the read model and nothing else through it. */
  client: pg.ClientBase;
  /** "live": the exposed tables; "rebuild": their shadows. */
  mode: "live" | "rebuild";
  /** The physical, schema-qualified table for a read-model table name. */
  table(name: string): string;
}

export interface Projection {
  /** Unique, snake_case: the checkpoint, lock and dead-letter key. */
  readonly name: string;
  /** The read-model tables it writes (names in app_public, each with an app_private.<name>__shadow twin). */
  readonly tables: readonly string[];
  /** Load full event rows into batch.events (default false: SQL projections read their range themselves). */
  readonly needsEvents?: boolean;
  /** Set false when handle() reads its range itself (SQL projections): the batch then ships no rows to Node. */
  readonly needsRefs?: boolean;
  /** Applies a batch. Runs inside the batch transaction; the checkpoint moves in the same commit. Must ignore unknown event types. */
  handle(batch: ProjectionBatch, ctx: ProjectionContext): Promise<void>;
  /** Empties the tables given by ctx.table (before a rebuild). */
  reset(ctx: ProjectionContext): Promise<void>;
}

export const liveTable = (name: string) => `app_public.${name}`;
export const shadowTable = (name: string) => `app_private.${name}__shadow`;

/** Truncates every table of the projection in the context (the default reset). */
export async function truncateTables(projection: Projection, ctx: ProjectionContext): Promise<void> {
  if (projection.tables.length === 0) return;
  await ctx.client.query(`truncate ${projection.tables.map((t) => ctx.table(t)).join(", ")}`);
}

/** A projection whose handler is an SQL function f(target regclass, from_tx, from_pos, to_tx, to_pos). */
export function sqlProjection(name: string, table: string, fn: string): Projection {
  const p: Projection = {
    name,
    tables: [table],
    needsRefs: false,
    async handle(batch, ctx) {
      await ctx.client.query(`select ${fn}($1::regclass, $2::xid8, $3, $4::xid8, $5)`, [
        ctx.table(table), batch.from.transactionId.toString(), batch.from.globalPosition.toString(),
        batch.to.transactionId.toString(), batch.to.globalPosition.toString(),
      ]);
    },
    reset: (ctx) => truncateTables(p, ctx),
  };
  return p;
}

/** The platform's read models (docs/events.md). */
export function readModelProjections(): Projection[] {
  return [
    sqlProjection("workflow_list", "workflow_list", "app_private.project_workflow_list"),
    sqlProjection("execution_daily_stats", "workflow_execution_daily_stats", "app_private.project_execution_daily_stats"),
    sqlProjection("team_activity", "team_activity", "app_private.project_team_activity"),
  ];
}
