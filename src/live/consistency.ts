// Read-your-writes tokens. A token is taken after a write commits: the event log's transaction horizon at that
// moment (every committed write of the caller sits below it) and the primary's WAL position. A read of the read
// models with `atLeast: token` waits, bounded, until every projection has applied everything below the horizon
// (app_private.projections_cover); a replica read waits until the replica has replayed the WAL position.
import type pg from "pg";
import { LinkFlowError, ValidationError } from "../errors.ts";
import { readModelProjections } from "../events/index.ts";

/** The projections behind the read models exposed in GraphQL (what a read with atLeast waits for by default). */
export const readModelProjectionNames = (): string[] => readModelProjections().map((p) => p.name);

/** The read models are behind the token after the timeout (retry later, or read the primary's tables). */
export class StaleError extends LinkFlowError {
  constructor(message: string) { super("STALE", message, { field: "atLeast" }); }
}

export interface ConsistencyToken { xmax: bigint; lsn: string }

const PREFIX = "lft1:";

export function encodeToken(t: ConsistencyToken): string {
  return Buffer.from(`${PREFIX}${t.xmax}:${t.lsn}`, "utf8").toString("base64url");
}

export function decodeToken(token: string, field = "atLeast"): ConsistencyToken {
  const text = Buffer.from(token, "base64url").toString("utf8");
  const m = /^lft1:(\d{1,20}):([0-9A-F]{1,8}\/[0-9A-F]{1,8})$/i.exec(text);
  if (!m) throw new ValidationError("invalid consistency token", { field });
  return { xmax: BigInt(m[1]!), lsn: m[2]!.toUpperCase() };
}

/** A token covering every write committed before this call (call it after your write's commit). */
export async function consistencyToken(pool: pg.Pool | pg.ClientBase): Promise<string> {
  const { rows } = await pool.query<{ xmax: string; wal_lsn: string }>("select xmax::text, wal_lsn::text from app_private.consistency_position()");
  return encodeToken({ xmax: BigInt(rows[0]!.xmax), lsn: rows[0]!.wal_lsn });
}

export interface WaitOptions {
  /** Projections whose read models must cover the token (default: those of the read models, readModelProjectionNames()). */
  projections?: string[];
  timeoutMs?: number;
  pollMs?: number;
}

/** Waits until the projections cover the token, or throws StaleError after the timeout. */
export async function waitForProjections(pool: pg.Pool, token: string, opts: WaitOptions = {}): Promise<void> {
  const t = decodeToken(token);
  const deadline = Date.now() + (opts.timeoutMs ?? 5_000);
  let pause = Math.max(1, opts.pollMs ?? 5);
  for (;;) {
    const { rows } = await pool.query<{ ok: boolean }>("select app_private.projections_cover($1::text::xid8, $2::text[]) as ok",
      [t.xmax.toString(), opts.projections ?? readModelProjectionNames()]);
    if (rows[0]!.ok) return;
    if (Date.now() >= deadline) throw new StaleError("the read models have not caught up with the consistency token in time");
    await new Promise((r) => setTimeout(r, pause));
    pause = Math.min(pause * 2, 100);
  }
}

/** Waits until a streaming replica has replayed the token's WAL position, or throws StaleError. */
export async function waitForReplica(replica: pg.Pool, token: string, opts: { timeoutMs?: number } = {}): Promise<void> {
  const t = decodeToken(token);
  const deadline = Date.now() + (opts.timeoutMs ?? 5_000);
  let pause = 2;
  for (;;) {
    const { rows } = await replica.query<{ ok: boolean | null }>("select pg_last_wal_replay_lsn() >= $1::pg_lsn as ok", [t.lsn]);
    if (rows[0]!.ok) return;
    if (Date.now() >= deadline) throw new StaleError("the replica has not replayed the consistency token's position in time");
    await new Promise((r) => setTimeout(r, pause));
    pause = Math.min(pause * 2, 50);
  }
}
