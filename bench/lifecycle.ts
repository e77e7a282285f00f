// Lifecycle benchmark (issue 16): a retention pass over BENCH_LIFECYCLE_EXECUTIONS executions (default
// 1,000,000; BENCH_SCALE scales it, 0.001 for a smoke run) under per-team policies — node outputs trimmed,
// executions archived to Parquet on the filesystem store, expired cold batches deleted, all in one pass — and
// a bulk cancel of BENCH_LIFECYCLE_BULK running executions (default 100,000) through the worker's batches
// (app_private.bulk_action_step -> the transition engine). Baselines in the same run: pgbench tpcb-like with
// 1 client, and one direct call of the batched engine (apply_execution_transitions, 10,000 cancels) so
// the bulk action's cost over the engine it goes through shows.
// Last line: BENCH lifecycle retention_per_s=<n> bulk_cancel_per_s=<n> ...
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { foldUsage, LifecycleRepository, runBulkAction, runRetentionPass } from "../src/lifecycle/index.ts";
import { FileSystemStorage } from "../src/storage/fs.ts";
import { makeTeam, makeUser, makeWorkflow } from "../test/harness/fixtures.ts";
import { ensurePastPartitions } from "../test/archive/seed.ts";
import { seedRetentionHistory } from "./support/lifecycle-seed.ts";
import { applyCurrentSql, freshBenchDatabase, pgbenchTps, printBench } from "./lib.ts";

/**
 * n running executions of one workflow created set-based as start_execution and two moves would have left them:
 * rows, the legal transition chain, and each execution's event stream ("execution-<id>" at version 3:
 * ExecutionCreated, then ExecutionStateChanged to queued and to running). The stream matters: the engine appends
 * to it, and a missing stream would send every cancel through the event store's stream-creating path.
 */
async function seedRunning(seedPool: pg.Pool, teamId: string, workflowId: string, n: number): Promise<void> {
  for (let done = 0; done < n; done += 50_000) {
    const k = Math.min(50_000, n - done);
    await seedPool.query(`
      with e as (
        insert into app_public.executions (id, created_at, team_id, workflow_id, workflow_version, state, trigger_type, attempt, version, started_at, updated_at)
        select x.id, app_hidden.uuid_v7_time(x.id), $1, $2, 1, 'running', 'webhook', 1, 3, app_hidden.uuid_v7_time(x.id), app_hidden.uuid_v7_time(x.id)
          from (select app_private.uuid_v7_at(now() - interval '2 hours' + ($4::int + g) * interval '1 millisecond') as id from generate_series(1, $3::int) g) x
        returning id, created_at, team_id, workflow_id
      ), t as (
        insert into app_public.execution_transitions (execution_id, execution_created_at, seq, team_id, from_state, to_state, at)
        select e.id, e.created_at, s.seq, e.team_id, s.f, s.t, e.created_at
          from e cross join (values (1, null, 'pending'), (2, 'pending', 'queued'), (3, 'queued', 'running')) s(seq, f, t)
      ), st as (
        insert into app_public.event_streams (id, type, team_id, version, created_at, updated_at)
        select 'execution-' || e.id, 'execution', e.team_id, 3, e.created_at, e.created_at from e
      )
      insert into app_public.events (stream_id, stream_type, stream_version, event_id, type, data, metadata, team_id, created_at)
      select 'execution-' || e.id, 'execution', v.n, app_public.uuid_generate_v7(), v.type,
             jsonb_build_object('execution_id', e.id, 'workflow_id', e.workflow_id, 'team_id', e.team_id, 'state', v.state, 'attempt', 1),
             '{}', e.team_id, e.created_at
        from e cross join (values (1, 'ExecutionCreated', 'pending'), (2, 'ExecutionStateChanged', 'queued'), (3, 'ExecutionStateChanged', 'running')) v(n, type, state)`,
      [teamId, workflowId, k, done]);
  }
  await seedPool.query("analyze app_public.executions, app_public.execution_transitions, app_public.event_streams, app_public.events");
}

/**
 * Recounts the seeded teams' usage (the seed bypassed the counting triggers) and folds it. The teams are recounted
 * two at a time (a scan of each team's rows, about 2.5 s per 20,000 executions with their children; the machine
 * has two cores).
 */
