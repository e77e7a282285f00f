// Search benchmark (issue 17): >= 2,000,000 executions (20 teams x 100 days, labels on each), the oldest quarter
// archived to Parquet files. Measures p99 of typical searches (by label, by input containment, by error text, by
// state and time) on hot data and spanning hot and cold, the share of a team's cold files in range that a
// selective search reads, and the month listing of the archive bench (ArchiveReader.listExecutions, one team,
// all pages of 500, hot). Baselines in the same run: pgbench tpcb-like (1 client) and the cost of reading the
// month's rows alone (one index range scan, count(*)).
// The output also shows the plans of selective hot searches (indexes used, sequential scans of populated
// partitions: none expected; hot_seq_scans in the last line) and, per kind, the share of cold files in range read.
// BENCH_SCALE (default 1) scales the executions (BENCH_SCALE=0.005 for a smoke run; BENCH_SEARCH_EXECUTIONS sets
// them exactly); BENCH_SEARCH_ITERATIONS (default 100) searches per kind; BENCH_SEARCH_SEED_WORKERS (default 2)
// connections seeding days in parallel.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { runArchiveWithPool } from "../src/archive/archiver.ts";
import { ArchiveReader } from "../src/archive/retrieval.ts";
import { ExecutionSearch, type SearchQuery } from "../src/search/index.ts";
import { FileSystemStorage } from "../src/storage/fs.ts";
import { applyCurrent } from "../test/harness/template.ts";
import { freshBenchDatabase, latencies, percentile, pgbenchTps, printBench } from "./lib.ts";

const TEAMS = 20;
const DAYS = 100;
const HOT_DAYS = 75; // days 76..100 ago (a quarter) are archived

