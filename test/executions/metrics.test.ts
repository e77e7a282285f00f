import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { LinkFlowError } from "../../src/errors.ts";
import task from "../../tasks/execution_metrics_retention.ts";
import { useTestDatabase } from "../harness/db.ts";
import { makeWorkflow } from "../harness/fixtures.ts";
import { executionsIn, makeWorld, type World } from "./setup.ts";

const db = useTestDatabase();
let w: World;
let wf2: { id: string };
const OUTCOMES = ["succeeded", "succeeded", "succeeded", "failed", "cancelled", "timed_out", "crashed"];

// Deterministic pseudo-random durations (log-spread from 0 ms to ~10 min).
function rng(seed: number) { return () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31); }

/** Inserts n raw samples for a workflow in [from, from + spanMinutes), in batches from several connections (shards). */
async function insertSamples(workflowId: string, from: Date, spanMinutes: number, n: number, seed: number) {
  const rand = rng(seed);
  const rows = Array.from({ length: n }, () => ({
    at: new Date(from.getTime() + Math.floor(rand() * spanMinutes * 60_000)).toISOString(),
    state: OUTCOMES[Math.floor(rand() * OUTCOMES.length)]!,
    duration: rand() < 0.05 ? null : Math.floor(Math.exp(rand() * 13.3)),
    nodes: Math.floor(rand() * 10),
  }));
  const clients = await Promise.all([0, 1, 2].map(async () => { const c = new pg.Client({ connectionString: db.ownerUrl }); await c.connect(); return c; }));
  try {
    let k = 0;
    for (let i = 0; i < rows.length; i += 50) {
      const chunk = rows.slice(i, i + 50);
      const c = clients[k++ % clients.length]!;
      await c.query(`
        insert into app_public.execution_metric_samples (execution_id, recorded_at, team_id, workflow_id, state, duration_ms, node_count, failed_node_count)
        select app_private.uuid_v7_at(x.at), x.at, w.team_id, w.id, x.state, x.duration, x.nodes, x.nodes / 3
          from jsonb_to_recordset($1::jsonb) x(at timestamptz, state text, duration bigint, nodes int)
          cross join app_public.workflows w where w.id = $2`, [JSON.stringify(chunk), workflowId]);
    }
    // and a few single-row inserts
    await clients[0]!.query(`insert into app_public.execution_metric_samples (execution_id, recorded_at, team_id, workflow_id, state, duration_ms)
      select app_private.uuid_v7_at($2), $2, team_id, id, 'succeeded', 42 from app_public.workflows where id = $1`, [workflowId, from.toISOString()]);
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

/** Folds every queued sample into the rollups (what the execution_metrics_fold task does every few seconds). */
async function foldAll() {
  while ((await db.pool.query("select app_private.fold_execution_metric_samples() as n")).rows[0].n > 0);
}

const hourStart = () => { const d = new Date(); d.setUTCMinutes(0, 0, 0); return new Date(d.getTime() - 3 * 3600_000); };

beforeAll(async () => {
  w = await makeWorld(db.pool);
  wf2 = await makeWorkflow(db.pool, w.team.id, { status: "active" });
  await db.pool.query("select count(*) from app_private.ensure_partitions_between(current_date - 12, current_date)");
  await insertSamples(w.workflow.id, hourStart(), 180, 1500, 7);
  await insertSamples(wf2.id, hourStart(), 120, 500, 11);
}, 120_000);

describe("executions: metrics", () => {
  it("records a sample (outcome, duration, node counts) for every finished attempt", async () => {
    const ids = await executionsIn(w.service, w.workflow.id, ["succeeded", "failed", "cancelled", "waiting"]);
    const { rows } = await db.pool.query(
      "select s.state, s.duration_ms, e.duration_ms as row_duration from app_public.execution_metric_samples s join app_public.executions e on e.id = s.execution_id where s.execution_id = any($1) order by s.state", [ids]);
    expect(rows.map((r) => r.state)).toEqual(["cancelled", "failed", "succeeded"]);
    expect(rows.every((r) => r.duration_ms === r.row_duration)).toBe(true);
    expect(rows.find((r) => r.state === "cancelled").duration_ms).toBeNull(); // never ran
    // single transitions take the lean path's sample insert (with and without a duration)
    const [p, q] = await executionsIn(w.service, w.workflow.id, ["pending", "running"]);
    await w.service.transition(p!, "cancelled");
    await w.service.transition(q!, "succeeded");
  });

  it("keeps minute, hour and day rollups exactly equal to the raw samples (counts, sums, min/max, histograms)", async () => {
    // the fold (every few seconds in production) brings the rollups up to date with every committed sample
    await foldAll();
    for (const g of ["minute", "hour", "day"]) {
      const { rows } = await db.pool.query(`
        with raw as (
          select workflow_id, date_trunc($1, recorded_at, 'UTC') as bucket, count(*)::int as total,
                 count(*) filter (where state = 'succeeded')::int as succeeded, count(*) filter (where state = 'failed')::int as failed,
                 count(*) filter (where state = 'cancelled')::int as cancelled, count(*) filter (where state = 'timed_out')::int as timed_out,
                 count(*) filter (where state = 'crashed')::int as crashed, count(duration_ms)::int as dcount,
                 coalesce(sum(duration_ms), 0)::bigint as dsum, min(duration_ms) as dmin, max(duration_ms) as dmax,
                 app_hidden.duration_histogram(array_agg(duration_ms)) as hist, sum(node_count)::bigint as nodes
            from app_public.execution_metric_samples group by 1, 2),
        rolled_counts as (
          select workflow_id, bucket, sum(total)::int as total, sum(succeeded)::int as succeeded, sum(failed)::int as failed,
                 sum(cancelled)::int as cancelled, sum(timed_out)::int as timed_out, sum(crashed)::int as crashed,
                 sum(duration_count)::int as dcount, sum(duration_sum_ms)::bigint as dsum, min(duration_min_ms) as dmin,
                 max(duration_max_ms) as dmax, sum(node_count)::bigint as nodes
            from app_public.execution_metric_rollups where granularity = $1 group by 1, 2),
        rolled_hist as (
          select workflow_id, bucket, array_agg(c order by i) as hist from (
            select r.workflow_id, r.bucket, u.i, sum(u.c)::int as c
              from app_public.execution_metric_rollups r, unnest(r.duration_histogram) with ordinality u(c, i)
             where r.granularity = $1 group by 1, 2, 3) z group by 1, 2),
        rolled as (select * from rolled_counts join rolled_hist using (workflow_id, bucket))
        select (select count(*) from raw)::int as raw_buckets, (select count(*) from rolled)::int as rolled_buckets,
               (select count(*) from raw full join rolled using (workflow_id, bucket)
                 where row(raw.total, raw.succeeded, raw.failed, raw.cancelled, raw.timed_out, raw.crashed, raw.dcount, raw.dsum, raw.dmin, raw.dmax, raw.hist, raw.nodes)
                       is distinct from row(rolled.total, rolled.succeeded, rolled.failed, rolled.cancelled, rolled.timed_out, rolled.crashed, rolled.dcount, rolled.dsum, rolled.dmin, rolled.dmax, rolled.hist, rolled.nodes))::int as mismatches`, [g]);
      expect(rows[0].mismatches, g).toBe(0);
      expect(rows[0].raw_buckets, g).toBeGreaterThan(0);
      expect(rows[0].rolled_buckets, g).toBe(rows[0].raw_buckets);
    }
    const queued = await db.pool.query("select count(*)::int as n from app_hidden.execution_metric_fold_queue");
    expect(queued.rows[0].n).toBe(0);
  });

  it("serves series by workflow and by team with counts, success rate and p50/p95 within 5% of the raw percentiles", async () => {
    const from = hourStart();
    const to = new Date(from.getTime() + 4 * 3600_000);
    for (const [scope, filter] of [["workflow", { workflowId: w.workflow.id }], ["team", { teamId: w.team.id }]] as const) {
      const series = await w.service.series({ ...filter, from, to, bucket: "hour" });
      expect(series).toHaveLength(4);
      const raw = await db.pool.query(`
        select date_trunc('hour', recorded_at, 'UTC') as b, count(*)::int as total, count(*) filter (where state = 'succeeded')::int as ok,
               count(*) filter (where state = 'failed')::int as failed,
               percentile_disc(0.5) within group (order by duration_ms) as p50, percentile_disc(0.95) within group (order by duration_ms) as p95,
               avg(duration_ms)::float8 as avg
          from app_public.execution_metric_samples where ${scope === "workflow" ? "workflow_id" : "team_id"} = $1 and recorded_at >= $2 and recorded_at < $3
         group by 1 order by 1`, [scope === "workflow" ? w.workflow.id : w.team.id, from, to]);
      const byBucket = new Map(raw.rows.map((r) => [new Date(r.b).getTime(), r]));
      for (const p of series) {
        const r = byBucket.get(p.bucketStart.getTime());
        if (!r) { expect(p.total).toBe(0); continue; }
        expect(p.total, scope).toBe(r.total);
        expect(p.succeeded).toBe(r.ok);
        expect(p.failed).toBe(r.failed);
        expect(p.successRate).toBeCloseTo(r.ok / r.total, 10);
        expect(p.avgMs).toBeCloseTo(r.avg, 6);
        for (const [approx, exact] of [[p.p50Ms!, Number(r.p50)], [p.p95Ms!, Number(r.p95)]] as const) {
          expect(Math.abs(approx - exact), `${scope} ${approx} vs ${exact}`).toBeLessThanOrEqual(0.05 * (exact + 1));
        }
      }
      expect(series.reduce((s, p) => s + p.total, 0)).toBeGreaterThan(0);
    }
    const day = await w.service.series({ teamId: w.team.id, from: new Date(Date.now() - 86400_000), to: new Date(Date.now() + 60_000), bucket: "day" });
    expect(day.reduce((s, p) => s + p.total, 0)).toBeGreaterThanOrEqual(2000);
  });

  it("validates series requests", async () => {
    const now = new Date();
    const err = (p: Promise<unknown>) => p.catch((e: unknown) => (e as LinkFlowError).code);
    expect(await err(w.service.series({ from: now, to: new Date(now.getTime() + 1), bucket: "hour" }))).toBe("VALIDATION");
    expect(await err(w.service.series({ workflowId: w.workflow.id, from: now, to: now, bucket: "hour" }))).toBe("VALIDATION");
    expect(await err(w.service.series({ workflowId: w.workflow.id, from: now, to: new Date(now.getTime() + 86400_000), bucket: "minute" }))).toBe("LIMIT_EXCEEDED");
    expect(await err(w.service.series({ workflowId: w.workflow.id, from: now, to: new Date(now.getTime() + 1), bucket: "week" as never }))).toBe("VALIDATION");
  });

  it("the retention task rolls up (repairing rollups that differ from raw) and drops old raw partitions", async () => {
    const old = new Date(Date.now() - 10 * 86400_000);
    old.setUTCHours(6, 0, 0, 0);
    const older = new Date(old.getTime() - 86400_000);
    await insertSamples(w.workflow.id, old, 120, 200, 3);
    await insertSamples(wf2.id, older, 60, 100, 5);
    const dayOf = (d: Date) => d.toISOString().slice(0, 10).replace(/-/g, "");
    await foldAll();
    // simulate drift: lose part of one day's rollups
    await db.pool.query("delete from app_public.execution_metric_rollups where workflow_id = $1 and bucket >= $2::date and bucket < $2::date + 1", [w.workflow.id, old.toISOString().slice(0, 10)]);
    const expected = await db.pool.query(`select workflow_id, date_trunc('day', recorded_at, 'UTC') as b, count(*)::int as n from app_public.execution_metric_samples
       where recorded_at < now() - interval '7 days' group by 1, 2 order by 1, 2`);
    const logs: string[] = [];
    await task({}, { query: (q: string, v: unknown[]) => db.pool.query(q, v), logger: { info: (m: string) => logs.push(m) } } as never);
    expect(logs.join("\n")).toContain(`execution_metric_samples_p${dayOf(old)}`);
    expect(logs.join("\n")).toMatch(/rollups rebuilt from raw/);
    const parts = await db.pool.query(`select count(*)::int as n from pg_inherits i join pg_class c on c.oid = i.inhrelid
      where i.inhparent = 'app_public.execution_metric_samples'::regclass and c.relname in ($1, $2)`,
      [`execution_metric_samples_p${dayOf(old)}`, `execution_metric_samples_p${dayOf(older)}`]);
    expect(parts.rows[0].n).toBe(0);
    for (const r of expected.rows) {
      const got = await db.pool.query("select sum(total)::int as n from app_public.execution_metric_rollups where workflow_id = $1 and granularity = 'day' and bucket = $2", [r.workflow_id, r.b]);
      expect(got.rows[0].n).toBe(r.n);
      const hours = await db.pool.query("select sum(total)::int as n from app_public.execution_metric_rollups where workflow_id = $1 and granularity = 'hour' and bucket >= $2 and bucket < $2::timestamptz + interval '1 day'", [r.workflow_id, r.b]);
      expect(hours.rows[0].n).toBe(r.n);
    }
    // recent raw data is untouched
    const recent = await db.pool.query("select count(*)::int as n from app_public.execution_metric_samples");
    expect(recent.rows[0].n).toBeGreaterThanOrEqual(2002);
    // idempotent
    const again = await db.pool.query("select * from app_private.rollup_and_drop_metric_samples()");
    expect(again.rows).toEqual([]);
  });
});
