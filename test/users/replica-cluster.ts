// A real streaming replica for the replica-routing tests: pg_basebackup -R -X stream into a temp dir, started
// with the machine's PostgreSQL binaries as the OS user postgres on a free port.
//
// Source: the shared test server when its pg_hba.conf allows replication connections from 127.0.0.1;
// otherwise (the shared server is never reconfigured) a throwaway primary initdb'd into the same temp dir on
// a free port, migrated like the test template. Both are stopped and deleted by stop(). When a server does
// not start, the error carries the tail of its log.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile, appendFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { withCredentials, withDatabase } from "../../src/config.ts";
import { migrateUp } from "../../src/db/migrate.ts";
import { ensureRoles, ROLES } from "../../src/db/roles.ts";
import { applyCurrent, AUTHENTICATOR_PASSWORD, OWNER_PASSWORD } from "../harness/template.ts";
import { serverMajor, toolMajor } from "../harness/pgtools.ts";

const run = promisify(execFile);
const BIN = process.env.PG_BIN_DIR ?? "/usr/lib/postgresql/15/bin";

/** A TCP port nothing listens on right now (the kernel's choice), so test files running at once never collide. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** pg_ctl start; a failure carries the last lines of the server's log (why it did not start). */
async function startServer(data: string, log: string): Promise<void> {
  try {
    await asPostgres("pg_ctl", ["-D", data, "-l", log, "-w", "start"]);
  } catch (e) {
    const tail = (await readFile(log, "utf8").catch(() => "")).trim().split("\n").slice(-15).join("\n");
    throw new Error(`${(e as Error).message}\n--- ${path.basename(log)} ---\n${tail}`);
  }
}

export interface ReplicaCluster {
  source: "shared-server" | "throwaway-primary";
  /** Owner URL of the database on the primary and on the replica. */
  primaryOwnerUrl: string;
  replicaOwnerUrl: string;
  /** Superuser URL of the replica (pg_wal_replay_pause/resume). */
  replicaRootUrl: string;
  stop(): Promise<void>;
}

const asPostgres = (cmd: string, args: string[]) => run("runuser", ["-u", "postgres", "--", path.join(BIN, cmd), ...args], { maxBuffer: 1 << 24 });

async function sharedServerAllowsReplication(rootUrl: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: rootUrl });
  await c.connect();
  try {
    const { rows } = await c.query(`select count(*)::int as n from pg_hba_file_rules
      where error is null and ('replication' = any(database)) and (type = 'local' or address in ('127.0.0.1', 'all', '0.0.0.0', 'samehost'))`);
    return rows[0].n > 0;
  } finally {
    await c.end();
  }
}

async function waitForServer(url: string, recovery: boolean): Promise<void> {
  for (let i = 0; ; i++) {
    const c = new pg.Client({ connectionString: url });
    try {
      await c.connect();
      const { rows } = await c.query("select pg_is_in_recovery() as r");
      if (rows[0].r === recovery) return;
    } catch (e) {
      if (i > 300) throw e;
    } finally {
      await c.end().catch(() => {});
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startReplicaCluster(opts: { sharedRootUrl: string; sharedDatabase: string }): Promise<ReplicaCluster> {
  const PRIMARY_PORT = await freePort();
  const REPLICA_PORT = await freePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), "lf-users-replica-"));
  await run("chown", ["postgres:postgres", dir]);
  const started: string[] = [];
  const stop = async () => {
    for (const d of started.reverse()) await asPostgres("pg_ctl", ["-D", d, "-m", "immediate", "-w", "stop"]).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  };
  try {
    let source: ReplicaCluster["source"];
    let primaryHost: { port: number; rootUrl: string; database: string };
    // pg_basebackup refuses a newer server (the embedded PostgreSQL 18 beside Debian's 15 tools): then the
    // throwaway primary, built with the same binaries as the replica, is used instead.
    const sameMajor = (await serverMajor(opts.sharedRootUrl)) <= (await toolMajor("pg_basebackup"));
    if (sameMajor && await sharedServerAllowsReplication(opts.sharedRootUrl)) {
      source = "shared-server";
      const u = new URL(opts.sharedRootUrl);
      primaryHost = { port: Number(u.port || 5432), rootUrl: opts.sharedRootUrl, database: opts.sharedDatabase };
    } else {
      source = "throwaway-primary";
      const data = path.join(dir, "primary");
      await asPostgres("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
      await appendFile(path.join(data, "postgresql.conf"), [
        `port = ${PRIMARY_PORT}`, "listen_addresses = '127.0.0.1'", `unix_socket_directories = '${dir}'`,
        "wal_level = replica", "max_wal_senders = 4", "fsync = off", "synchronous_commit = on", "shared_buffers = 32MB",
        "max_connections = 40", "",
      ].join("\n"));
      // initdb's pg_hba.conf (trust) already allows replication from 127.0.0.1.
      await startServer(data, path.join(dir, "primary.log"));
      started.push(data);
      const rootUrl = `postgres://postgres@127.0.0.1:${PRIMARY_PORT}/postgres`;
      await ensureRoles(rootUrl, { ownerPassword: OWNER_PASSWORD, authenticatorPassword: AUTHENTICATOR_PASSWORD });
      const c = new pg.Client({ connectionString: rootUrl });
      await c.connect();
      await c.query(`create database lf_replica_test owner ${ROLES.owner}`);
      await c.end();
      const ownerUrl = withCredentials(withDatabase(rootUrl, "lf_replica_test"), ROLES.owner, OWNER_PASSWORD);
      await migrateUp(ownerUrl);
      await applyCurrent(ownerUrl);
      primaryHost = { port: PRIMARY_PORT, rootUrl, database: "lf_replica_test" };
    }
    const replicaData = path.join(dir, "replica");
    await asPostgres("pg_basebackup", ["-h", "127.0.0.1", "-p", String(primaryHost.port), "-U", "postgres", "-D", replicaData, "-R", "-X", "stream", "--checkpoint=fast", "--no-sync"]);
    if (source === "shared-server") {
      // Debian keeps the configuration outside the data directory: give the copy its own.
      await writeFile(path.join(replicaData, "pg_hba.conf"), "local all all trust\nhost all all 127.0.0.1/32 trust\n");
      await run("chown", ["postgres:postgres", path.join(replicaData, "pg_hba.conf")]);
    }
    await appendFile(path.join(replicaData, "postgresql.conf"), [
      "", `port = ${REPLICA_PORT}`, "listen_addresses = '127.0.0.1'", `unix_socket_directories = '${dir}'`, "hot_standby = on",
      "max_connections = 40", "",
    ].join("\n"));
    await startServer(replicaData, path.join(dir, "replica.log"));
    started.push(replicaData);
    const replicaRootUrl = `postgres://postgres@127.0.0.1:${REPLICA_PORT}/${primaryHost.database}`;
    await waitForServer(replicaRootUrl, true);
    const primaryOwnerUrl = withCredentials(withDatabase(primaryHost.rootUrl, primaryHost.database), ROLES.owner, OWNER_PASSWORD);
    const replicaOwnerUrl = withCredentials(replicaRootUrl, ROLES.owner, OWNER_PASSWORD);
    return { source, primaryOwnerUrl, replicaOwnerUrl, replicaRootUrl, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
