// What the lifecycle tasks run (owner pool): bulk-action batches, node-output trimming, the usage fold, and a
// retention pass (trim, then the archiver, whose planning and cold expiry ask the same SQL policies).
import type pg from "pg";
import { mapDbError } from "../db/errors.ts";
import { runArchiveWithPool, type ArchiveRunReport, type ArchiverSettings } from "../archive/index.ts";
import type { Storage } from "../storage/storage.ts";
import { numbers } from "./rows.ts";
import type { BulkAction } from "./types.ts";

async function q<R extends pg.QueryResultRow = any>(pool: pg.Pool | pg.ClientBase, text: string, values: unknown[] = []): Promise<R[]> {
  try { return (await pool.query<R>(text, values)).rows; } catch (e) { throw mapDbError(e); }
}

export interface BulkRunOptions {
  /** Called after each committed batch (progress, tests). */
  onStep?: (a: BulkAction) => void | Promise<void>;
  /** Stop after this many batches (the action stays running; a later run continues). */
  maxSteps?: number;
}

/**
 * Runs a bulk action to its end, one batch per transaction (app_private.bulk_action_step): the keyset
 * position advances with each batch's moves, so a run killed at any point is resumed by the next run from
 * the last committed batch, and no execution is acted on twice. Concurrent runs of one action serialise on
 * its row.
 */
export async function runBulkAction(pool: pg.Pool | pg.ClientBase, ref: { teamId: string; id: string }, opts: BulkRunOptions = {}): Promise<BulkAction> {
  for (let step = 0; ; step++) {
    const [row] = await q(pool, "select * from app_private.bulk_action_step($1, $2)", [ref.teamId, ref.id]);
    const a = numbers<BulkAction>(row!);
    if (a.status !== "running" && a.status !== "pending") return a;
    await opts.onStep?.(a);
    if (opts.maxSteps !== undefined && step + 1 >= opts.maxSteps) return a;
  }
}

export interface TrimReport { nodeRuns: number; bytesFreed: number }

/**
 * Trims or drops the node-run outputs due under the policies, maxRows per transaction, oldest first, until none is
 * left. Each call starts where the previous one stopped (the keyset position it returns), so a call reads about its
 * batch, not the history before it. asOf (default: now, per call) is the time the policies' cutoffs are taken at;
 * never in the future (LFVAL).
 */
export async function runTrim(pool: pg.Pool | pg.ClientBase, opts: { defaultHotDays: number; maxRows?: number; teamId?: string; asOf?: Date }): Promise<TrimReport> {
  const report: TrimReport = { nodeRuns: 0, bytesFreed: 0 };
  const maxRows = opts.maxRows ?? 5000;
  let after: { createdAt: string; executionId: string } | null = null;
  for (;;) {
    const rows: { node_runs: number; bytes_freed: string; last_created_at: string; last_execution_id: string }[] = await q(pool,
      `select node_runs, bytes_freed, last_created_at::text, last_execution_id
         from app_private.lifecycle_trim_node_outputs($1, $2, $3, coalesce($4::timestamptz, now()), $5::timestamptz, $6::uuid)`,
      [opts.defaultHotDays, maxRows, opts.teamId ?? null, opts.asOf?.toISOString() ?? null, after?.createdAt ?? null, after?.executionId ?? null]);
    const n = rows.reduce((s, r) => s + r.node_runs, 0);
    report.nodeRuns += n;
    report.bytesFreed += rows.reduce((s, r) => s + Number(r.bytes_freed), 0);
    if (n < maxRows) return report;
    // text keeps the microseconds a JS Date would drop
    after = { createdAt: rows[0]!.last_created_at, executionId: rows[0]!.last_execution_id };
  }
}

/** Folds the usage deltas into team_usage until the queue is empty; returns the rows folded. */
export async function foldUsage(pool: pg.Pool | pg.ClientBase, maxRows = 50_000): Promise<number> {
  let total = 0;
  for (;;) {
    const [r] = await q<{ n: number }>(pool, "select app_private.fold_team_usage($1) as n", [maxRows]);
    total += r!.n;
    if (r!.n < maxRows) return total;
  }
}

/** Recounts a team's usage from its rows and corrects the counters (one snapshot); returns the correction. */
export async function reconcileUsage(pool: pg.Pool | pg.ClientBase, teamId: string): Promise<Record<"hot_executions" | "hot_bytes" | "cold_executions" | "cold_bytes" | "events", number>> {
  const [r] = await q(pool, "select * from app_private.reconcile_team_usage($1)", [teamId]);
  return Object.fromEntries(Object.entries(r!).map(([k, v]) => [k, Number(v)])) as never;
}

export interface RetentionPassReport { trim: TrimReport; archive: ArchiveRunReport }

/**
 * One retention pass: trim node outputs, then archive what is due and delete expired cold batches. asOf (default:
 * the database's now() when the pass starts) is the time every step's cutoffs are taken at, so a pass as of the time of a dry run
 * (`LifecycleRepository.plan(team, { at })`) applies exactly that plan; never in the future (VALIDATION, field at).
 */
export async function runRetentionPass(pool: pg.Pool, opts: { storage: Storage; settings: ArchiverSettings; teamId?: string; asOf?: Date }): Promise<RetentionPassReport> {
  // the database's clock, not this process's: one cutoff for every step
  const asOf = opts.asOf ?? (await q<{ now: Date }>(pool, "select now()"))[0]!.now;
  const trim = await runTrim(pool, { defaultHotDays: opts.settings.hotDays, teamId: opts.teamId, asOf });
  const archive = await runArchiveWithPool(pool, { storage: opts.storage, settings: opts.settings, teamId: opts.teamId, asOf });
  return { trim, archive };
}
