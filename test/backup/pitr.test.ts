// Point-in-time recovery for real: a throwaway cluster (initdb as the postgres OS user, archive_mode on,
// archive_command = pgBackRest archive-push into two temp repositories), a base backup, write A, note the time,
// write B, restore to that time from the SECOND repository into another directory, start it: A is there, B is not.
import { execFile } from "node:child_process";
import { appendFile, chmod, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pgBin } from "../../src/backup/pgtools.ts";
import { PROJECT_ROOT } from "../../src/db/migrate.ts";

const exec = promisify(execFile);
const asPostgres = (cmd: string, args: string[], env: Record<string, string> = {}) =>
  exec("runuser", ["-u", "postgres", "--", "env", ...Object.entries(env).map(([k, v]) => `${k}=${v}`), cmd, ...args], { maxBuffer: 1 << 24 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer().once("error", () => resolve(false)).listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

let tmp: string;
let env: Record<string, string>;
let ports: number[] = [];
const started: string[] = [];
const dirs = () => ({ pg: path.join(tmp, "pg"), restored: path.join(tmp, "restored"), sock: path.join(tmp, "sock"),
  repo1: path.join(tmp, "repo1"), repo2: path.join(tmp, "repo2") });

function client(port: number): pg.Client {
  return new pg.Client({ host: dirs().sock, port, user: "postgres", database: "postgres" });
}
async function q(port: number, sql: string): Promise<pg.QueryResult> {
  const c = client(port);
  await c.connect();
  try { return await c.query(sql); } finally { await c.end(); }
}
async function pgCtl(args: string[]) { return asPostgres(pgBin("pg_ctl"), args, env); }

beforeAll(async () => {
  await exec("pgbackrest", ["version"]).catch(() => { throw new Error("pgbackrest is not installed: run .ci/setup.d/backup.sh (apt-get install pgbackrest)"); });
  for (let p = 55440; p <= 55449 && ports.length < 2; p++) if (await portFree(p)) ports.push(p);
  if (ports.length < 2) throw new Error("no two free ports in 55440-55449");
  tmp = await mkdtemp(path.join(os.tmpdir(), "lf-pitr-"));
  await chmod(tmp, 0o755);
  const d = dirs();
  const conf = path.join(tmp, "pgbackrest.conf");
  await writeFile(conf, [
    "[global]",
    `repo1-path=${d.repo1}`, "repo1-retention-full=2",
    `repo2-path=${d.repo2}`, "repo2-retention-full=2",
    `lock-path=${tmp}/lock`, `log-path=${tmp}/log`, `spool-path=${tmp}/spool`,
    "log-level-console=warn", "log-level-file=off", "start-fast=y", "compress-type=lz4", "archive-timeout=60",
    "[lf]", `pg1-path=${d.pg}`, `pg1-port=${ports[0]}`, `pg1-socket-path=${d.sock}`, "",
  ].join("\n"));
  await exec("chown", ["-R", "postgres:postgres", tmp]);
  env = { PGBACKREST_CONFIG: conf, PGBACKREST_STANZA: "lf" };
  await asPostgres(pgBin("initdb"), ["-D", d.pg, "-U", "postgres", "-A", "trust", "--no-sync"]);
  await asPostgres("mkdir", ["-p", d.sock]);
  await appendFile(path.join(d.pg, "postgresql.conf"), [
    "", `port = ${ports[0]}`, "listen_addresses = ''", `unix_socket_directories = '${d.sock}'`,
    "wal_level = replica", "archive_mode = on", "archive_timeout = 60", "max_wal_senders = 2", "fsync = off",
    `archive_command = 'pgbackrest --config=${conf} --stanza=lf archive-push %p'`, "",
  ].join("\n"));
  await pgCtl(["-D", d.pg, "-l", path.join(tmp, "pg.log"), "-w", "start"]);
  started.push(d.pg);
}, 120_000);

afterAll(async () => {
  for (const dir of started.reverse()) await pgCtl(["-D", dir, "-m", "immediate", "-w", "stop"]).catch(() => {});
  if (tmp && !process.env.LF_KEEP_PITR_TMP) await rm(tmp, { recursive: true, force: true });
}, 60_000);

describe("point-in-time recovery (pgBackRest, two repositories)", () => {
  it("restores to a noted time: A is there and B is not; the WAL archive is in both repositories, verified", async () => {
    const d = dirs();
    const script = (name: string) => path.join(PROJECT_ROOT, "scripts/backup", name);
    await asPostgres("bash", [script("pitr-setup.sh")], env);
    await asPostgres("bash", [script("pitr-base-backup.sh"), "full"], env);

    await q(ports[0]!, "create table pitr_probe (v text not null, at timestamptz not null default clock_timestamp())");
    await q(ports[0]!, "insert into pitr_probe (v) values ('A')");
    await sleep(1100);
    const { rows: [{ t }] } = await q(ports[0]!, "select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00' as t");
    await sleep(1100);
    await q(ports[0]!, "insert into pitr_probe (v) values ('B')");
    // Push the segment holding B to the archive now (what archive_timeout does within 60 s) and wait for it.
    await asPostgres("pgbackrest", ["--stanza=lf", "check"], env);
    await pgCtl(["-D", d.pg, "-m", "fast", "-w", "stop"]);
    started.pop();

    // Both repositories hold the same WAL segments (pgBackRest names each archived segment with its SHA-1)...
    const walFiles = async (repo: string) => {
      const root = path.join(repo, "archive/lf");
      const out: string[] = [];
      for (const v of await readdir(root)) {
        if (!/^\d+-\d+$/.test(v)) continue;
        for (const sub of await readdir(path.join(root, v))) {
          if (/^[0-9A-F]{16}$/.test(sub)) out.push(...(await readdir(path.join(root, v, sub))).filter((f) => /^[0-9A-F]{24}-[0-9a-f]{40}/.test(f)));
        }
      }
      return out.sort();
    };
    const wal1 = await walFiles(d.repo1);
    expect(wal1.length).toBeGreaterThanOrEqual(2);
    expect(await walFiles(d.repo2)).toEqual(wal1);
    // ...and `pgbackrest verify` re-checks every file of both repositories against its recorded checksum.
    await asPostgres("bash", [script("pitr-verify.sh")], { ...env, PITR_REPOS: "1 2" });

    // Restore from the second (cross-region) repository to the noted time and start a new cluster on it.
    await asPostgres("bash", [script("pitr-restore.sh"), "--pgdata", d.restored, "--target-time", t, "--repo", "2"], env);
    await appendFile(path.join(d.restored, "postgresql.auto.conf"), `\nport = ${ports[1]}\narchive_mode = off\n`);
    await pgCtl(["-D", d.restored, "-l", path.join(tmp, "restored.log"), "-w", "-t", "120", "start"]);
    started.push(d.restored);
    for (let i = 0; i < 120; i++) {
      const { rows: [r] } = await q(ports[1]!, "select pg_is_in_recovery() as rec");
      if (!r.rec) break;
      await sleep(250);
    }
    const { rows } = await q(ports[1]!, "select v from pitr_probe order by at");
    expect(rows.map((r) => r.v)).toEqual(["A"]);
    const { rows: [tl] } = await q(ports[1]!, "select pg_is_in_recovery() as rec, timeline_id from pg_control_checkpoint()");
    expect(tl.rec).toBe(false);
  }, 240_000);
});
