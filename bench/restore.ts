// `npm run bench -- restore`: logical backup and restore times of a generated database of at least 1 GB
// (BENCH_RESTORE_BYTES), and the resulting RPO/RTO figures.
//   backup_s  = runBackup: pg_dump directory format, 2 jobs, gzip-6, per-table checksums in the same snapshot, upload to storage
//   restore_s = restoreBackup: sha256 verification of every object, pg_restore 2 jobs into a new database, checksum comparison
//   rto_s     = restore_s (the measured time to a verified, usable copy of the database)
//   rpo_s     = archive_timeout of the WAL-archiving configuration (deploy/pgbackrest/postgresql.pitr.conf): the bound on
//               committed data not yet in the archive; logical backups alone would give 24 h.
// Baseline in the same run: pgbench tpcb-like at 8 clients before and after (the machine is shared).
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { runBackup } from "../src/backup/backup.ts";
import { restoreBackup } from "../src/backup/restore.ts";
import { withDatabase } from "../src/config.ts";
import { FileSystemStorage } from "../src/storage/fs.ts";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { benchRootUrl, freshBenchDatabase, pgBin, printBench } from "./lib.ts";

const ARCHIVE_TIMEOUT_S = 60;

async function query(url: string, sql: string, params: unknown[] = []) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try { await c.query("set statement_timeout = 0"); return await c.query(sql, params); } finally { await c.end(); }
}

const PGBENCH_DB = "lf_bench_restore_pgbench"; // our own: other agents' benches drop and recreate lf_bench_pgbench
let pgbenchInit: Promise<void> | null = null;

/** pgbench tpcb-like TPS on our own scratch database (the lib's shared one is recreated by concurrent benches). */
async function pgbenchTps(clients: number, seconds: number): Promise<number> {
  const run = promisify(execFile);
  const url = withDatabase(benchRootUrl(), PGBENCH_DB);
  pgbenchInit ??= (async () => {
    await query(benchRootUrl(), `drop database if exists ${PGBENCH_DB} with (force)`);
    await query(benchRootUrl(), `create database ${PGBENCH_DB}`);
    await run(pgBin("pgbench"), ["-i", "-q", "-s", "16", url], { maxBuffer: 1 << 24 });
  })().catch((e) => { pgbenchInit = null; throw e; });
  await pgbenchInit;
  const { stdout } = await run(pgBin("pgbench"), ["-n", "-b", "tpcb-like", "-c", String(clients), "-j", "2", "-T", String(seconds), url], { maxBuffer: 1 << 24 });
  const m = /tps = ([\d.]+)/.exec(stdout);
  if (!m) throw new Error(`could not parse pgbench output: ${stdout}`);
  return Number(m[1]);
}

