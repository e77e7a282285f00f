// Connection pools: one per role and target (primary owner, authenticator, replicas), configured from Config.
//
// Sizing: a 2-core PostgreSQL saturates near (2 x cores + spindles) active connections; every process gets
// PG_POOL_MAX (default 10) per pool, so N processes x pools must stay under max_connections (100 by default)
// with headroom for maintenance. statement_timeout bounds runaway queries; idle clients are closed after
// PG_POOL_IDLE_TIMEOUT_MS so idle processes hold few backends.
//
// Backend death (pg_terminate_backend, a crash-restart, idle_in_transaction_session_timeout, a network cut):
// pg emits 'error' on the client itself, and a client checked out of the pool has no listener of pg-pool's,
// so without one of ours the process exits ("Unhandled 'error' event"). Every client this pool opens gets
// guardClient()'s listener on its 'connect' event: the error is logged once per client, the query in flight
// (if any) rejects and is mapped to a retryable UnavailableError by mapDbError, and the dead client is
// discarded by pg-pool when released (it is no longer queryable). Because this pool has its own 'connect'
// and 'error' listeners, graphile-worker (given this pool) does not install its own: ours do the same job.
//
// This module imports no capability: instrumentation (src/monitoring's instrumentPool) is injected by the
// composition root through PoolHooks.instrument.
import pg from "pg";
import type { PoolSettings } from "../config.ts";
import { logger } from "../logger.ts";

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
export interface Queryable {
  query<R extends pg.QueryResultRow = any>(text: string | pg.QueryConfig, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

export interface PoolHooks {
  /** Called once with the new pool (after its error listeners are in place): metrics, tracing. */
  instrument?: (pool: pg.Pool, label: string) => unknown;
}

const guarded = new WeakSet<pg.ClientBase>();
const logged = new WeakSet<pg.ClientBase>();

/**
 * Gives a client (pooled or a long-lived pg.Client) an 'error' listener so that its backend dying never
 * crashes the process. The first error of the client is logged (later ones of the same dead connection are
 * not: pg may emit both the FATAL message and "Connection terminated unexpectedly"). Idempotent.
 */
export function guardClient(client: pg.ClientBase, label: string): void {
  if (guarded.has(client)) return;
  guarded.add(client);
  client.on("error", (err: Error & { code?: string }) => {
    if (logged.has(client)) return;
    logged.add(client);
    logger.warn({ pool: label, err: { message: err.message, code: err.code } }, "pg connection lost");
  });
  codeConnectionErrors(client);
}

/**
 * pg reports a connection closed under a query ("Connection terminated unexpectedly", "Client has encountered
 * a connection error and is not queryable") without a SQLSTATE. Give those errors 08006 (connection_failure,
 * what libpq and JDBC report for a lost connection) so every layer that retries by code (ours, graphile-worker's)
 * sees them as what they are. Errors from the server keep their own code.
 */
function codeConnectionErrors(client: pg.ClientBase): void {
  const original = client.query as (...args: unknown[]) => unknown;
  const tag = (e: unknown) => {
    if (e instanceof Error && (e as { code?: unknown }).code === undefined && CODELESS_CONNECTION_ERROR.test(e.message)) {
      (e as { code?: string }).code = "08006";
    }
    return e;
  };
  (client as unknown as { query: unknown }).query = function guardedQuery(this: pg.ClientBase, ...args: unknown[]): unknown {
    const last = args[args.length - 1];
    if (typeof last === "function") {
      args[args.length - 1] = (err: unknown, res: unknown) => (last as (e: unknown, r: unknown) => void)(err ? tag(err) : err, res);
      return original.apply(this, args);
    }
    const cfg = args[0] as { callback?: unknown; submit?: unknown } | undefined;
    if (cfg && (typeof cfg.submit === "function" || typeof cfg.callback === "function")) return original.apply(this, args); // submittables report their own errors
    const r = original.apply(this, args);
    return r instanceof Promise ? r.catch((e: unknown) => { throw tag(e); }) : r;
  };
}
const CODELESS_CONNECTION_ERROR = /Connection terminated|not queryable|connection error|Client was closed/i;

export function createPool(connectionString: string, settings: PoolSettings, label: string, hooks: PoolHooks = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max: settings.max,
    idleTimeoutMillis: settings.idleTimeoutMs,
    connectionTimeoutMillis: settings.connectionTimeoutMs,
    application_name: `${settings.applicationName}:${label}`,
    ...(settings.statementTimeoutMs > 0 ? { statement_timeout: settings.statementTimeoutMs } : {}),
  });
  // Every client, idle or checked out, has our listener (it logs); pg-pool re-emits an idle client's error on
  // the pool, which needs a listener too (logging it again would be noise).
  pool.on("connect", (client) => guardClient(client, label));
  pool.on("error", () => {});
  (pool as pg.Pool & { linkflowLabel?: string }).linkflowLabel = label;
  hooks.instrument?.(pool, label);
  return pool;
}

export function poolLabel(pool: pg.Pool): string {
  return (pool as pg.Pool & { linkflowLabel?: string }).linkflowLabel ?? "unknown";
}
