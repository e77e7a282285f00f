// npm run bench -- transitions
//
//  1. pgbench tpcb-like, 16 clients (the baseline, same server, same run);
//  2. single transitions: 16 concurrent connections drive executions pending->queued->running->succeeded through
//     app_private.transition_execution (the engines' service path), one transition per transaction (autocommit);
//  2b. coalesced transitions: 64 concurrent callers make single calls through the TypeScript repository's service
//     path (ExecutionsRepository.transition) with group commit on (its defaults, or EXECUTIONS_GROUP_COMMIT_*):
//     the same pending->queued->running->succeeded chains, each call awaiting its own answer;
//  3. batched transitions: app_private.apply_execution_transitions with 1,500 moves per call (500 executions x
//     queued, running, succeeded), 4 concurrent connections;
//  4. history queries: p99 of app_public.execution_history as a signed-in visitor over >= 1,000,000
//     executions spread across 6 daily partitions (team, team+state, workflow, workflow+state, time range, next page).
//  5. metric series: p99 of app_public.execution_metrics_series as a signed-in visitor over 30 days of rollups
//     (10 workflows: hour and day rollups for 30 days, minute rollups for the last 2 days), by workflow and by team.
// Executions used by phases 2, 2b and 3 are created in bulk beforehand (set-based SQL writing the same rows as
// start_execution: pending row, transition seq 1, stream with ExecutionCreated), so only transitions are timed.
import pg from "pg";
import { groupCommitSettings } from "../src/config.ts";
import { createPool } from "../src/db/pool.ts";
import { ExecutionsRepository } from "../src/executions/index.ts";
import { applyCurrentSql, benchRootUrl, flushWrites, freshBenchDatabase, percentile, pgbenchTps, phaseSeconds, printBench } from "./lib.ts";

const CLIENTS = 16;
const COALESCED_CALLERS = 64;
const SERIES_QUERIES = Number(process.env.BENCH_SERIES_QUERIES ?? 500);
const BATCH_EXECUTIONS = 500;
const BATCH_WORKERS = 4;
const HISTORY_ROWS = Number(process.env.BENCH_HISTORY_ROWS ?? 1_000_000);
const HISTORY_QUERIES = 2_000;

/** Creates n pending executions of the workflow (same rows start_execution writes) and returns their ids. */
async function createPending(client: pg.Client | pg.Pool, workflowId: string, n: number): Promise<string[]> {
  const { rows } = await client.query(`
    with w as (select id, team_id, current_version from app_public.workflows where id = $1),
    ids as (select app_public.uuid_generate_v7() as id from generate_series(1, $2)),
    ex as (
      insert into app_public.executions (id, created_at, team_id, workflow_id, workflow_version, state, trigger_type, attempt, version)
      select ids.id, app_hidden.uuid_v7_time(ids.id), w.team_id, w.id, w.current_version, 'pending', 'manual', 1, 1 from ids, w
      returning id, created_at, team_id, workflow_id, workflow_version),
    tr as (
      insert into app_public.execution_transitions (execution_id, execution_created_at, seq, team_id, from_state, to_state, at, reason)
      select id, created_at, 1, team_id, null, 'pending', created_at, 'created' from ex),
    st as (
      insert into app_public.event_streams (id, type, team_id, version) select 'execution-' || id, 'execution', team_id, 1 from ex)
    insert into app_public.events (stream_id, stream_type, stream_version, event_id, type, data, metadata, team_id)
    select 'execution-' || id, 'execution', 1, gen_random_uuid(), 'ExecutionCreated',
           jsonb_build_object('execution_id', id, 'workflow_id', workflow_id, 'team_id', team_id, 'workflow_version', workflow_version,
                              'state', 'pending', 'trigger_type', 'manual', 'attempt', 1, 'created_at', created_at),
           jsonb_build_object('actor', null), team_id
      from ex
    returning data->>'execution_id' as id`, [workflowId, n]);
  return rows.map((r) => r.id as string);
}

async function connect(url: string, n: number): Promise<pg.Client[]> {
  return Promise.all(Array.from({ length: n }, async () => {
    const c = new pg.Client({ connectionString: url, application_name: "bench-transitions" });
    await c.connect();
    return c;
  }));
}