async function reconcileUsage(pool: pg.Pool, teamIds: string[]): Promise<void> {
  const queue = [...teamIds];
  await Promise.all([0, 1].map(async () => {
    for (let t = queue.shift(); t !== undefined; t = queue.shift()) await pool.query("select * from app_private.reconcile_team_usage($1)", [t]);
  }));
  await foldUsage(pool);
}

export default async function lifecycleBench(): Promise<void> {
  const scale = Number(process.env.BENCH_SCALE ?? 1);
  const total = Number(process.env.BENCH_LIFECYCLE_EXECUTIONS ?? Math.max(100, Math.round(1_000_000 * scale)));
  const bulkN = Number(process.env.BENCH_LIFECYCLE_BULK ?? Math.max(100, Math.round(100_000 * scale)));
  const teams = 10;
  const days = 60; // 1..60 days ago
  const perDay = Math.max(1, Math.ceil(total / teams / days));
  const db = await freshBenchDatabase("lifecycle");
  await applyCurrentSql(db.ownerUrl);
  const pool = new pg.Pool({ connectionString: db.ownerUrl, max: 4 });
  // Seeding writes rows that are legal by construction, the way pg_restore does: as a superuser with
  // session_replication_role = replica, so the per-row foreign-key checks of millions of child rows and the
  // chain and counting triggers do not turn a 1M-execution seed into the hour it took; the usage counters are
  // recounted afterwards (reconcileUsage), so the pass starts from exact counters.
  const seedPool = new pg.Pool({ connectionString: db.rootUrl, max: 2, options: "-c session_replication_role=replica" });
  const dir = await mkdtemp(path.join(tmpdir(), "lf-bench-lifecycle-"));
  const storage = new FileSystemStorage(dir);
  try {
    const tps = await pgbenchTps({ clients: 1, seconds: 5 });
    console.log(`baseline pgbench tpcb-like 1 client: ${tps.toFixed(0)} tps`);

    // teams with policies: hot 30 days, cold 45 days, node outputs trimmed to 16 characters after 7 days
    const owner = await makeUser(pool);
    let t0 = Date.now();
    const teamIds: string[] = [];
    // the partitions first, as the owner (the archiver drops them later; ones the seed's superuser made it could not)
    await ensurePastPartitions(pool, days + 1);
    for (let i = 0; i < teams; i++) {
      const team = await makeTeam(pool, [{ userId: owner.id, role: "owner" }]);
      teamIds.push(team.id);
      for (let w = 0; w < 3; w++) await makeWorkflow(pool, team.id, { status: "active" });
    }
    // the rows seedExecutions (test/archive/seed.ts) writes per team, for all teams one day per statement
    await seedRetentionHistory(seedPool, { teamIds, days, perDay, nodeRuns: 3 });
    for (const teamId of teamIds) {
      await new LifecycleRepository(pool).asUser(owner.id).setPolicy({
        teamId, hotDays: 30, coldDays: 45, nodeOutput: "trim", nodeOutputAfterDays: 7, nodeOutputMaxBytes: 16,
      });
    }
    await reconcileUsage(pool, teamIds);
    const { rows: [c] } = await pool.query("select count(*)::int n from app_public.executions");
    console.log(`seeded ${c.n} executions (${perDay}/day/team, ${teams} teams, ${days} days) in ${((Date.now() - t0) / 1000).toFixed(1)}s`);

    // the dry run, then the pass as of the dry run's time (executions are dense: a cutoff taken minutes later
    // would take a few more)
    const at = (await pool.query<{ now: Date }>("select now()")).rows[0]!.now;
    t0 = Date.now();
    const plan = (await Promise.all(teamIds.map((t) => new LifecycleRepository(pool).plan(t, { at })))).flat();
    const planMs = Date.now() - t0;
    const planned = { archive: 0, trim: 0, delete: 0 };
    for (const p of plan) planned[p.step] += p.executions;
    console.log(`retention_plan over ${teams} teams: ${planMs} ms (archive ${planned.archive}, trim ${planned.trim}, delete ${planned.delete} executions)`);
    t0 = Date.now();
    const pass = await runRetentionPass(pool, {
      asOf: at, storage, settings: { hotDays: 30, coldDays: 365, batchSize: 5000, groupRows: 20_000, rowGroupSize: 500, zstdLevel: 3, encryptionKey: null },
    });
    const passS = (Date.now() - t0) / 1000;
    const steps = Object.entries(pass.archive.timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}s`).join(", ");
    console.log(`retention pass steps: archiver ${steps}; the rest (trim, expiry) ${(passS - Object.values(pass.archive.timings).reduce((a, b) => a + b, 0) / 1000).toFixed(1)}s`);
    const { rows: [after] } = await pool.query(`
      select (select count(*) from app_private.archived_executions)::int archived,
             (select coalesce(sum(row_count), 0) from app_private.archive_batches where state = 'expired')::int expired,
             (select count(distinct execution_id) from app_public.execution_node_runs where output ? '$trimmed')::int trimmed`);
    if (after.archived !== planned.archive || after.trimmed !== planned.trim) {
      throw new Error(`the pass did not apply the plan: archived ${after.archived}/${planned.archive}, trimmed ${after.trimmed}/${planned.trim}`);
    }
    const retentionPerS = (after.archived + after.trimmed) / passS;
    console.log(`retention pass: trimmed ${pass.trim.nodeRuns} node outputs of ${after.trimmed} executions (${(pass.trim.bytesFreed / 1e6).toFixed(1)} MB), archived ${after.archived} executions in ${pass.archive.planned} batches, expired ${after.expired} executions' files, in ${passS.toFixed(1)}s`);

    // bulk cancel: baseline engine call, then the bulk action
    const bulkTeam = await makeTeam(pool, [{ userId: owner.id, role: "owner" }]);
    const wf = await makeWorkflow(pool, bulkTeam.id, { status: "active" });
    const baseWf = await makeWorkflow(pool, bulkTeam.id, { status: "active" });
    const baseN = Math.min(10_000, bulkN);
    await seedRunning(seedPool, bulkTeam.id, baseWf.id, baseN);
    const { rows: baseIds } = await pool.query("select id from app_public.executions where workflow_id = $1", [baseWf.id]);
    t0 = Date.now();
    await pool.query("select count(*) from app_private.apply_execution_transitions($1::jsonb, null, false)",
      [JSON.stringify(baseIds.map((r) => ({ id: r.id, to_state: "cancelled" })))]);
    const enginePerS = baseN / ((Date.now() - t0) / 1000);
    console.log(`baseline: one apply_execution_transitions call of ${baseN} cancels: ${enginePerS.toFixed(0)}/s`);

    t0 = Date.now();
    await seedRunning(seedPool, bulkTeam.id, wf.id, bulkN);
    await reconcileUsage(pool, [bulkTeam.id]);
    console.log(`seeded ${bulkN} running executions with their event streams in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    const repo = new LifecycleRepository(pool).asUser(owner.id);
    const count = await repo.countBulk(bulkTeam.id, "cancel", { workflow_id: wf.id });
    const action = await repo.startBulk(bulkTeam.id, "cancel", { workflow_id: wf.id }, 5000);
    t0 = Date.now();
    const done = await runBulkAction(pool, { teamId: bulkTeam.id, id: action.id });
    const bulkS = (Date.now() - t0) / 1000;
    if (done.acted !== bulkN || count !== bulkN) throw new Error(`bulk cancel acted on ${done.acted} of ${bulkN} (dry run ${count})`);
    const bulkPerS = bulkN / bulkS;
    console.log(`bulk cancel of ${bulkN} executions in batches of 5000: ${bulkS.toFixed(1)}s (${done.steps} batches)`);
    printBench("lifecycle", {
      retention_per_s: Math.round(retentionPerS), bulk_cancel_per_s: Math.round(bulkPerS),
      engine_cancel_per_s: Math.round(enginePerS), pgbench_tps: Math.round(tps), executions: c.n,
    });
  } finally {
    await seedPool.end();
    await pool.end();
    await rm(dir, { recursive: true, force: true });
    await db.drop();
  }
}