export default async function searchBench(): Promise<void> {
  const total = Number(process.env.BENCH_SEARCH_EXECUTIONS ?? Math.round(2_000_000 * Number(process.env.BENCH_SCALE ?? 1)));
  const iterations = Number(process.env.BENCH_SEARCH_ITERATIONS ?? 100);
  const perDay = Math.max(4, Math.ceil(total / TEAMS / DAYS));
  const db = await freshBenchDatabase("search");
  await applyCurrent(db.ownerUrl);
  const pool = new pg.Pool({ connectionString: db.ownerUrl, max: 4 });
  const dir = await mkdtemp(path.join(tmpdir(), "lf-bench-search-"));
  const storage = new FileSystemStorage(dir);
  const search = new ExecutionSearch({ pool, storage, encryptionKey: null });
  const reader = new ArchiveReader({ pool, storage, encryptionKey: null });
  try {
    const tps = await pgbenchTps({ clients: 1, seconds: 5 });
    console.log(`baseline pgbench tpcb-like 1 client: ${tps.toFixed(0)} tps`);

    // ---- seed: set-based, one statement per day and table, days spread over SEED_WORKERS connections ----
    // Each day is one insert of all teams' executions (one partition per statement), then one insert of their two
    // labels read back from that partition. Ids are version 7 UUIDs built inline from created_at and an md5 of
    // (team, day, n): app_private.uuid_v7_at pins search_path, so it is not inlined and would run as a separate
    // query per row. Workflows are picked from a per-team array (no sub-select per row).
    let t0 = Date.now();
    await pool.query("select count(*) from app_private.ensure_partitions_between(((now() at time zone 'UTC')::date - $1::int), (now() at time zone 'UTC')::date)", [DAYS + 1]);
    await pool.query("insert into app_public.teams (slug, name) select 'bench-search-' || g, 'bench ' || g from generate_series(1, $1::int) g", [TEAMS]);
    await pool.query(`
      insert into app_public.workflows (team_id, name, status) select t.id, 'wf-' || t.slug || '-' || w, 'active' from app_public.teams t, generate_series(1, 5) w;
      insert into app_public.workflow_versions (workflow_id, team_id, version, data) select w.id, w.team_id, 1, '{}' from app_public.workflows w;`);
    const seedDay = async (client: pg.PoolClient, d: number) => {
      await client.query(`
        insert into app_public.executions (id, created_at, team_id, workflow_id, workflow_version, state, trigger_type, input, output, error,
            attempt, version, started_at, finished_at, duration_ms, updated_at)
        select (lpad(to_hex(floor(extract(epoch from x.ts) * 1000)::bigint), 12, '0') || '7' || substr(x.h, 1, 3) || '8' || substr(x.h, 4, 15))::uuid,
               x.ts, x.team_id, x.wf[1 + x.g % 5], 1, x.state, (array['webhook','schedule','manual','event'])[1 + x.g % 4],
               jsonb_build_object('order', jsonb_build_object('id', x.g * 1000 + $1::int, 'total', (x.g % 997) * 1.5),
                 'customer', jsonb_build_object('email', 'c' || (x.g % 5000) || '@example.com', 'tier', (array['gold','silver','free'])[1 + x.g % 3]),
                 'items', jsonb_build_array(jsonb_build_object('sku', 'SKU-' || (x.g % 200), 'qty', 1 + x.g % 5)), 'region', (array['eu','us','ap'])[1 + x.g % 3]),
               case when x.state = 'succeeded' then jsonb_build_object('ok', true, 'status', 200) end,
               case when x.state = 'failed' then jsonb_build_object('message', (array['upstream returned 502', 'timeout after ' || (x.g % 60) || 's calling ledger', 'validation failed for field ' || (x.g % 40)])[1 + x.g % 3], 'node', 'http') end,
               1 + (x.g % 7 = 0)::int, 4, x.ts + interval '1 s', x.ts + interval '2 s' + (x.g % 5000) * interval '1 ms', 1000 + x.g % 5000, x.ts + interval '3 s'
          from (select w.team_id, w.wf, g, case when g % 10 = 0 then 'failed' else 'succeeded' end as state,
                       md5(w.team_id::text || ':' || $1::int || ':' || g) as h,
                       date_trunc('day', now() at time zone 'UTC') at time zone 'UTC' - make_interval(days => $1::int) + (g::float8 / $2::int) * interval '1 day' as ts
                  from (select w.team_id, array_agg(w.id order by w.id) as wf from app_public.workflows w
                          join app_public.teams t on t.id = w.team_id where t.slug like 'bench-search-%' group by w.team_id) w,
                       generate_series(0, $2::int - 1) g) x`, [d, perDay]);
      await client.query(`
        insert into app_public.execution_labels (team_id, execution_id, execution_created_at, key, value)
        select e.team_id, e.id, e.created_at, k.key, case k.key when 'customer' then 'cust-' || (abs(hashtext(e.id::text)) % 2000) else e.input #>> '{order,id}' end
          from app_public.executions e cross join (values ('customer'), ('order')) k(key)
         where e.created_at >= date_trunc('day', now() at time zone 'UTC') at time zone 'UTC' - make_interval(days => $1::int)
           and e.created_at < date_trunc('day', now() at time zone 'UTC') at time zone 'UTC' - make_interval(days => $1::int - 1)`, [d]);
    };
    // The seeding connections are the superuser's with session_replication_role = replica: no trigger fires, so
    // the three foreign-key checks per row (about a third of an insert's time) are skipped -- the rows reference the
    // teams, workflows and versions made above by construction -- and so are the usage statement triggers (as
    // inserts straight into the partitions would skip them): this bench reads no usage counters.
    const workers = Math.max(1, Number(process.env.BENCH_SEARCH_SEED_WORKERS ?? 2));
    const seedPool = new pg.Pool({ connectionString: db.rootUrl, max: workers });
    let nextDay = 1;
    try {
      await Promise.all(Array.from({ length: workers }, async () => {
        const client = await seedPool.connect();
        try {
          await client.query("set session_replication_role = replica");
          for (let d = nextDay++; d <= DAYS; d = nextDay++) await seedDay(client, d);
        } finally { client.release(); }
      }));
    } finally { await seedPool.end(); }
    const seedSecs = (Date.now() - t0) / 1000;
    await pool.query("vacuum analyze app_public.executions, app_public.execution_labels");
    const { rows: [c] } = await pool.query("select count(*)::int n from app_public.executions");
    console.log(`seeded ${c.n} executions (${perDay}/day/team, ${TEAMS} teams, ${DAYS} days) with 2 labels each in ${seedSecs.toFixed(1)}s (${workers} connections), vacuum analyze ${((Date.now() - t0) / 1000 - seedSecs).toFixed(1)}s`);
    const teams = (await pool.query<{ id: string }>("select id from app_public.teams where slug like 'bench-search-%' order by slug")).rows.map((r) => r.id);
    const team = teams[0]!;

    // ---- the month listing of the archive bench (hot), and what reading the rows costs ----
    const from = new Date(Date.now() - 45 * 86400_000).toISOString();
    const to = new Date(Date.now() - 14 * 86400_000).toISOString();
    const rangeQuery = async () => {
      let after: string | null = null;
      let n = 0;
      do {
        const p = await reader.listExecutions({ teamId: team, from, to, limit: 500, after, includeCold: false });
        n += p.items.length;
        after = p.next;
      } while (after);
      return n;
    };
    await rangeQuery();
    const range = await latencies(5, rangeQuery);
    const rangeRows = await rangeQuery();
    const bareQuery = async () => {
      let after: string | null = null;
      do after = (await reader.listExecutions({ teamId: team, from, to, limit: 500, after, includeCold: false, documents: false })).next; while (after);
    };
    await bareQuery();
    const bare = await latencies(5, bareQuery);
    const readRows = await latencies(5, () => pool.query("select count(*) from app_public.executions where team_id = $1 and created_at >= $2 and created_at < $3", [team, from, to]));
    console.log(`month listing (${rangeRows} rows, pages of 500, hot): median ${percentile(range, 50).toFixed(1)} ms, without documents (documents: false) ${percentile(bare, 50).toFixed(1)} ms; reading the rows alone (count) ${percentile(readRows, 50).toFixed(1)} ms`);

    // ---- typical searches ----
    const rnd = (n: number) => Math.floor(Math.random() * n);
    const day = (d: number) => new Date(Date.now() - d * 86400_000).toISOString();
    const g = () => rnd(perDay);
    const kinds: Record<string, (hot: boolean) => SearchQuery> = {
      label: (hot) => ({ labels: { order: String(g() * 1000 + (hot ? 1 + rnd(HOT_DAYS - 1) : HOT_DAYS + 1 + rnd(DAYS - HOT_DAYS - 1))) } }),
      input: (hot) => ({ input: { contains: { order: { id: g() * 1000 + (hot ? 1 + rnd(HOT_DAYS - 1) : HOT_DAYS + 1 + rnd(DAYS - HOT_DAYS - 1)) } } } }),
      error_text: () => ({ error_text: `timeout after ${rnd(60)}s` }),
      state_time: (hot) => { const d = hot ? 2 + rnd(HOT_DAYS - 3) : HOT_DAYS + 2 + rnd(DAYS - HOT_DAYS - 3); return { state: "failed", created_from: day(d), created_before: day(d - 1) }; },
    };
    // The first search of a shape on a connection builds its generic plan (docs/search.md, "Hot side": ~15 ms warm,
    // up to ~200 ms in a new session); a serving process's connections are long-lived, so the timed searches run on
    // warm connections: every kind 10 times on each of the pool's connections first. What a first call costs is
    // measured apart, on a new connection, and reported as first_call_ms (the slowest kind).
    const firstPool = new pg.Pool({ connectionString: db.ownerUrl, max: 1 });
    const firstSearch = new ExecutionSearch({ pool: firstPool, storage, encryptionKey: null });
    let firstCallMs = 0;
    for (const make of Object.values(kinds)) {
      const t = process.hrtime.bigint();
      await firstSearch.search(teams[rnd(TEAMS)]!, { created_from: day(HOT_DAYS - 1), ...make(true) }, { limit: 50, includeCold: false });
      firstCallMs = Math.max(firstCallMs, Number(process.hrtime.bigint() - t) / 1e6);
    }
    await firstPool.end();
    await Promise.all(Array.from({ length: 4 }, async () => {
      for (const make of Object.values(kinds)) {
        for (let i = 0; i < 10; i++) {
          await search.search(teams[rnd(TEAMS)]!, { created_from: day(HOT_DAYS - 1), ...make(true) }, { limit: 50, includeCold: false });
          await search.search(teams[rnd(TEAMS)]!, make(false), { limit: 50 });
        }
      }
    }));
    console.log(`first search of each kind on a new connection (builds its plans): slowest ${firstCallMs.toFixed(1)} ms; then 10 searches of each kind on each of the pool's 4 connections (not timed)`);
    const hotLat: number[] = [];
    const spanLat: number[] = [];
    const shares: number[] = [];
    for (const [kind, make] of Object.entries(kinds)) {
      const hot = await latencies(iterations, () => search.search(teams[rnd(TEAMS)]!, { created_from: day(HOT_DAYS - 1), ...make(true) }, { limit: 50, includeCold: false }));
      const span = await latencies(iterations, async () => {
        const page = await search.search(teams[rnd(TEAMS)]!, make(false), { limit: 50 });
        if ((kind === "label" || kind === "input") && page.cold.batchesInRange > 0) shares.push(page.cold.batchesRead / page.cold.batchesInRange);
      });
      hotLat.push(...hot);
      spanLat.push(...span);
      console.log(`search by ${kind}: hot p50 ${percentile(hot, 50).toFixed(1)} ms p99 ${percentile(hot, 99).toFixed(1)} ms; hot+cold p50 ${percentile(span, 50).toFixed(1)} ms p99 ${percentile(span, 99).toFixed(1)} ms`);
    }

    // ---- plan proof: the statements search_executions_hot runs for selective hot searches (auto_explain, JSON) ----
    // A selective search must use its index: no sequential scan of a populated partition.
    let seqScans = 0;
    {
      const root = new pg.Client({ connectionString: db.rootUrl });
      await root.connect();
      try {
        await root.query("load 'auto_explain'");
        await root.query("set auto_explain.log_min_duration = 0; set auto_explain.log_nested_statements = on; set auto_explain.log_format = 'json'; set auto_explain.log_level = 'notice'; set client_min_messages = 'notice'");
        interface PlanNode { "Node Type": string; "Relation Name"?: string; "Index Name"?: string; Plans?: PlanNode[] }
        const walk = (n: PlanNode, out: PlanNode[] = []): PlanNode[] => { out.push(n); for (const k of n.Plans ?? []) walk(k, out); return out; };
        const populated = new Set((await root.query<{ relname: string }>(
          "select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'app_public.executions'::regclass and c.reltuples > 0")).rows.map((r) => r.relname));
        const selective: Record<string, SearchQuery> = {
          label: kinds.label!(true), input: kinds.input!(true), error_text: kinds.error_text!(true),
          input_path: { input: { matches: `$.order.id == ${g() * 1000 + 2}` } },
        };
        for (const [kind, query] of Object.entries(selective)) {
          const nodes: PlanNode[] = [];
          const onNotice = (msg: { message?: string }) => {
            const text = msg.message ?? "";
            const i = text.indexOf("{");
            if (i < 0) return;
            try {
              const j = JSON.parse(text.slice(i));
              if (/order by (e|l)\.(execution_)?created_at desc, (e|l)\.(execution_)?id desc limit/.test(String(j["Query Text"] ?? ""))) nodes.push(...walk(j.Plan));
            } catch { /* not a plan */ }
          };
          root.on("notice", onNotice);
          try {
            await root.query("select count(*) from app_private.search_executions_hot($1, $2::jsonb, null, null, 50)", [team, JSON.stringify(query)]);
          } finally { root.off("notice", onNotice); }
          const seq = nodes.filter((n) => n["Node Type"] === "Seq Scan" && populated.has(n["Relation Name"] ?? "")).map((n) => n["Relation Name"]!);
          const indexes = [...new Set(nodes.filter((n) => n["Index Name"]).map((n) => n["Index Name"]!.replace(/_p\d{8}_/, "_pDAY_")))];
          seqScans += seq.length;
          console.log(`plan of the hot search by ${kind} ${JSON.stringify(query)}: ${nodes.length} plan nodes, indexes ${indexes.join(", ") || "none"}; sequential scans of populated partitions: ${seq.length ? seq.join(", ") : "none"}`);
        }
      } finally { await root.end(); }
    }

    // ---- archive the oldest quarter, then search again (the span figures above were measured before: redo) ----
    t0 = Date.now();
    const report = await runArchiveWithPool(pool, {
      storage, settings: { hotDays: HOT_DAYS, coldDays: 3650, batchSize: Math.max(perDay, 100), groupRows: 20_000, rowGroupSize: 500, zstdLevel: 3, encryptionKey: null },
    });
    const { rows: [m] } = await pool.query("select count(*)::int batches, coalesce(sum(row_count), 0)::int rows from app_private.archive_batches where state = 'deleted'");
    console.log(`archived ${m.rows} executions in ${m.batches} files in ${((Date.now() - t0) / 1000).toFixed(1)}s (${report.droppedPartitions.length} partitions dropped)`);
    spanLat.length = 0;
    shares.length = 0;
    for (const [kind, make] of Object.entries(kinds)) {
      const kindShares: number[] = [];
      const span = await latencies(iterations, async () => {
        const page = await search.search(teams[rnd(TEAMS)]!, make(false), { limit: 50 });
        if (page.cold.batchesInRange > 0) kindShares.push(page.cold.batchesRead / page.cold.batchesInRange);
      });
      if (kind === "label" || kind === "input") shares.push(...kindShares);
      spanLat.push(...span);
      const share = kindShares.length ? (100 * kindShares.reduce((a, b) => a + b, 0)) / kindShares.length : 0;
      console.log(`search by ${kind} spanning hot and cold (after archiving): p50 ${percentile(span, 50).toFixed(1)} ms p99 ${percentile(span, 99).toFixed(1)} ms; cold files read per query ${share.toFixed(1)}% of those in range (mean of ${kindShares.length} queries)`);
    }
    const coldPct = shares.length ? (100 * shares.reduce((a, b) => a + b, 0)) / shares.length : 0;
    console.log(`selective searches (label, input containment) read ${coldPct.toFixed(1)}% of the team's cold files in range on average`);
    printBench("search", {
      hot_p99_ms: Number(percentile(hotLat, 99).toFixed(1)), span_p99_ms: Number(percentile(spanLat, 99).toFixed(1)),
      cold_files_read_pct: Number(coldPct.toFixed(1)), executions: c.n, month_listing_rows: rangeRows, month_listing_hot_ms: Number(percentile(range, 50).toFixed(1)),
      month_listing_hot_bare_ms: Number(percentile(bare, 50).toFixed(1)), first_call_ms: Number(firstCallMs.toFixed(1)),
      hot_seq_scans: seqScans, pgbench_tps: Math.round(tps),
    });
  } finally {
    await pool.end();
    await rm(dir, { recursive: true, force: true });
    await db.drop();
  }
}