export default async function transitions(): Promise<void> {
  process.env.BENCH_PGBENCH_DB ??= "lf_bench_pgbench_transitions";
  const seconds = phaseSeconds(15);
  const db = await freshBenchDatabase("transitions");
  await applyCurrentSql(db.ownerUrl);
  const admin = new pg.Client({ connectionString: db.ownerUrl });
  await admin.connect();
  try {
    const setup = await admin.query(`
      with u as (insert into app_public.users (email, name) values ('bench@example.com', 'Bench') returning id),
      t as (insert into app_public.teams (slug, name) values ('bench', 'Bench') returning id),
      m as (insert into app_public.team_memberships (team_id, user_id, role) select t.id, u.id, 'owner' from t, u),
      wf as (insert into app_public.workflows (team_id, name, status) select t.id, 'bench', 'active' from t returning id, team_id)
      insert into app_public.workflow_versions (workflow_id, team_id, version, data) select id, team_id, 1, '{}' from wf
      returning workflow_id, team_id, (select id from u) as user_id`);
    const { workflow_id: workflowId, team_id: teamId, user_id: userId } = setup.rows[0];

    // 1. baseline
    const pgbench = await pgbenchTps({ clients: CLIENTS, seconds });
    console.log(`pgbench tpcb-like, ${CLIENTS} clients, ${seconds}s: ${pgbench.toFixed(1)} tps`);

    // 2. single transitions, one per transaction, 16 connections
    const clients = await connect(db.ownerUrl, CLIENTS);
    const perClient = Math.ceil((Math.max(pgbench, 1000) * 1.5 * seconds) / 3 / CLIENTS) + 50;
    const pools: string[][] = [];
    for (let i = 0; i < CLIENTS; i++) pools.push(await createPending(admin, workflowId, perClient));
    await admin.query("analyze app_public.executions, app_public.execution_transitions, app_public.events, app_public.event_streams");
    const STEPS = ["queued", "running", "succeeded"] as const;
    let singleOps = 0;
    let refills = 0;
    const deadline = Date.now() + seconds * 1000;
    const t0 = process.hrtime.bigint();
    await Promise.all(clients.map(async (c, k) => {
      let cursor = 0;
      let step = 0;
      while (Date.now() < deadline) {
        if (cursor >= pools[k]!.length) { refills++; pools[k]!.push(...(await createPending(c, workflowId, 200))); }
        await c.query({
          name: "transition",
          text: "select 1 from app_private.transition_execution($1, $2, $3, null, null, false)",
          values: [pools[k]![cursor], STEPS[step], step === 0 ? "pending" : STEPS[step - 1]],
        });
        singleOps++;
        step++;
        if (step === STEPS.length) { step = 0; cursor++; }
      }
    }));
    const singleTps = singleOps / (Number(process.hrtime.bigint() - t0) / 1e9);
    console.log(`single transitions, ${CLIENTS} clients, ${seconds}s: ${singleTps.toFixed(1)} transitions/s (${singleOps} transitions${refills ? `, ${refills} refills` : ""})`);
    await Promise.all(clients.map((c) => c.end()));

    // 2b. coalesced single calls through the repository (group commit)
    const settings = groupCommitSettings();
    const gcPool = createPool(db.ownerUrl, { max: 20, idleTimeoutMs: 30_000, connectionTimeoutMs: 30_000, statementTimeoutMs: 0, applicationName: "bench-transitions" }, "bench-coalesced");
    const repo = new ExecutionsRepository(gcPool, { kind: "service", actorId: null }, { groupCommit: settings });
    const perCaller = Math.ceil((Math.max(pgbench, 1000) * 8 * seconds) / 3 / COALESCED_CALLERS) + 50;
    const gcPools: string[][] = [];
    for (let i = 0; i < COALESCED_CALLERS; i++) gcPools.push(await createPending(admin, workflowId, perCaller));
    await admin.query("analyze app_public.executions, app_public.execution_transitions, app_public.events, app_public.event_streams");
    let coalescedOps = 0;
    let coalescedFailures = 0;
    const gcDeadline = Date.now() + seconds * 1000;
    const t2 = process.hrtime.bigint();
    await Promise.all(gcPools.map(async (ids) => {
      let cursor = 0;
      let step = 0;
      while (Date.now() < gcDeadline) {
        if (cursor >= ids.length) ids.push(...(await createPending(gcPool, workflowId, 200)));
        try {
          await repo.transition(ids[cursor]!, STEPS[step]!, { expectedFrom: step === 0 ? "pending" : STEPS[step - 1] });
          coalescedOps++;
        } catch {
          coalescedFailures++;
        }
        step++;
        if (step === STEPS.length) { step = 0; cursor++; }
      }
    }));
    const coalescedTps = coalescedOps / (Number(process.hrtime.bigint() - t2) / 1e9);
    await repo.close();
    await gcPool.end();
    console.log(`coalesced transitions, ${COALESCED_CALLERS} callers through ExecutionsRepository (group commit ${JSON.stringify(settings)}): ` +
      `${coalescedTps.toFixed(1)} transitions/s (${coalescedOps} transitions, ${coalescedFailures} refused)`);
    if (coalescedFailures > 0) throw new Error("coalesced transitions were refused: the benchmark is invalid");

    // 3. batched transitions
    const batchClients = await connect(db.ownerUrl, BATCH_WORKERS);
    const batchSeconds = Math.max(5, Math.round(seconds * 0.67));
    const batchesPerWorker = Math.ceil((30_000 * batchSeconds) / (BATCH_EXECUTIONS * 3) / BATCH_WORKERS) + 1;
    const batchPools: string[][][] = [];
    for (let k = 0; k < BATCH_WORKERS; k++) {
      const ids = await createPending(admin, workflowId, BATCH_EXECUTIONS * batchesPerWorker);
      batchPools.push(Array.from({ length: batchesPerWorker }, (_, i) => ids.slice(i * BATCH_EXECUTIONS, (i + 1) * BATCH_EXECUTIONS)));
    }
    await admin.query("analyze app_public.executions, app_public.execution_transitions, app_public.events, app_public.event_streams");
    let batchOps = 0;
    let batchFailures = 0;
    const batchDeadline = Date.now() + batchSeconds * 1000;
    const t1 = process.hrtime.bigint();
    await Promise.all(batchClients.map(async (c, k) => {
      for (let b = 0; b < batchPools[k]!.length && Date.now() < batchDeadline; b++) {
        const items = JSON.stringify(batchPools[k]![b]!.flatMap((id) => STEPS.map((s) => ({ id, to_state: s }))));
        const { rows } = await c.query({ name: "batch", text: "select ok from app_private.apply_execution_transitions($1::jsonb, null, false)", values: [items] });
        batchOps += rows.length;
        batchFailures += rows.filter((r) => !r.ok).length;
      }
    }));
    const batchedTps = batchOps / (Number(process.hrtime.bigint() - t1) / 1e9);
    console.log(`batched transitions, ${BATCH_WORKERS} clients x ${BATCH_EXECUTIONS * 3} per call: ${batchedTps.toFixed(1)} transitions/s (${batchOps} transitions, ${batchFailures} refused)`);
    await Promise.all(batchClients.map((c) => c.end()));
    if (batchFailures > 0) throw new Error("batched transitions were refused: the benchmark is invalid");

    // 4. history over >= 1M executions in 6 daily partitions (20 teams x 10 workflows)
    const th = Date.now();
    await admin.query("select count(*) from app_private.ensure_partitions_between(current_date - 7, current_date)");
    await admin.query(`
      with t as (insert into app_public.teams (slug, name) select 'hist-' || g, 'hist ' || g from generate_series(1, 20) g returning id)
      insert into app_public.team_memberships (team_id, user_id, role) select t.id, $1, 'viewer' from t`, [userId]);
    await admin.query(`
      insert into app_public.workflows (team_id, name, status)
      select t.id, 'hist-wf-' || g, 'active' from app_public.teams t cross join generate_series(1, 10) g where t.slug like 'hist-%'`);
    await admin.query(`
      insert into app_public.workflow_versions (workflow_id, team_id, version, data)
      select id, team_id, 1, '{}' from app_public.workflows where name like 'hist-wf-%'`);
    const wfs = (await admin.query("select id, team_id from app_public.workflows where name like 'hist-wf-%' order by id")).rows as { id: string; team_id: string }[];
    await admin.query("create temp table bench_wf as select row_number() over (order by id) - 1 as n, id, team_id from app_public.workflows where name like 'hist-wf-%'");
    const chunk = 250_000;
    for (let from = 0; from < HISTORY_ROWS; from += chunk) {
      await admin.query(`
        insert into app_public.executions (id, created_at, team_id, workflow_id, workflow_version, state, trigger_type, attempt, version, started_at, finished_at, duration_ms)
        select x.id, x.at, w.team_id, w.id, 1, x.state, 'webhook', 1, 4,
               case when x.state not in ('pending', 'queued') then x.at + interval '1 second' end,
               case when x.state in ('succeeded', 'failed', 'cancelled', 'timed_out', 'crashed') then x.at + interval '3 seconds' end,
               case when x.state in ('succeeded', 'failed', 'cancelled', 'timed_out', 'crashed') then 2000 end
          from (select g, app_private.uuid_v7_at(now() - interval '6 days' + (g::double precision / $2) * interval '6 days' - interval '1 minute') as id,
                       (array['succeeded','succeeded','succeeded','succeeded','succeeded','succeeded','failed','running','cancelled','timed_out','crashed','waiting'])[1 + (hashint4(g) & 2147483647) % 12] as state
                  from generate_series($1::int + 1, least($1::int + $3, $2)) g) s
          cross join lateral (select s.id, app_hidden.uuid_v7_time(s.id) as at, s.state) x
          join bench_wf w on w.n = (hashint4(s.g + 7) & 2147483647) % 200`, [from, HISTORY_ROWS, chunk]);
    }
    await admin.query("analyze app_public.executions");
    const total = Number((await admin.query("select count(*) from app_public.executions")).rows[0].count);
    const parts = Number((await admin.query(`select count(distinct c.relname) from pg_inherits i join pg_class c on c.oid = i.inhrelid
      where i.inhparent = 'app_public.executions'::regclass and c.reltuples > 0`)).rows[0].count);
    console.log(`history data: ${total} executions in ${parts} non-empty daily partitions (generated in ${((Date.now() - th) / 1000).toFixed(0)}s)`);
    await flushWrites(db.rootUrl);

    const visitor = new pg.Client({ connectionString: db.ownerUrl });
    await visitor.connect();
    await visitor.query("select set_config('role', 'linkflow_visitor', false), set_config('jwt.claims.user_id', $1, false)", [userId]);
    const states = ["succeeded", "failed", "running", "cancelled", "crashed"];
    let seed = 42;
    const rand = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
    const sql = "select * from app_public.execution_history($1, $2, $3, $4, $5, $6, $7, $8)";
    const lat: number[] = [];
    let rows = 0;
    for (let i = 0; i < HISTORY_QUERIES + 50; i++) {
      const wf = wfs[rand(wfs.length)]!;
      const shape = i % 6;
      const from = new Date(Date.now() - (1 + rand(5)) * 86400_000);
      const args: unknown[] =
        shape === 0 ? [wf.team_id, null, null, null, null, null, null, 50] :
        shape === 1 ? [wf.team_id, null, states[rand(states.length)], null, null, null, null, 50] :
        shape === 2 ? [null, wf.id, null, null, null, null, null, 50] :
        shape === 3 ? [null, wf.id, states[rand(states.length)], null, null, null, null, 50] :
        shape === 4 ? [wf.team_id, null, null, from, new Date(from.getTime() + 3600_000), null, null, 50] :
        [null, wf.id, null, null, null, null, null, 50];
      const t = process.hrtime.bigint();
      let res = await visitor.query({ name: "history", text: sql, values: args });
      if (shape === 5 && res.rows.length > 0) {
        // the next page after a keyset cursor taken from the middle of the data
        const last = res.rows[res.rows.length - 1];
        const cursorAt = new Date(new Date(last.created_at).getTime() - rand(4 * 86400) * 1000);
        const t2 = process.hrtime.bigint();
        res = await visitor.query({ name: "history", text: sql, values: [null, wf.id, null, null, null, cursorAt, last.id, 50] });
        if (i >= 50) lat.push(Number(process.hrtime.bigint() - t2) / 1e6);
      } else if (i >= 50) {
        lat.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
      rows += res.rows.length;
    }
    await visitor.end();
    const p50 = percentile(lat, 50);
    const p99 = percentile(lat, 99);
    console.log(`history queries (signed-in visitor): ${lat.length} queries, ${rows} rows, p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms`);
    if (rows === 0) throw new Error("history queries returned nothing: the benchmark is invalid");

    // 5. metric series over 30 days of rollups (10 workflows of the bench team), seeded set-based.
    //    The phases above queued one sample per terminal move with no worker running; in production the
    //    execution_metrics_fold task folds the queue every few seconds. Fold it here as the task does (and report
    //    how fast the fold is), so the series reads rollups plus a fresh tail, as it does in production.
    const foldStart = process.hrtime.bigint();
    let folded = 0;
    for (;;) {
      const n = Number((await admin.query("select app_private.fold_execution_metric_samples(50000) as n")).rows[0].n);
      if (n === 0) break;
      folded += n;
    }
    const foldSecs = Number(process.hrtime.bigint() - foldStart) / 1e9;
    console.log(`fold of the queued metric samples (as the execution_metrics_fold task does): ${folded} samples in ${foldSecs.toFixed(2)}s` +
      (folded > 0 ? ` (${Math.round(folded / foldSecs)} samples/s)` : ""));
    await admin.query(`
      insert into app_public.workflows (team_id, name, status) select $1, 'series-wf-' || g, 'active' from generate_series(1, 10) g`, [teamId]);
    await admin.query(`
      insert into app_public.execution_metric_rollups (workflow_id, team_id, granularity, bucket, shard, total, succeeded, failed,
        cancelled, timed_out, crashed, other, duration_count, duration_sum_ms, duration_min_ms, duration_max_ms, duration_histogram,
        node_count, failed_node_count)
      select w.id, w.team_id, g.granularity, b.bucket, 0, 20, 17, 2, 1, 0, 0, 0, 20, 20 * 1500, 40, 9000,
             array_fill(0, array[70]) || array[12, 6, 2] || array_fill(0, array[127]), 200, 4
        from app_public.workflows w
       cross join (values ('minute', interval '2 days', interval '1 minute'), ('hour', interval '30 days', interval '1 hour'),
                          ('day', interval '30 days', interval '1 day')) g(granularity, span, step)
       cross join lateral generate_series(date_trunc(g.granularity, now() - g.span, 'UTC'), now(), g.step) b(bucket)
       where w.name like 'series-wf-%'`);
    // Rollups of the past 30 days have long been vacuumed in production (the visibility map set: the series reads
    // them by an index-only scan); the freshly seeded ones are vacuumed here to match.
    await admin.query("vacuum analyze app_public.execution_metric_rollups");
    await flushWrites(db.rootUrl);
    const seriesWfs = (await admin.query("select id from app_public.workflows where name like 'series-wf-%' order by id")).rows.map((r) => r.id as string);
    const rollups = Number((await admin.query("select count(*) from app_public.execution_metric_rollups")).rows[0].count);
    const seriesVisitor = new pg.Client({ connectionString: db.ownerUrl });
    await seriesVisitor.connect();
    await seriesVisitor.query("select set_config('role', 'linkflow_visitor', false), set_config('jwt.claims.user_id', $1, false)", [userId]);
    const seriesSql = "select * from app_public.execution_metrics_series($1, $2, $3, $4, $5)";
    const seriesLat: number[] = [];
    let points = 0;
    for (let i = 0; i < SERIES_QUERIES + 50; i++) {
      const to = new Date();
      const from = new Date(to.getTime() - 30 * 86400_000);
      const shape = i % 3;
      const args = shape === 0 ? [from, to, "hour", seriesWfs[rand(seriesWfs.length)], null]
        : shape === 1 ? [from, to, "day", seriesWfs[rand(seriesWfs.length)], null]
          : [from, to, "day", null, teamId];
      const t = process.hrtime.bigint();
      const res = await seriesVisitor.query({ name: "series", text: seriesSql, values: args });
      if (i >= 50) seriesLat.push(Number(process.hrtime.bigint() - t) / 1e6);
      points += res.rows.filter((r) => r.total > 0).length;
    }
    await seriesVisitor.end();
    const seriesP99 = percentile(seriesLat, 99);
    console.log(`metric series (signed-in visitor, 30 days, ${rollups} rollup rows): ${seriesLat.length} queries, ${points} non-empty points, ` +
      `p50 ${percentile(seriesLat, 50).toFixed(2)} ms, p99 ${seriesP99.toFixed(2)} ms`);
    if (points === 0) throw new Error("series queries returned no data: the benchmark is invalid");

    console.log(`team ${teamId}: ratio single/pgbench = ${(singleTps / pgbench).toFixed(3)}`);
    printBench("transitions", {
      single_tps: Math.round(singleTps),
      pgbench_tps: Math.round(pgbench),
      ratio: Number((singleTps / pgbench).toFixed(3)),
      coalesced_tps: Math.round(coalescedTps),
      coalesced_ratio: Number((coalescedTps / pgbench).toFixed(3)),
      batched_tps: Math.round(batchedTps),
      history_p99_ms: Number(p99.toFixed(2)),
      series_p99_ms: Number(seriesP99.toFixed(2)),
    });
  } finally {
    await admin.end();
    await db.drop();
    const root = new pg.Client({ connectionString: benchRootUrl() });
    await root.connect();
    await root.query(`drop database if exists ${process.env.BENCH_PGBENCH_DB} with (force)`).catch(() => {});
    await root.end();
  }
}
