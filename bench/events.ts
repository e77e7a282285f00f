// `npm run bench -- events`: the event store against pgbench and the peer (Emmett 0.42) in the same run.
//   single-event appends at 16 clients (with and without the NOTIFY wake-up) vs pgbench tpcb-like at 16 clients
//   100-event batch appends; projection catch-up (three read models from 0); end-to-end lag p99 at a steady
//   1,000 events/s; read-model query p99 (visitor, RLS) at 100,000 workflows; Emmett single and batch appends;
//   the same 100-event batches as a plain multi-row INSERT into app_public.events, ids from the store's own generator (uuid_generate_v7) (the baseline of the batched
//   append); a blue/green rebuild of the workflow list over 1,000,000 events (seeded set-based).
//   BENCH_SCALE (default 1) shrinks the data sets for a smoke run (e.g. BENCH_SCALE=0.01 BENCH_SECONDS=1).
import pg from "pg";
import { withDatabase } from "../src/config.ts";
import { ProjectionManager } from "../src/events/manager.ts";
import { rebuildProjection } from "../src/events/rebuild.ts";
import { type Projection, readModelProjections } from "../src/events/projection.ts";
import { projectionLag } from "../src/events/monitoring.ts";
import { applyCurrentSql, freshBenchDatabase, percentile, pgbenchTps, phaseSeconds, printBench, throughput } from "./lib.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function clients(url: string, n: number, setup?: string): Promise<pg.Client[]> {
  return Promise.all(Array.from({ length: n }, async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    if (setup) await c.query(setup);
    return c;
  }));
}

