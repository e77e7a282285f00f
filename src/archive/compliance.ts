// Compliance: legal holds, per-team retention, erasure of a user's or a team's archived data. Every action
// appends an event to the stream archive-<team> (in SQL, in the same transaction as the change).
import type pg from "pg";
import { mapDbError } from "../db/errors.ts";
import { withTransaction } from "../db/transaction.ts";
import { ConflictError, ValidationError } from "../errors.ts";
import type { Storage } from "../storage/storage.ts";
import { sweepDeletions } from "./archiver.ts";
import { encodeBatch, readVerified } from "./files.ts";
import { readParquet, type ExecutionDocument } from "./format.ts";

export interface ComplianceDeps { pool: pg.Pool; storage: Storage; encryptionKey: Buffer | null; zstdLevel?: number; rowGroupSize?: number }

async function q<R extends pg.QueryResultRow = any>(pool: pg.Pool | pg.ClientBase, text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
  try { return await pool.query<R>(text, values); } catch (e) { throw mapDbError(e); }
}

export async function placeLegalHold(pool: pg.Pool, hold: { teamId: string; reason: string; workflowId?: string; executionId?: string; createdBy?: string }): Promise<string> {
  const { rows: [r] } = await q(pool, "select app_private.place_legal_hold($1, $2, $3, $4, $5) as id",
    [hold.teamId, hold.reason, hold.workflowId ?? null, hold.executionId ?? null, hold.createdBy ?? null]);
  return r.id;
}

export async function releaseLegalHold(pool: pg.Pool, holdId: string): Promise<void> {
  await q(pool, "select app_private.release_legal_hold($1)", [holdId]);
}

/** Sets (or clears, with nulls) a team's hot and cold retention in days. */
export async function setRetention(pool: pg.Pool, teamId: string, days: { hotDays: number | null; coldDays: number | null }): Promise<void> {
  for (const [k, v] of Object.entries(days)) {
    if (v !== null && (!Number.isInteger(v) || v < 1)) throw new ValidationError(`${k} must be a positive integer`, { field: k });
  }
  await withTransaction(pool, async (c) => {
    await c.query(`insert into app_private.archive_retention (team_id, hot_days, cold_days) values ($1, $2, $3)
      on conflict (team_id) do update set hot_days = excluded.hot_days, cold_days = excluded.cold_days, updated_at = now()`,
      [teamId, days.hotDays, days.coldDays]);
    await c.query("select app_private.archive_event($1, 'ArchiveRetentionChanged', $2::jsonb)",
      [teamId, JSON.stringify({ hot_days: days.hotDays, cold_days: days.coldDays })]);
  });
}

const ERASED = "[erased]";

/** Replaces every string equal to one of the needles (ids, emails) anywhere inside a JSON value. */
function scrub(value: unknown, needles: Set<string>): unknown {
  if (typeof value === "string") return needles.has(value) ? ERASED : value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, needles));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v, needles)]));
  }
  return value;
}

function eraseUserIn(d: ExecutionDocument, userId: string, needles: Set<string>): ExecutionDocument {
  return {
    ...d,
    input: scrub(d.input, needles), output: scrub(d.output, needles), error: scrub(d.error, needles),
    transitions: d.transitions.map((t) => ({ ...t, actor_id: t.actor_id === userId ? null : t.actor_id, details: scrub(t.details, needles) })),
    node_runs: d.node_runs.map((r) => ({ ...r, output: scrub(r.output, needles), error: scrub(r.error, needles) })),
  };
}

/** The key of a batch file's next generation: <batch>.parquet -> <batch>-r<gen>.parquet. */
export function rewriteKey(key: string, generation: number): string {
  return key.replace(/(-r\d+)?\.parquet$/, `-r${generation}.parquet`);
}

/**
 * Erases a user from archived files: every batch whose transitions name the user as actor is rewritten with the
 * actor removed and the user's id/email strings replaced in the JSON payloads. A new file generation is
 * written and verified before the manifest points at it; the old file is then deleted. Refused (ConflictError)
 * when a legal hold covers any affected batch; nothing is changed then.
 */
export async function eraseUser(deps: ComplianceDeps, userId: string, opts: { email?: string } = {}): Promise<{ rewritten: number }> {
  const { rows: batches } = await q(deps.pool, `
    select id, team_id, key, sha256, encrypted, generation, app_private.archive_batch_is_held(id) as held
      from app_private.archive_batches where actor_ids @> array[$1::uuid] and state in ('uploaded', 'verified', 'deleted') order by id`, [userId]);
  const held = batches.filter((b) => b.held);
  if (held.length) throw new ConflictError(`legal hold covers ${held.length} archive batches of this user`, { detail: `batches=${held.map((b) => b.id).join(",")}` });
  const needles = new Set([userId, ...(opts.email ? [opts.email] : [])]);
  for (const b of batches) {
    const docs = (await readParquet(await readVerified(deps.storage, b, deps.encryptionKey))).map((d) => eraseUserIn(d, userId, needles));
    const newKey = rewriteKey(b.key, b.generation + 1);
    const enc = encodeBatch(docs, newKey, b.encrypted ? deps.encryptionKey : null, { zstdLevel: deps.zstdLevel, rowGroupSize: deps.rowGroupSize });
    await deps.storage.put(newKey, enc.body, { sha256: enc.sha256 });
    const back = await readParquet(await readVerified(deps.storage, { key: newKey, sha256: enc.sha256, encrypted: b.encrypted }, deps.encryptionKey));
    if (back.length !== docs.length) throw new Error(`rewrite of ${b.key} read back ${back.length} rows, expected ${docs.length}`);
    const actors = [...new Set(docs.flatMap((d) => d.transitions.map((t) => t.actor_id).filter((a): a is string => !!a)))];
    await q(deps.pool, "select app_private.archive_record_rewrite($1, $2, $3, $4, $5::uuid[], 'user_erasure')",
      [b.id, newKey, enc.body.length, enc.sha256, actors]);
  }
  await sweep(deps);
  return { rewritten: batches.length };
}

/** Erases a team's archived data (files deleted, index removed, manifest entries kept as erased). */
export async function eraseTeam(deps: ComplianceDeps, teamId: string): Promise<{ erased: number }> {
  const { rowCount } = await q(deps.pool, "select * from app_private.archive_erase_team($1)", [teamId]);
  await sweep(deps);
  return { erased: rowCount ?? 0 };
}

async function sweep(deps: ComplianceDeps): Promise<void> {
  const c = await deps.pool.connect();
  try { await sweepDeletions(c, deps.storage); } finally { c.release(); }
}
