// A throwaway PostgreSQL primary + streaming standby (the system's PostgreSQL binaries, ports 55430-55439),
// with pg_stat_statements preloaded: the present path of pg_stat_statements and real replication lag, without
// touching the shared server. As root, the clusters run as the OS user `postgres`.
import { execFile } from "node:child_process";
import { chmod, chown, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { pgBin } from "../../bench/lib.ts";

const run = promisify(execFile);
const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

async function asPostgres(cmd: string, args: string[]): Promise<string> {
  const [file, argv] = isRoot ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args];
  const { stdout } = await run(file, argv, { maxBuffer: 1 << 24 });
  return stdout;
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

export interface ThrowawayCluster {
  primaryUrl: string;
  standbyUrl: string;
  stop(): Promise<void>;
}

export async function startThrowawayCluster(): Promise<ThrowawayCluster> {
  const ports: number[] = [];
  for (let p = 55430; p <= 55439 && ports.length < 2; p++) if (await portFree(p)) ports.push(p);
  if (ports.length < 2) throw new Error("no free port pair in 55430-55439");
  const [pPort, sPort] = ports as [number, number];
  const base = await mkdtemp(path.join(os.tmpdir(), "linkflow-monitoring-pg-"));
  await chmod(base, 0o755);
  if (isRoot) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    const { stdout: gid } = await run("id", ["-g", "postgres"]);
    await chown(base, Number(stdout.trim()), Number(gid.trim()));
  }
  const primary = path.join(base, "primary");
  const standby = path.join(base, "standby");
  const flags = (port: number) => [
    `-p ${port}`, "-c listen_addresses=127.0.0.1", `-c unix_socket_directories=${base}`,
    "-c shared_preload_libraries=pg_stat_statements", "-c fsync=off", "-c max_connections=50",
    "-c wal_level=replica", "-c max_wal_senders=4", "-c track_io_timing=on", "-c autovacuum_naptime=1",
  ].join(" ");
  const started: string[] = [];
  const stop = async () => {
    for (const dir of started.reverse()) await asPostgres(pgBin("pg_ctl"), ["-D", dir, "-m", "immediate", "-w", "stop"]).catch(() => {});
    await rm(base, { recursive: true, force: true });
  };
  try {
    await asPostgres(pgBin("initdb"), ["-D", primary, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"]);
    await asPostgres(pgBin("pg_ctl"), ["-D", primary, "-o", flags(pPort), "-l", path.join(base, "primary.log"), "-w", "start"]);
    started.push(primary);
    await asPostgres(pgBin("pg_basebackup"), ["-h", "127.0.0.1", "-p", String(pPort), "-U", "postgres", "-D", standby, "-R", "-X", "stream", "--no-sync"]);
    await asPostgres(pgBin("pg_ctl"), ["-D", standby, "-o", flags(sPort), "-l", path.join(base, "standby.log"), "-w", "start"]);
    started.push(standby);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    primaryUrl: `postgres://postgres@127.0.0.1:${pPort}/postgres`,
    standbyUrl: `postgres://postgres@127.0.0.1:${sPort}/postgres`,
    stop,
  };
}