/** The shared server's lock table is sometimes exhausted by other sessions' bursts ("out of shared memory"): retry. */
async function retrying<T>(what: string, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try { return await fn(); } catch (e) {
      const text = `${(e as Error).message} ${(e as { stderr?: string }).stderr ?? ""}`;
      if (attempt >= 5 || !/out of shared memory/.test(text)) throw e;
      console.log(`${what}: the server's lock table was full (another session), retrying (${attempt})`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

export default async function bench(): Promise<void> {
  const target = Number(process.env.BENCH_RESTORE_BYTES ?? 1.05e9);
  const db = await freshBenchDatabase("restore");
  const restored = "lf_bench_restore_r";
  const dir = await mkdtemp(path.join(process.env.BACKUP_WORK_DIR ?? os.tmpdir(), "lf-bench-restore-"));
  try {
    const tpsBefore = await retrying("pgbench", () => pgbenchTps(8, 5));
    const g0 = Date.now();
    await query(db.ownerUrl, `
      insert into app_public.teams (name, slug) values ('Bench', 'bench-restore');
      insert into app_public.event_streams (id, type, team_id, version)
        select 'workflow-' || i, 'workflow', (select id from app_public.teams where slug = 'bench-restore'), 0 from generate_series(1, 20000) i`);
    let bytes = 0;
    let batch = 0;
    while (bytes < target) {
      await retrying("generate", () => query(db.ownerUrl, `
        insert into app_public.events (stream_id, stream_type, stream_version, event_id, type, data, metadata, team_id)
        select 'workflow-' || (i % 20000 + 1), 'workflow', $1::bigint * 10 + i / 20000 + 1, gen_random_uuid(), 'WorkflowSaved',
               jsonb_build_object('workflow_id', gen_random_uuid(), 'name', 'workflow ' || i, 'version', i / 20000 + 1,
                                  'settings', jsonb_build_object('retries', i % 5, 'timeout_ms', i % 60000),
                                  'description', repeat(md5(i::text || $1::text), 8)),
               jsonb_build_object('actor', gen_random_uuid(), 'correlation_id', gen_random_uuid()),
               (select id from app_public.teams where slug = 'bench-restore')
          from generate_series(0, 199999) i`, [batch]));
      batch++;
      bytes = Number((await query(db.ownerUrl, "select pg_database_size(current_database()) as b")).rows[0].b);
    }
    await query(db.ownerUrl, "vacuum analyze");
    bytes = Number((await query(db.ownerUrl, "select pg_database_size(current_database()) as b")).rows[0].b);
    const rows = Number((await query(db.ownerUrl, "select count(*) as n from app_public.events")).rows[0].n);
    console.log(`generated ${rows} events, database ${(bytes / 1e9).toFixed(3)} GB in ${((Date.now() - g0) / 1000).toFixed(1)} s`);

    const storage = new FileSystemStorage(path.join(dir, "store"));
    const b = await retrying("backup", () => runBackup({ databaseUrl: db.ownerUrl, storage, format: "directory", jobs: 2, workDir: dir }));
    console.log(`backup: ${b.format}, ${b.tables} tables checksummed, ${(b.sizeBytes / 1e6).toFixed(1)} MB stored (${(100 * b.sizeBytes / bytes).toFixed(1)}% of the database), ${(b.durationMs / 1000).toFixed(1)} s`);

    await query(benchRootUrl(), `drop database if exists ${restored} with (force)`);
    const r = await restoreBackup({ sources: [storage], manifestKey: b.manifestKey, expectedSha256: b.sha256, rootUrl: benchRootUrl(),
      targetDatabase: restored, jobs: 2, workDir: dir });
    const restoredBytes = Number((await query(withDatabase(benchRootUrl(), restored), "select pg_database_size(current_database()) as b")).rows[0].b);
    console.log(`restore: verify+download ${(r.downloadMs / 1000).toFixed(1)} s, pg_restore ${(r.restoreMs / 1000).toFixed(1)} s, total with checksum comparison of ${r.tablesVerified} tables ${(r.totalMs / 1000).toFixed(1)} s; restored database ${(restoredBytes / 1e9).toFixed(3)} GB`);
    const tpsAfter = await retrying("pgbench", () => pgbenchTps(8, 5));
    const restoreS = r.totalMs / 1000;
    console.log(`baseline pgbench tpcb-like 8 clients: ${tpsBefore.toFixed(0)} tps before, ${tpsAfter.toFixed(0)} tps after (shared machine load)`);
    console.log(`RPO: ${ARCHIVE_TIMEOUT_S} s with WAL archiving (archive_timeout), 86400 s with daily logical backups alone (required < 86400)`);
    console.log(`RTO: ${restoreS.toFixed(1)} s for ${(bytes / 1e9).toFixed(2)} GB (required < 14400; target for 1 GB < 300)`);
    printBench("restore", { db_bytes: bytes, backup_s: b.durationMs / 1000, restore_s: restoreS, rpo_s: ARCHIVE_TIMEOUT_S, rto_s: restoreS });
  } finally {
    await query(benchRootUrl(), `drop database if exists ${restored} with (force)`).catch(() => {});
    await query(benchRootUrl(), `drop database if exists ${restored}__restoring with (force)`).catch(() => {});
    await query(benchRootUrl(), `drop database if exists ${PGBENCH_DB} with (force)`).catch(() => {});
    await db.drop().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}