export default async function events(): Promise<void> {
  const S = phaseSeconds(8);
  const SCALE = Number(process.env.BENCH_SCALE ?? 1);
  if (!(SCALE > 0 && SCALE <= 1)) throw new Error("BENCH_SCALE must be in (0, 1]");
  const db = await freshBenchDatabase("events");
  await applyCurrentSql(db.ownerUrl); // the work in progress (migrations/current/), a no-op once committed
  const url = db.ownerUrl;
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();

  // ---- read-model data set: 100,000 workflows in 1,000 teams, 100,000 executions; contract events only ----
  const WORKFLOWS = Math.round(100_000 * SCALE), TEAMS = Math.max(10, Math.round(1_000 * SCALE));
  await setup.query(`
    insert into app_public.users (id, email, name)
      select ('00000000-0000-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, 'u' || i || '@bench.example', 'u' || i from generate_series(1, ${TEAMS}) i;
    insert into app_public.teams (id, slug, name)
      select ('00000000-0000-7000-9000-' || lpad(to_hex(i), 12, '0'))::uuid, 'team-' || i, 'team ' || i from generate_series(1, ${TEAMS}) i;
    insert into app_public.team_memberships (team_id, user_id, role)
      select ('00000000-0000-7000-9000-' || lpad(to_hex(i), 12, '0'))::uuid, ('00000000-0000-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, 'editor' from generate_series(1, ${TEAMS}) i;`);
  const t0 = Date.now();
  await setup.query(`
    create temporary table wf as
      select i, gen_random_uuid() as id, ('00000000-0000-7000-9000-' || lpad(to_hex(1 + i % ${TEAMS}), 12, '0'))::uuid as team_id, gen_random_uuid() as ex
        from generate_series(1, ${WORKFLOWS}) i;
    insert into app_public.event_streams (id, type, team_id, version) select 'workflow-' || id, 'workflow', team_id, 2 from wf;
    insert into app_public.event_streams (id, type, team_id, version) select 'execution-' || ex, 'execution', team_id, 2 from wf;
    insert into app_public.events (stream_id, stream_type, stream_version, event_id, type, data, metadata, team_id)
      select s.stream_id, s.stream_type, s.stream_version, gen_random_uuid(), s.t, s.d, '{}'::jsonb, wf.team_id from wf, lateral (values
        ('workflow-' || id, 'workflow', 1, 'WorkflowCreated', jsonb_build_object('workflow_id', id, 'team_id', team_id, 'name', 'workflow ' || i, 'description', '', 'status', 'draft', 'settings', '{}'::jsonb, 'tags', '[]'::jsonb, 'version', 1)),
        ('workflow-' || id, 'workflow', 2, 'WorkflowStatusChanged', jsonb_build_object('workflow_id', id, 'team_id', team_id, 'status', 'active', 'previous_status', 'draft', 'version', 1)),
        ('execution-' || ex, 'execution', 1, 'ExecutionCreated', jsonb_build_object('execution_id', ex, 'workflow_id', id, 'team_id', team_id, 'workflow_version', 1, 'state', 'pending', 'trigger_type', 'manual', 'attempt', 1, 'created_at', now())),
        ('execution-' || ex, 'execution', 2, 'ExecutionStateChanged', jsonb_build_object('execution_id', ex, 'workflow_id', id, 'team_id', team_id, 'from_state', 'pending', 'to_state', case when i % 5 = 0 then 'failed' else 'succeeded' end, 'seq', 1, 'at', now(), 'attempt', 1, 'duration_ms', i % 1000))
      ) s(stream_id, stream_type, stream_version, t, d);
    analyze app_public.events;`);
  const logEvents = Number((await setup.query("select count(*) from app_public.events")).rows[0].count);
  console.log(`seeded ${logEvents} contract events (${WORKFLOWS} workflows) in ${((Date.now() - t0) / 1000).toFixed(1)}s`);

  // ---- projection catch-up from zero: three read models concurrently ----
  const catchStart = Date.now();
  const manager = new ProjectionManager({ connectionString: url, projections: readModelProjections(), batchSize: 5000, pollIntervalMs: 50, listen: false });
  await manager.start();
  for (;;) {
    const lag = await projectionLag(setup);
    if (lag.length === 3 && lag.every((l) => l.eventsBehind === 0)) break;
    await sleep(100);
  }
  const catchSecs = (Date.now() - catchStart) / 1000;
  const catchup = logEvents / catchSecs;
  await manager.stop();
  console.log(`catch-up: 3 read models over ${logEvents} events in ${catchSecs.toFixed(2)}s = ${catchup.toFixed(0)} events/s (per projection)`);
  await setup.query("analyze app_public.workflow_list");

  // ---- read-model query p99 as a visitor (RLS) at 100,000 workflows ----
  const [reader] = await clients(url, 1);
  const qlat: number[] = [];
  for (let i = 0; i < 3000; i++) {
    const team = 1 + (i * 37) % TEAMS;
    const user = `00000000-0000-7000-8000-${team.toString(16).padStart(12, "0")}`;
    await reader!.query("begin");
    await reader!.query("select set_config('role', 'linkflow_visitor', true), set_config('jwt.claims.user_id', $1, true)", [user]);
    const tq = process.hrtime.bigint();
    const r = await reader!.query(
      "select workflow_id, name, status, version, last_execution_state, execution_count, success_rate from app_public.workflow_list where team_id = $1 order by updated_at desc, workflow_id limit 20",
      [`00000000-0000-7000-9000-${team.toString(16).padStart(12, "0")}`]);
    qlat.push(Number(process.hrtime.bigint() - tq) / 1e6);
    await reader!.query("commit");
    if (i === 0 && r.rowCount !== 20) throw new Error(`expected 20 rows for a team, got ${r.rowCount}`);
  }
  await reader!.end();
  const readmodelP99 = percentile(qlat.slice(200), 99);
  console.log(`read model (workflow_list of one team, visitor + RLS, 100k workflows): p50 ${percentile(qlat, 50).toFixed(3)} ms p99 ${readmodelP99.toFixed(3)} ms`);

  // ---- blue/green rebuild of the workflow list over 1,000,000 events (the log topped up set-based) ----
  const REBUILD_EVENTS = Math.round(1_000_000 * SCALE);
  const have = Number((await setup.query("select count(*) from app_public.events")).rows[0].count);
  const extra = Math.max(0, Math.ceil((REBUILD_EVENTS - have) / 2));
  const tSeed = Date.now();
  await setup.query(`
    create temporary table ex2 as
      select gen_random_uuid() as ex, wf.id, wf.team_id, g from generate_series(1, ${extra}) g join wf on wf.i = 1 + g % ${WORKFLOWS};
    insert into app_public.event_streams (id, type, team_id, version) select 'execution-' || ex, 'execution', team_id, 2 from ex2;
    insert into app_public.events (stream_id, stream_type, stream_version, event_id, type, data, metadata, team_id)
      select 'execution-' || x.ex, 'execution', v.n, gen_random_uuid(), v.t, v.d, '{}'::jsonb, x.team_id from ex2 x, lateral (values
        (1, 'ExecutionCreated', jsonb_build_object('execution_id', x.ex, 'workflow_id', x.id, 'team_id', x.team_id, 'workflow_version', 1, 'state', 'pending', 'trigger_type', 'manual', 'attempt', 1, 'created_at', now())),
        (2, 'ExecutionStateChanged', jsonb_build_object('execution_id', x.ex, 'workflow_id', x.id, 'team_id', x.team_id, 'from_state', 'pending', 'to_state', case when x.g % 7 = 0 then 'failed' else 'succeeded' end, 'seq', 1, 'at', now(), 'attempt', 1, 'duration_ms', x.g % 1000))
      ) v(n, t, d);
    analyze app_public.events;`);
  const rebuildLog = Number((await setup.query("select count(*) from app_public.events")).rows[0].count);
  console.log(`rebuild log: ${rebuildLog} events (${2 * extra} seeded in ${((Date.now() - tSeed) / 1000).toFixed(1)}s)`);
  const wfList = readModelProjections().find((p) => p.name === "workflow_list")!;
  const rebuilt = await rebuildProjection({ connectionString: url, projection: wfList, batchSize: 20_000 });
  console.log(`blue/green rebuild of workflow_list over ${rebuildLog} events: ${rebuilt.seconds.toFixed(2)} s (${(rebuildLog / rebuilt.seconds).toFixed(0)} events/s, ${rebuilt.batches} batches)`);
  const { rows: [check] } = await setup.query(`select (select sum(execution_count) from app_public.workflow_list)::bigint as counted,
    (select count(*) from app_public.events where type = 'ExecutionCreated')::bigint as created`);
  if (check.counted !== check.created) throw new Error(`rebuilt workflow_list counts ${check.counted} executions, the log has ${check.created}`);

  // ---- pgbench baseline, same run ----
  const pgbench = await pgbenchTps({ clients: 16, seconds: S });
  console.log(`pgbench tpcb-like 16 clients: ${pgbench.toFixed(0)} tps`);

  // ---- single-event appends at 16 clients ----
  const single = async (notify: boolean) => {
    const cs = await clients(url, 16, notify ? undefined : "set linkflow.events_notify = off");
    const tps = await throughput(16, S, async (w, i) => {
      await cs[w]!.query("select app_private.append_events($1, 'bench', null, $2::jsonb, null)",
        [`single-${w}-${i % 500}`, `[{"type":"BenchEvent","data":{"w":${w},"i":${i}},"metadata":{"actor":null}}]`]);
    });
    await Promise.all(cs.map((c) => c.end()));
    return tps;
  };
  const appendNotify = await single(true);
  console.log(`single-event appends, 16 clients, NOTIFY on (default): ${appendNotify.toFixed(0)} appends/s (${(appendNotify / pgbench).toFixed(2)}x pgbench)`);
  const appendQuiet = await single(false);
  console.log(`single-event appends, 16 clients, NOTIFY off (linkflow.events_notify=off): ${appendQuiet.toFixed(0)} appends/s (${(appendQuiet / pgbench).toFixed(2)}x pgbench)`);

  // ---- 100-event batch appends ----
  const batchPayload = JSON.stringify(Array.from({ length: 100 }, (_, k) => ({ type: "BenchEvent", data: { k, payload: "x".repeat(64) }, metadata: { actor: null } })));
  const bcs = await clients(url, 8);
  const batchEps = await throughput(8, S, async (w, i) => {
    await bcs[w]!.query("select count(*) from app_private.append_events($1, 'bench', null, $2::jsonb, null)", [`batch-${w}-${i % 100}`, batchPayload]);
    return 100;
  });
  await Promise.all(bcs.map((c) => c.end()));
  console.log(`100-event batch appends, 8 clients: ${batchEps.toFixed(0)} events/s`);

  // ---- baseline: the same 100 rows as one plain multi-row INSERT into app_public.events (same indexes) ----
  const batchRows = JSON.parse(batchPayload) as { type: string; data: unknown; metadata: unknown }[];
  const insertSql = `insert into app_public.events (stream_id, stream_type, stream_version, event_id, type, data, metadata) values ${
    batchRows.map((_, k) => `($1, 'bench', $2::bigint + ${k + 1}, app_public.uuid_generate_v7(), $${3 + k * 3}, $${4 + k * 3}::jsonb, $${5 + k * 3}::jsonb)`).join(", ")}`;
  const insertParams = batchRows.flatMap((r) => [r.type, JSON.stringify(r.data), JSON.stringify(r.metadata)]);
  await setup.query("insert into app_public.event_streams (id, type) select 'insert-' || w, 'bench' from generate_series(0, 7) w");
  const ics = await clients(url, 8);
  const insertEps = await throughput(8, S, async (w, i) => {
    await ics[w]!.query(insertSql, [`insert-${w}`, i * 100, ...insertParams]);
    return 100;
  });
  await Promise.all(ics.map((c) => c.end()));
  console.log(`plain 100-row INSERT into app_public.events, 8 clients: ${insertEps.toFixed(0)} events/s (batch append = ${(batchEps / insertEps).toFixed(2)}x)`);

  // ---- end-to-end lag at a steady 1,000 events/s (NOTIFY wake-up, 3 read models + a probe projection) ----
  const sentAt = new Map<string, number>();
  const lags: number[] = [];
  const probe: Projection = {
    name: "bench_probe", tables: [], needsEvents: true,
    async handle(batch) {
      const now = performance.now();
      for (const e of batch.events) {
        const t = sentAt.get(String(e.data.probe));
        if (t !== undefined) { lags.push(now - t); sentAt.delete(String(e.data.probe)); }
      }
    },
    async reset() {},
  };
  await setup.query("insert into app_private.projection_checkpoints (name, transaction_id, global_position) select 'bench_probe', max(transaction_id), max(global_position) from app_public.events");
  const live = new ProjectionManager({ connectionString: url, projections: [...readModelProjections(), probe], batchSize: 2000, pollIntervalMs: 100 });
  await live.start();
  await sleep(500);
  const LAG_CLIENTS = 16;
  const lcs = await clients(url, LAG_CLIENTS);
  const RATE = 1000, perClientEveryMs = LAG_CLIENTS * 1000 / RATE;
  const lagDeadline = Date.now() + S * 1000;
  let sent = 0;
  // The horizon is cluster-wide: sample how old the oldest open writer is (any database on this server).
  let maxWriterSecs = 0;
  const horizonSampler = (async () => {
    while (Date.now() < lagDeadline) {
      const { rows } = await setup.query("select coalesce(max(extract(epoch from clock_timestamp() - xact_start)), 0)::float8 as s from pg_stat_activity where backend_xid is not null");
      maxWriterSecs = Math.max(maxWriterSecs, rows[0].s);
      await sleep(200);
    }
  })();
  await Promise.all(lcs.map(async (c, w) => {
    let next = performance.now() + w * (perClientEveryMs / LAG_CLIENTS);
    for (let i = 0; Date.now() < lagDeadline; i++) {
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      next += perClientEveryMs;
      const id = `${w}-${i}`;
      const wf = `lag-${w}-${i % 50}`;
      sentAt.set(id, performance.now()); // measured from the start of the append call: includes its commit
      await c.query("select app_private.append_events($1, 'bench', null, $2::jsonb, null)",
        [wf, JSON.stringify([{ type: "BenchEvent", data: { probe: id } }])]);
      sent++;
    }
  }));
  await horizonSampler;
  const lagWait = Date.now() + 60_000;
  while (sentAt.size > 0 && Date.now() < lagWait) await sleep(50);
  await live.stop();
  await Promise.all(lcs.map((c) => c.end()));
  const offered = sent / S;
  const lagP99 = percentile([...lags, ...Array.from({ length: sentAt.size }, () => 10_000)], 99); // never applied counts as 10 s
  console.log(`end-to-end lag at ${offered.toFixed(0)} events/s offered: p50 ${percentile(lags, 50).toFixed(1)} ms p99 ${lagP99.toFixed(1)} ms (${lags.length} events, ${sentAt.size} never applied); oldest open writer on the server during the phase: ${maxWriterSecs.toFixed(1)} s`);

  // ---- the peer: Emmett 0.42 (its own schema, in its own database on the same server) ----
  const emmettDb = "lf_bench_events_emmett";
  await setup.query(`drop database if exists ${emmettDb} with (force)`).catch(() => {});
  const root = new pg.Client({ connectionString: db.rootUrl });
  await root.connect();
  await root.query(`drop database if exists ${emmettDb} with (force)`);
  await root.query(`create database ${emmettDb}`);
  await root.end();
  // Emmett's internal pool has no error listener: a connection terminated from outside (another session's
  // DROP DATABASE ... FORCE or pg_terminate_backend on this shared server) would crash the run. Log instead.
  const onPoolError = (e: unknown) => {
    if ((e as { code?: string }).code === "57P01") console.log("(an Emmett pool connection was terminated from outside; continuing)");
    else throw e;
  };
  process.on("uncaughtException", onPoolError);
  const { getPostgreSQLEventStore } = await import("@event-driven-io/emmett-postgresql");
  const emmett = getPostgreSQLEventStore(withDatabase(db.rootUrl, emmettDb));
  await emmett.appendToStream("warmup", [{ type: "BenchEvent", data: { w: 0 } }] as never);
  const emSingle = await throughput(16, S, async (w, i) => {
    await emmett.appendToStream(`single-${w}-${i % 500}`, [{ type: "BenchEvent", data: { w, i } }] as never);
  });
  console.log(`Emmett single-event appends, 16 concurrent: ${emSingle.toFixed(0)} appends/s (${(emSingle / pgbench).toFixed(2)}x pgbench)`);
  const emEvents = Array.from({ length: 100 }, (_, k) => ({ type: "BenchEvent", data: { k, payload: "x".repeat(64) } }));
  const emBatch = await throughput(8, S, async (w, i) => {
    await emmett.appendToStream(`batch-${w}-${i % 100}`, emEvents as never);
    return 100;
  });
  console.log(`Emmett 100-event batch appends, 8 concurrent: ${emBatch.toFixed(0)} events/s`);
  await emmett.close();
  const root2 = new pg.Client({ connectionString: db.rootUrl });
  await root2.connect();
  await root2.query(`drop database if exists ${emmettDb} with (force)`);
  await root2.end();
  await sleep(200); // Emmett's pool sees its idle connections terminated by the drop: let that pass, then unhook
  process.off("uncaughtException", onPoolError);
  await setup.end();

  printBench("events", {
    append_notify_off_tps: appendQuiet,
    lag_oldest_writer_s: maxWriterSecs,
    emmett_append_tps: emSingle,
    emmett_batch_events_per_s: emBatch,
    append_tps: appendNotify,
    pgbench_tps: pgbench,
    append_ratio: appendNotify / pgbench,
    batch_events_per_s: batchEps,
    insert_events_per_s: insertEps,
    batch_vs_insert: batchEps / insertEps,
    batch_vs_emmett: batchEps / emBatch,
    rebuild_1m_s: rebuilt.seconds,
    rebuild_events: rebuildLog,
    catchup_events_per_s: catchup,
    lag_p99_ms: lagP99,
    readmodel_p99_ms: readmodelP99,
  });
}
