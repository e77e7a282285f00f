// Resolves where the database is (configured URLs or embedded PostgreSQL), ensures roles and the database,
// and owns the process-wide pools. Shared by the CLI, the server and the worker.
import type pg from "pg";
import { type Config, withCredentials, withDatabase } from "./config.ts";
import { createPool } from "./db/pool.ts";
import { ensureDatabase, ensureRoles, ROLES } from "./db/roles.ts";
import { startEmbeddedPostgres, type EmbeddedServer } from "./embedded/postgres.ts";
import { logger } from "./logger.ts";
import { instrumentPool } from "./monitoring/index.ts";

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
