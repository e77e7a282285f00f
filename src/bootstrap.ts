// Resolves where the database is (configured URLs or embedded PostgreSQL), ensures roles and the database,
// and owns the process-wide pools and monitoring. Shared by the CLI, the server and the worker: this is the
// composition root, the one place that wires capabilities together (instrumentation into the pools, the
// backup catalog's gauges into the metrics registry).
import type pg from "pg";
import { type Config, withCredentials, withDatabase } from "./config.ts";
import { createPool, poolLabel } from "./db/pool.ts";
import { ensureDatabase, ensureRoles, ROLES } from "./db/roles.ts";
import { startEmbeddedPostgres, type EmbeddedServer } from "./embedded/postgres.ts";
import { logger } from "./logger.ts";
import { registerBackupMetrics } from "./backup/index.ts";
import {
  enableProcessMetrics, instrumentPool, metricsRoute, monitoringSettings, registry, startMetricsServer, startStatsCollectors,
  type DatabaseStatsCollector, type MetricsServer, type MonitoringSettings,
} from "./monitoring/index.ts";
import type { Route } from "./server/index.ts";

export interface Databases {
  ownerUrl: string;
  authUrl: string;
  rootUrl: string | null;
  embedded: EmbeddedServer | null;
}

export async function resolveDatabases(config: Readonly<Config>): Promise<Databases> {
  let embedded: EmbeddedServer | null = null;
  let ownerUrl = config.databaseUrl;
  let rootUrl = config.rootDatabaseUrl;
  if (!ownerUrl) {
    embedded = await startEmbeddedPostgres({ dataDir: config.embeddedDataDir, port: config.embeddedPort });
    rootUrl = embedded.rootUrl;
    ownerUrl = withCredentials(withDatabase(rootUrl, "linkflow"), ROLES.owner, config.ownerPassword);
  }
  if (rootUrl) {
    await ensureRoles(rootUrl, { ownerPassword: config.ownerPassword, authenticatorPassword: config.authenticatorPassword });
    const dbName = decodeURIComponent(new URL(ownerUrl).pathname.slice(1));
    if (await ensureDatabase(rootUrl, dbName)) logger.info({ database: dbName }, "created database");
  }
  const authUrl = config.authDatabaseUrl ?? withCredentials(ownerUrl, ROLES.authenticator, config.authenticatorPassword);
  return { ownerUrl, authUrl, rootUrl, embedded };
}

export interface Pools {
  owner: pg.Pool;
  auth: pg.Pool;
  replicas: pg.Pool[];
  end(): Promise<void>;
}

export function createPools(config: Readonly<Config>, dbs: Databases): Pools {
  // Query metrics, slow-query log and pool health (src/monitoring): every query through these pools is measured.
  const hooks = { instrument: instrumentPool };
  const owner = createPool(dbs.ownerUrl, config.pool, "primary", hooks);
  const auth = createPool(dbs.authUrl, { ...config.pool, statementTimeoutMs: 0 }, "authenticator", hooks);
  const replicas = config.replicaUrls.map((u, i) => createPool(u, config.pool, `replica${i}`, hooks));
  return {
    owner, auth, replicas,
    async end() { await Promise.all([owner.end(), auth.end(), ...replicas.map((r) => r.end())]); },
  };
}

/** Prints a URL without its password. */
export function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = "***";
  return u.toString();
}

// What a process starts for monitoring (docs/monitoring.md):
//   const mon = await startMonitoring({ primary: pools.owner, replicas: pools.replicas, standalone: isWorker });
//   createHttpApp({ ..., routes: mon.routes });   ...   await mon.stop();
let backupMetricsRegistered = false;

export interface Monitoring {
  /** Extra routes for createHttpApp: { "/metrics": ... }. */
  routes: Record<string, Route>;
  collectors: DatabaseStatsCollector[];
  /** The standalone /metrics listener (worker), when started. */
  metricsServer: MetricsServer | null;
  stop(): Promise<void>;
}

export async function startMonitoring(opts: { primary: pg.Pool; replicas?: pg.Pool[]; standalone: boolean; settings?: Readonly<MonitoringSettings> }): Promise<Monitoring> {
  const settings = opts.settings ?? monitoringSettings();
  enableProcessMetrics();
  if (!backupMetricsRegistered) {
    // The backup catalog's own gauges (duration, size, replica verification, restore tests); the last-success
    // timestamp already comes from the statistics collector's catalog probe.
    registerBackupMetrics(registry, opts.primary, { skip: ["linkflow_backup_last_success_timestamp_seconds"] });
    backupMetricsRegistered = true;
  }
  const collectors = startStatsCollectors([opts.primary, ...(opts.replicas ?? [])].map((pool) => ({ pool, server: poolLabel(pool) })), settings.statsIntervalMs);
  let metricsServer: MetricsServer | null = null;
  if (opts.standalone && settings.metricsPort > 0) {
    try {
      metricsServer = await startMetricsServer(settings.metricsPort, settings.metricsHost);
      logger.info({ url: `${metricsServer.url}/metrics` }, "metrics listener started");
    } catch (e) {
      // Jobs matter more than their metrics: a taken port must not stop the worker.
      logger.error({ err: e, port: settings.metricsPort }, "metrics listener could not start (METRICS_PORT); continuing without /metrics");
    }
  }
  return {
    routes: { "/metrics": metricsRoute },
    collectors,
    metricsServer,
    async stop() {
      await Promise.all(collectors.map((c) => c.stop()));
      await metricsServer?.close();
    },
  };
}
