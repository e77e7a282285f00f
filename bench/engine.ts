// npm run bench -- engine
//
// A simulated workflow engine runs complete executions of a 10-node workflow end to end through the TypeScript
// repository's service path with group commit on (its defaults, or EXECUTIONS_GROUP_COMMIT_* from the environment):
//   start -> queued -> running -> 10 x (node run started, node run finished with a 2 KB output) -> succeeded.
// 16 workers, each running BENCH_ENGINE_SLOTS executions at a time (an engine worker's concurrency; default 8),
// each execution's steps in order (a linear workflow: node n+1 starts after node n finished).
// Baseline: pgbench tpcb-like at 16 clients in the same run. Closing line:
//   BENCH engine executions_per_s=<n> node_runs_per_s=<n> pgbench_tps=<n> ratio=<n>
// (ratio = complete executions per second / pgbench transactions per second).
import pg from "pg";
import { groupCommitSettings } from "../src/config.ts";
import { createPool } from "../src/db/pool.ts";
import { ExecutionsRepository } from "../src/executions/index.ts";
import { applyCurrentSql, benchRootUrl, freshBenchDatabase, pgbenchTps, phaseSeconds, printBench } from "./lib.ts";

const WORKERS = 16;
const SLOTS = Number(process.env.BENCH_ENGINE_SLOTS ?? 8);
const NODES = Array.from({ length: 10 }, (_, i) => `node-${i + 1}`);
const OUTPUT = { items: [{ json: { body: "x".repeat(2000) } }] }; // ~2 KB of JSON per node output

export default async function engine(): Promise<void> {
  process.env.BENCH_PGBENCH_DB ??= "lf_bench_pgbench_engine";
  const seconds = phaseSeconds(15);
  const db = await freshBenchDatabase("engine");
  await applyCurrentSql(db.ownerUrl);
  const admin = new pg.Client({ connectionString: db.ownerUrl });
  await admin.connect();
  const pool = createPool(db.ownerUrl, { max: 20, idleTimeoutMs: 30_000, connectionTimeoutMs: 30_000, statementTimeoutMs: 0, applicationName: "bench-engine" }, "bench-engine");
  try {
    const { rows: [setup] } = await admin.query(`
      with t as (insert into app_public.teams (slug, name) values ('bench-engine', 'Bench engine') returning id),
      wf as (insert into app_public.workflows (team_id, name, status) select t.id, 'ten nodes', 'active' from t returning id, team_id)
      insert into app_public.workflow_versions (workflow_id, team_id, version, data) select id, team_id, 1, '{}' from wf
      returning workflow_id`);
    const workflowId = setup.workflow_id as string;

    // 1. baseline
    const pgbench = await pgbenchTps({ clients: WORKERS, seconds });
    console.log(`pgbench tpcb-like, ${WORKERS} clients, ${seconds}s: ${pgbench.toFixed(1)} tps`);

    // 2. the engine
    const settings = groupCommitSettings();
    const repo = new ExecutionsRepository(pool, { kind: "service", actorId: null }, { groupCommit: settings });
    let executions = 0;
    let nodeRuns = 0;
    const deadline = Date.now() + seconds * 1000;
    const t0 = process.hrtime.bigint();
    await Promise.all(Array.from({ length: WORKERS * SLOTS }, async () => {
      while (Date.now() < deadline) {
        const e = await repo.start({ workflowId, triggerType: "webhook", input: { order: 42 } });
        await repo.transition(e.id, "queued", { expectedFrom: "pending" });
        await repo.transition(e.id, "running", { expectedFrom: "queued" });
        for (const node of NODES) {
          await repo.nodeRunStart(e.id, node);
          await repo.nodeRunFinish(e.id, node, "succeeded", { output: OUTPUT });
          nodeRuns++;
        }
        await repo.transition(e.id, "succeeded", { expectedFrom: "running", details: { output: { ok: true } } });
        executions++;
      }
    }));
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    await repo.close();
    const perSecond = executions / secs;
    const nodeRunsPerSecond = nodeRuns / secs;
    console.log(`engine: ${WORKERS} workers x ${SLOTS} slots, group commit ${JSON.stringify(settings)}: ${executions} complete executions, ` +
      `${nodeRuns} node runs in ${secs.toFixed(1)}s: ${perSecond.toFixed(1)} executions/s, ${nodeRunsPerSecond.toFixed(1)} node runs/s`);

    // every execution the engine finished is in the database, complete
    const { rows: [check] } = await admin.query(`
      select count(*) filter (where state = 'succeeded')::int as succeeded,
             (select count(*)::int from app_public.execution_node_runs where status = 'succeeded') as runs,
             (select count(*)::int from app_public.execution_transitions t join app_public.executions x on x.id = t.execution_id and x.created_at = t.execution_created_at where x.state = 'succeeded') as moves
        from app_public.executions`);
    console.log(`check: ${check.succeeded} succeeded executions, ${check.runs} finished node runs, ${check.moves} transitions of succeeded executions`);
    if (check.succeeded !== executions || check.moves !== executions * 4) throw new Error("the database disagrees with the engine: the benchmark is invalid");

    printBench("engine", {
      executions_per_s: Math.round(perSecond),
      node_runs_per_s: Math.round(nodeRunsPerSecond),
      pgbench_tps: Math.round(pgbench),
      ratio: Number((perSecond / pgbench).toFixed(3)),
    });
  } finally {
    await pool.end().catch(() => {});
    await admin.end();
    await db.drop();
    const root = new pg.Client({ connectionString: benchRootUrl() });
    await root.connect();
    await root.query(`drop database if exists ${process.env.BENCH_PGBENCH_DB} with (force)`).catch(() => {});
    await root.end();
  }
}
