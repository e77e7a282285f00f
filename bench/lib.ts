// Benchmark plumbing shared by every bench/<name>.ts: connection setup, pgbench baseline, latency stats and
// the final `BENCH <name> key=value ...` line.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import pg from "pg";
import { withCredentials, withDatabase } from "../src/config.ts";
import { currentMigrationSql, migrateUp } from "../src/db/migrate.ts";
import { ensureRoles, ROLES } from "../src/db/roles.ts";

const run = promisify(execFile);

/** Superuser URL of the server benchmarks run against: BENCH_DATABASE_URL, TEST_DATABASE_URL or local postgres. */
export function benchRootUrl(): string {
  return process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
}

export function pgBin(name: string): string {
  for (const dir of [process.env.PG_BIN_DIR, "/usr/lib/postgresql/18/bin", "/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin"]) {
    if (dir && existsSync(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return name;
}

/** A fresh, migrated database for one benchmark (dropped and recreated each run). Returns the owner URL. */
export async function freshBenchDatabase(name: string): Promise<{ ownerUrl: string; rootUrl: string; authUrl: string; drop(): Promise<void> }> {
  const rootUrl = benchRootUrl();
  const ownerPassword = process.env.DATABASE_OWNER_PASSWORD ?? "linkflow_owner";
  const authPassword = process.env.DATABASE_AUTHENTICATOR_PASSWORD ?? "linkflow_authenticator";
  await ensureRoles(rootUrl, { ownerPassword, authenticatorPassword: authPassword });
  const db = `lf_bench_${name}`;
  const c = new pg.Client({ connectionString: rootUrl });
  await c.connect();
  await c.query(`drop database if exists ${db} with (force)`);
  await c.query(`create database ${db} owner ${ROLES.owner}`);
  await c.end();
  const ownerUrl = withCredentials(withDatabase(rootUrl, db), ROLES.owner, ownerPassword);
  await migrateUp(ownerUrl);
  return {
    ownerUrl,
    rootUrl: withDatabase(rootUrl, db),
    authUrl: withCredentials(withDatabase(rootUrl, db), ROLES.authenticator, authPassword),
    async drop() {
      // BENCH_KEEP_DB=1 keeps the database for inspection after the run (EXPLAIN, pg_stat_statements)
      if (process.env.BENCH_KEEP_DB === "1") { console.log(`kept database ${db} (BENCH_KEEP_DB=1)`); return; }
      const c2 = new pg.Client({ connectionString: rootUrl });
      await c2.connect();
      await c2.query(`drop database if exists ${db} with (force)`);
      await c2.end();
    },
  };
}

/** Applies the work in progress (migrations/current/) on top of the committed migrations (a no-op once committed). */
export async function applyCurrentSql(ownerUrl: string): Promise<void> {
  const sql = await currentMigrationSql();
  if (!sql) return;
  const c = new pg.Client({ connectionString: ownerUrl });
  await c.connect();
  try { await c.query("begin"); await c.query(sql); await c.query("commit"); } finally { await c.end(); }
}

/** pgbench tpcb-like TPS against a scratch database on the same server (initialised once per process). */
let pgbenchReady: Promise<string> | null = null;
export async function pgbenchTps(opts: { clients: number; seconds: number; builtin?: "tpcb-like" | "simple-update" | "select-only" }): Promise<number> {
  const rootUrl = benchRootUrl();
  // BENCH_PGBENCH_DB: a per-benchmark scratch database, so benchmarks run at the same time on a shared server do
  // not drop each other's pgbench tables.
  const pgbenchDb = process.env.BENCH_PGBENCH_DB ?? "lf_bench_pgbench";
  pgbenchReady ??= (async () => {
    const c = new pg.Client({ connectionString: rootUrl });
    await c.connect();
    await c.query(`drop database if exists ${pgbenchDb} with (force)`);
    await c.query(`create database ${pgbenchDb}`);
    await c.end();
    const url = withDatabase(rootUrl, pgbenchDb);
    await run(pgBin("pgbench"), ["-i", "-q", "-s", "16", url], { maxBuffer: 1 << 24 });
    return url;
  })();
  const url = await pgbenchReady;
  const threads = Math.min(opts.clients, 2);
  const { stdout } = await run(pgBin("pgbench"), [
    "-n", "-b", opts.builtin ?? "tpcb-like", "-c", String(opts.clients), "-j", String(threads), "-T", String(opts.seconds), url,
  ], { maxBuffer: 1 << 24 });
  const m = /tps = ([\d.]+) \((?:without initial connection time|excluding connections establishing)\)/.exec(stdout) ?? /tps = ([\d.]+)/.exec(stdout);
  if (!m) throw new Error(`could not parse pgbench output:\n${stdout}`);
  return Number(m[1]);
}

export function percentile(sortedOrNot: number[], p: number): number {
  if (sortedOrNot.length === 0) return NaN;
  const s = [...sortedOrNot].sort((a, b) => a - b);
  const idx = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[idx]!;
}

/** Runs fn n times sequentially and returns latencies in milliseconds. */
export async function latencies(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await fn(i);
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return out;
}

/** Runs `workers` concurrent loops of fn for `seconds`; returns completed operations per second. */
export async function throughput(workers: number, seconds: number, fn: (worker: number, i: number) => Promise<number | void>): Promise<number> {
  const deadline = Date.now() + seconds * 1000;
  let ops = 0;
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: workers }, async (_, w) => {
    for (let i = 0; Date.now() < deadline; i++) {
      const n = await fn(w, i);
      ops += typeof n === "number" ? n : 1;
    }
  }));
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  return ops / secs;
}

export const round = (n: number, digits = 3) => Number(n.toFixed(digits));

/** Prints the closing line every benchmark ends with. */
export function printBench(name: string, values: Record<string, number | string>): void {
  const parts = Object.entries(values).map(([k, v]) => `${k}=${typeof v === "number" ? round(v) : v}`);
  console.log(`BENCH ${name} ${parts.join(" ")}`);
}

/** Seconds per measured phase; BENCH_SECONDS shortens or lengthens every bench. */
export const phaseSeconds = (def: number) => Number(process.env.BENCH_SECONDS ?? def);

/** CHECKPOINT as the superuser: a measured phase after a large seed should not share the disk with that seed's
 * checkpoint (on these machines a forced checkpoint of ~1 GB stalls random queries for hundreds of ms). */
export async function flushWrites(rootUrl: string): Promise<void> {
  const c = new pg.Client({ connectionString: rootUrl });
  await c.connect();
  try {
    await c.query("checkpoint");
  } finally {
    await c.end();
  }
}
