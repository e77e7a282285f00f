// Read/write routing for repositories: writes go to the primary; reads go to a streaming replica when one is
// healthy and fresh enough, else to the primary.
//
// - Read-your-writes: a RoutedSession remembers the primary's WAL position (pg_current_wal_lsn()) after each
//   of its writes commits; its reads use a replica only once that replica's pg_last_wal_replay_lsn() has
//   reached it (checked on the very connection that then serves the read), otherwise the primary.
// - Lag: a probe (at most every probeIntervalMs, on demand) samples the primary's WAL position and each
//   replica's replay position; a replica whose replay position is behind where the primary was more than
//   maxLagMs ago is "lagging" and skipped, even for reads without a session.
// - Failure: a replica that cannot be reached (connection refused, terminated, starting up) is marked down for
//   downForMs and its reads fall back to the primary; errors raised by the read itself propagate.
import type pg from "pg";
import { isConnectionLost, mapDbError } from "./errors.ts";
import type { Queryable } from "./pool.ts";
import { currentClient, withTransaction } from "./transaction.ts";
import { logger } from "../logger.ts";

/** How repositories reach the database. */
export interface DbAccess {
  /** A write on the primary in a transaction (joins the caller's open transaction on the primary). With
   *  singleStatement, fn's one statement runs without BEGIN/COMMIT (it is atomic on its own). */
  write<T>(fn: (q: Queryable) => Promise<T>, opts?: { singleStatement?: boolean }): Promise<T>;
  /** A read: on the caller's open primary transaction if any, else a replica when allowed, else the primary. */
  read<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  /** The primary pool (where calls acting for a signed-in user run, under RLS). */
  readonly primary?: pg.Pool;
}

async function writeOnPrimary<T>(pool: pg.Pool, fn: (q: Queryable) => Promise<T>, singleStatement: boolean): Promise<T> {
  const tx = currentClient(pool);
  if (tx) return fn(tx);
  if (!singleStatement) return withTransaction(pool, fn);
  try {
    return await fn(pool);
  } catch (e) {
    throw mapDbError(e);
  }
}

/** Everything on one pool (no replicas). */
export function primaryAccess(pool: pg.Pool): DbAccess {
  return {
    primary: pool,
    write: (fn, opts) => writeOnPrimary(pool, fn, opts?.singleStatement ?? false),
    read: async (fn) => {
      try {
        return await fn(currentClient(pool) ?? pool);
      } catch (e) {
        throw mapDbError(e);
      }
    },
  };
}

/** Parses a pg_lsn text ('16/B374D848') into a comparable bigint. */
export function parseLsn(text: string): bigint {
  const m = /^([0-9A-Fa-f]+)\/([0-9A-Fa-f]+)$/.exec(text);
  if (!m) throw new Error(`not an LSN: ${text}`);
  return (BigInt(`0x${m[1]}`) << 32n) + BigInt(`0x${m[2]}`);
}


interface ReplicaState {
  pool: pg.Pool;
  index: number;
  downUntil: number;
  replayLsn: bigint | null;
  lagMs: number;
  probedAt: number;
  probing: Promise<void> | null;
}

export interface ReplicaRouterOptions {
  primary: pg.Pool;
  replicas: pg.Pool[];
  /** A replica further behind than this is skipped (default 1000 ms). */
  maxLagMs?: number;
  /** Lag probes run at most this often, when a read needs one (default 250 ms). */
  probeIntervalMs?: number;
  /** An unreachable replica is not tried again for this long (default 5000 ms). */
  downForMs?: number;
}

export interface RouterStats { replicaReads: number; primaryReads: number; fallbacks: number }

export class ReplicaRouter {
  readonly primary: pg.Pool;
  readonly stats: RouterStats = { replicaReads: 0, primaryReads: 0, fallbacks: 0 };
  private readonly replicas: ReplicaState[];
  private readonly maxLagMs: number;
  private readonly probeIntervalMs: number;
  private readonly downForMs: number;
  /** Recent primary WAL positions with the time they were seen, oldest first. */
  private samples: { at: number; lsn: bigint }[] = [];
  private next = 0;

  constructor(opts: ReplicaRouterOptions) {
    this.primary = opts.primary;
    this.replicas = opts.replicas.map((pool, index) => ({ pool, index, downUntil: 0, replayLsn: null, lagMs: 0, probedAt: 0, probing: null }));
    this.maxLagMs = opts.maxLagMs ?? 1000;
    this.probeIntervalMs = opts.probeIntervalMs ?? 250;
    this.downForMs = opts.downForMs ?? 5000;
  }

  /** A caller's view with read-your-writes (one per request, user or job). */
  session(): RoutedSession {
    return new RoutedSession(this);
  }

