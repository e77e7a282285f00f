// Connection pools: one per role and target (primary owner, authenticator, replicas), configured from Config.
//
// Sizing: a 2-core PostgreSQL saturates near (2 x cores + spindles) active connections; every process gets
// PG_POOL_MAX (default 10) per pool, so N processes x pools must stay under max_connections (100 by default)
// with headroom for maintenance. statement_timeout bounds runaway queries; idle clients are closed after
// PG_POOL_IDLE_TIMEOUT_MS so idle processes hold few backends.
import pg from "pg";
import type { PoolSettings } from "../config.ts";
import { logger } from "../logger.ts";
import { instrumentPool } from "../monitoring/instrument.ts";

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
export interface Queryable {
  query<R extends pg.QueryResultRow = any>(text: string | pg.QueryConfig, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

export function createPool(connectionString: string, settings: PoolSettings, label: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max: settings.max,
    idleTimeoutMillis: settings.idleTimeoutMs,
    connectionTimeoutMillis: settings.connectionTimeoutMs,
    application_name: `${settings.applicationName}:${label}`,
    ...(settings.statementTimeoutMs > 0 ? { statement_timeout: settings.statementTimeoutMs } : {}),
  });
  // An idle client's error (server restart, network cut) must never crash the process.
  pool.on("error", (err) => {
    logger.warn({ pool: label, err: { message: err.message, code: (err as { code?: string }).code } }, "idle pg client error");
  });
  (pool as pg.Pool & { linkflowLabel?: string }).linkflowLabel = label;
  // Query metrics, slow-query log and pool health (src/monitoring): every query through this pool is measured.
  instrumentPool(pool, label);
  return pool;
}

export function poolLabel(pool: pg.Pool): string {
  return (pool as pg.Pool & { linkflowLabel?: string }).linkflowLabel ?? "unknown";
}
