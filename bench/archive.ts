// Archive benchmark: >= 100,000 executions (each with 4 transitions and 10 node runs) archived to Parquet+zstd
// on the filesystem store. Measures archived rows/s, compression vs the same rows in PostgreSQL
// (pg_column_size), p99 of a single archived execution fetch (checksum verified on each read), and a
// month-long hot+cold range query (one team, all pages of 500), with the same query before archiving (all
// hot) and pgbench as baselines measured in the same run. BENCH_SCALE (default 1) scales the executions (0.01 for
// a smoke run); the archiver's per-step timings are printed (store overlaps the next group's plan/read/encode).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { runArchiveWithPool } from "../src/archive/archiver.ts";
import { ArchiveReader } from "../src/archive/retrieval.ts";
import { FileSystemStorage } from "../src/storage/fs.ts";
import { applyCurrent } from "../test/harness/template.ts";
import { seedExecutions } from "../test/archive/seed.ts";
import { freshBenchDatabase, latencies, percentile, pgbenchTps, printBench } from "./lib.ts";

export default async function archiveBench(): Promise<void> {
  const total = Number(process.env.BENCH_ARCHIVE_EXECUTIONS ?? Math.round(100_000 * Number(process.env.BENCH_SCALE ?? 1)));
  const teams = 10;
  const coldDays = 40; // days 31..70 ago: archived
  const perDay = Math.ceil(total / teams / coldDays);
  const db = await freshBenchDatabase("archive");
  await applyCurrent(db.ownerUrl);
  const pool = new pg.Pool({ connectionString: db.ownerUrl, max: 4 });
  const dir = await mkdtemp(path.join(tmpdir(), "lf-bench-archive-"));
  const storage = new FileSystemStorage(dir);
  const reader = new ArchiveReader({ pool, storage, encryptionKey: null });
  try {
    const tps = await pgbenchTps({ clients: 1, seconds: 5 });
    console.log(`baseline pgbench tpcb-like 1 client: ${tps.toFixed(0)} tps`);
    let t0 = Date.now();
    const seeded = [];
    const days = Array.from({ length: coldDays }, (_, i) => 31 + i);
    for (let i = 0; i < teams; i++) {
      seeded.push(await seedExecutions(pool, { daysAgo: [...days, 15, 20, 25], perDay, workflows: 3, nodeRuns: 10 }));
    }
    const { rows: [c] } = await pool.query("select count(*)::int n from app_public.executions");
    console.log(`seeded ${c.n} executions (${perDay}/day/team, ${teams} teams) in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    // Settled tables, as in service (and as the search bench does): without this, the listing below runs while
    // autovacuum works through the rows just loaded, and its figure depends on how fast the seed was.
    t0 = Date.now();
    await pool.query("vacuum (analyze) app_public.executions, app_public.execution_transitions, app_public.execution_node_runs");
    console.log(`vacuum analyze ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    // ... and the seed's dirty pages written (as pgbench checkpoints before its runs), so the seed's WAL-triggered
    // checkpoints (it writes about 1 GB of WAL) do not run into the archiver's window
    t0 = Date.now();
    const root = new pg.Client({ connectionString: db.rootUrl });
    await root.connect();
    try { await root.query("checkpoint"); } finally { await root.end(); }
    console.log(`checkpoint ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    const { rows: [rel] } = await pool.query(`select sum(pg_total_relation_size(c.oid))::float8 b from pg_inherits i join pg_class c on c.oid = i.inhrelid
      where i.inhparent in ('app_public.executions'::regclass, 'app_public.execution_transitions'::regclass, 'app_public.execution_node_runs'::regclass)`);

    const team = seeded[0]!.teamId;
    const from = new Date(Date.now() - 45 * 86400_000).toISOString();
    const to = new Date(Date.now() - 14 * 86400_000).toISOString();
    const rangeQuery = async (teamId = team) => {
      let after: string | null = null;
      let n = 0;
      do {
        const p = await reader.listExecutions({ teamId, from, to, limit: 500, after });
        n += p.items.length;
        after = p.next;
      } while (after);
      return n;
    };
    // A serving process is warm: list another team's month first (V8 optimises the reader's row mapping over the
    // first 10-15 listings of a new process; measured by the search helper in session 8), then time this team's.
    const warmTeam = seeded[1]?.teamId ?? team;
    for (let i = 0; i < 15; i++) await rangeQuery(warmTeam);
    const hotRange = await latencies(5, () => rangeQuery());
    const hotRows = await rangeQuery();

    t0 = Date.now();
    const report = await runArchiveWithPool(pool, {
      storage, settings: { hotDays: 30, coldDays: 365, batchSize: 5000, groupRows: 20_000, rowGroupSize: 500, zstdLevel: 9, encryptionKey: null },
    });
    const tm = Object.entries(report.timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}s`).join(", ");
    console.log(`archiver: ${report.planned} batches in ${report.groups} groups; steps: ${tm}`);
    const secs = (Date.now() - t0) / 1000;
    const rowsPerS = report.rows / secs;
    const { rows: [m] } = await pool.query("select count(*)::int batches, sum(row_count)::int rows, sum(bytes)::float8 bytes, sum(pg_bytes)::float8 pg from app_private.archive_batches where state = 'deleted'");
    const compression = 100 * (1 - m.bytes / m.pg);
    console.log(`archived ${m.rows} executions in ${m.batches} batches in ${secs.toFixed(1)}s; files ${(m.bytes / 1e6).toFixed(2)} MB vs rows ${(m.pg / 1e6).toFixed(2)} MB in PostgreSQL (pg_column_size); relations incl. indexes before: ${(rel.b / 1e6).toFixed(1)} MB (${(100 * (1 - m.bytes / rel.b)).toFixed(1)}% smaller as files); partitions dropped: ${report.droppedPartitions.length}`);

    const { rows: ids } = await pool.query("select execution_id from app_private.archived_executions order by random() limit 300");
    const fetch = await latencies(ids.length, (i) => reader.getExecution(ids[i].execution_id));
    const coldRange = await latencies(5, () => rangeQuery());
    const coldRows = await rangeQuery();
    if (coldRows !== hotRows) throw new Error(`range query returned ${coldRows} rows after archiving, ${hotRows} before`);
    console.log(`fetch archived execution: p50 ${percentile(fetch, 50).toFixed(1)} ms, p99 ${percentile(fetch, 99).toFixed(1)} ms (${ids.length} random ids)`);
    console.log(`month-long range query (${coldRows} rows, pages of 500): hot-only before ${percentile(hotRange, 50).toFixed(0)} ms, hot+cold after ${percentile(coldRange, 50).toFixed(0)} ms (median of 5, after 15 warm-up listings of another team's month)`);
    printBench("archive", {
      rows_per_s: Math.round(rowsPerS), compression_pct: Number(compression.toFixed(1)),
      fetch_p99_ms: Number(percentile(fetch, 99).toFixed(1)), range_query_ms: Math.round(percentile(coldRange, 50)),
      range_query_hot_ms: Math.round(percentile(hotRange, 50)), batches: report.planned, groups: report.groups,
    });
  } finally {
    await pool.end();
    await rm(dir, { recursive: true, force: true });
    await db.drop();
  }
}