  /** Reads without read-your-writes: any healthy replica that is not lagging, else the primary. */
  read<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    return this.readAt(fn, null);
  }

  /** Writes on the primary (no session tracking). */
  write<T>(fn: (q: Queryable) => Promise<T>, opts?: { singleStatement?: boolean }): Promise<T> {
    return writeOnPrimary(this.primary, fn, opts?.singleStatement ?? false);
  }

  /** The primary's current WAL position. */
  async primaryLsn(): Promise<bigint> {
    const { rows } = await this.primary.query<{ lsn: string }>("select pg_current_wal_lsn()::text as lsn");
    return parseLsn(rows[0]!.lsn);
  }

  /** Current view of each replica (for /readyz-style reporting and tests). */
  replicaStatus(): { index: number; down: boolean; lagMs: number; replayLsn: string | null }[] {
    const now = Date.now();
    return this.replicas.map((r) => ({ index: r.index, down: r.downUntil > now, lagMs: r.lagMs, replayLsn: r.replayLsn?.toString() ?? null }));
  }

  /** Reads on a replica that has replayed at least minLsn (null: any fresh replica), else on the primary. */
  async readAt<T>(fn: (q: Queryable) => Promise<T>, minLsn: bigint | null): Promise<T> {
    const tx = currentClient(this.primary);
    if (tx) return this.onPrimary(fn, tx);
    const n = this.replicas.length;
    const start = this.next++;
    for (let k = 0; k < n; k++) {
      const r = this.replicas[(start + k) % n]!;
      if (r.downUntil > Date.now()) continue;
      if (Date.now() - r.probedAt >= this.probeIntervalMs) await this.probe(r);
      if (r.downUntil > Date.now() || r.lagMs > this.maxLagMs) continue;
      let client: pg.PoolClient;
      try {
        client = await r.pool.connect();
      } catch (e) {
        this.markDown(r, e);
        continue;
      }
      let broken = false;
      // A checked-out client whose backend dies between queries emits 'error': never let it crash the process.
      const onError = (e: Error) => { broken = true; this.markDown(r, e); };
      client.on("error", onError);
      try {
        if (minLsn !== null && (r.replayLsn === null || r.replayLsn < minLsn)) {
          const { rows } = await client.query<{ lsn: string | null }>("select pg_last_wal_replay_lsn()::text as lsn");
          const replay = rows[0]?.lsn ? parseLsn(rows[0].lsn) : null;
          if (replay !== null && (r.replayLsn === null || replay > r.replayLsn)) r.replayLsn = replay;
          if (replay === null || replay < minLsn) continue; // not caught up with this session's writes yet
        }
        const result = await fn(client);
        this.stats.replicaReads++;
        return result;
      } catch (e) {
        if (isConnectionLost(e)) {
          broken = true;
          this.markDown(r, e);
          continue;
        }
        throw mapDbError(e);
      } finally {
        client.off("error", onError);
        client.release(broken);
      }
    }
    if (n > 0) this.stats.fallbacks++;
    return this.onPrimary(fn, this.primary);
  }

  private async onPrimary<T>(fn: (q: Queryable) => Promise<T>, q: Queryable): Promise<T> {
    this.stats.primaryReads++;
    try {
      return await fn(q);
    } catch (e) {
      throw mapDbError(e);
    }
  }

  private markDown(r: ReplicaState, e: unknown): void {
    r.downUntil = Date.now() + this.downForMs;
    r.probedAt = 0;
    logger.warn({ replica: r.index, err: { message: (e as Error).message, code: (e as { code?: string }).code } }, "replica unavailable; reading from the primary");
  }

  private probe(r: ReplicaState): Promise<void> {
    r.probing ??= (async () => {
      try {
        const [p, q] = await Promise.all([
          this.primary.query<{ lsn: string }>("select pg_current_wal_lsn()::text as lsn"),
          r.pool.query<{ lsn: string | null }>("select pg_last_wal_replay_lsn()::text as lsn"),
        ]);
        const now = Date.now();
        const primaryLsn = parseLsn(p.rows[0]!.lsn);
        this.samples.push({ at: now, lsn: primaryLsn });
        const horizon = now - Math.max(4 * this.maxLagMs, 4 * this.probeIntervalMs);
        while (this.samples.length > 1 && this.samples[0]!.at < horizon) this.samples.shift();
        const replay = q.rows[0]?.lsn ? parseLsn(q.rows[0].lsn) : null;
        if (replay === null) throw Object.assign(new Error("not a streaming replica (pg_last_wal_replay_lsn() is null)"), { code: "57P03" });
        r.replayLsn = replay;
        // Lag: how long ago the primary had already passed the replica's replay position.
        const firstAhead = this.samples.find((s) => s.lsn > replay);
        r.lagMs = firstAhead ? now - firstAhead.at : 0;
        r.probedAt = now;
      } catch (e) {
        this.markDown(r, e);
      } finally {
        r.probing = null;
      }
    })();
    return r.probing;
  }
}

/** Read-your-writes for one caller: reads see this session's own committed writes. */
export class RoutedSession implements DbAccess {
  private readonly router: ReplicaRouter;
  /** WAL position the replicas must have replayed before serving this session (null: any). */
  minLsn: bigint | null = null;
  private lsnUnknown = false;

  constructor(router: ReplicaRouter) {
    this.router = router;
  }

  get primary(): pg.Pool { return this.router.primary; }

  async write<T>(fn: (q: Queryable) => Promise<T>, opts?: { singleStatement?: boolean }): Promise<T> {
    const nested = currentClient(this.router.primary) !== undefined;
    const result = await this.router.write(fn, opts);
    if (nested) {
      // The outer transaction commits later: learn the position at the next read outside it.
      this.lsnUnknown = true;
    } else {
      this.remember(await this.router.primaryLsn());
    }
    return result;
  }

  async read<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    if (this.lsnUnknown && currentClient(this.router.primary) === undefined) {
      this.remember(await this.router.primaryLsn());
      this.lsnUnknown = false;
    }
    return this.router.readAt(fn, this.minLsn);
  }

  private remember(lsn: bigint): void {
    if (this.minLsn === null || lsn > this.minLsn) this.minLsn = lsn;
  }
}
