// Metric rollups off the critical path: finishing moves append samples (and queue rows) only; the fold task adds
// them to the rollups; series add the not-yet-folded tail, so they equal the raw data at every moment.
import { readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../src/db/migrate.ts";
import fold from "../../tasks/execution_metrics_fold.ts";
import { useTestDatabase } from "../harness/db.ts";
import { executionsIn, makeWorld, type World } from "./setup.ts";

const db = useTestDatabase();
let w: World;
const OUTCOMES = ["succeeded", "failed", "timed_out", "crashed", "cancelled"];

beforeAll(async () => {
  w = await makeWorld(db.pool);
}, 60_000);

/** Raw samples vs rollups of one workflow at one granularity: buckets whose counts, sums or histograms differ. */
async function mismatches(workflowId: string, granularity: string): Promise<number> {
  const { rows } = await db.pool.query(`
    with raw as (
      select date_trunc($2, recorded_at, 'UTC') as bucket, count(*)::int as total, count(*) filter (where state = 'succeeded')::int as ok,
             count(duration_ms)::int as dcount, coalesce(sum(duration_ms), 0)::bigint as dsum, app_hidden.duration_histogram(array_agg(duration_ms)) as hist
        from app_public.execution_metric_samples where workflow_id = $1 group by 1),
    rolled as (
      select r.bucket, sum(r.total)::int as total, sum(r.succeeded)::int as ok, sum(r.duration_count)::int as dcount,
             sum(r.duration_sum_ms)::bigint as dsum,
             (select array_agg(c order by i) from (select u.i, sum(u.c)::int as c from app_public.execution_metric_rollups r2,
                unnest(r2.duration_histogram) with ordinality u(c, i) where r2.workflow_id = $1 and r2.granularity = $2 and r2.bucket = r.bucket group by 1) h) as hist
        from app_public.execution_metric_rollups r where r.workflow_id = $1 and r.granularity = $2 group by 1)
    select count(*)::int as n from raw full join rolled using (bucket)
     where row(raw.total, raw.ok, raw.dcount, raw.dsum, raw.hist) is distinct from row(rolled.total, rolled.ok, rolled.dcount, rolled.dsum, rolled.hist)`,
    [workflowId, granularity]);
  return rows[0].n;
}

async function seriesTotal(workflowId: string): Promise<number> {
  const series = await w.service.series({ workflowId, from: new Date(Date.now() - 2 * 3600_000), to: new Date(Date.now() + 3600_000), bucket: "minute" });
  return series.reduce((s, p) => s + p.total, 0);
}

describe("executions: metric rollups off the critical path", () => {
  it("a finishing move writes its sample and one queue row, never a rollup row", async () => {
    const [id] = await executionsIn(w.service, w.workflow.id, ["running"]);
    const before = await db.pool.query("select (select count(*) from app_public.execution_metric_rollups)::int as r, (select coalesce(sum(total), 0) from app_public.execution_metric_rollups)::int as t");
    const c = new pg.Client({ connectionString: db.ownerUrl });
    await c.connect();
    try {
      await c.query("begin");
      await c.query("select 1 from app_private.transition_execution($1, 'succeeded', null, null, null, false)", [id]);
      // while the finishing transaction is open, every rollup row is free: nobody waits on it
      const locked = await db.pool.query("select count(*)::int as n from (select 1 from app_public.execution_metric_rollups for update skip locked) x");
      expect(locked.rows[0].n).toBe(before.rows[0].r);
      await c.query("commit");
    } finally {
      await c.end();
    }
    const after = await db.pool.query("select (select count(*) from app_public.execution_metric_rollups)::int as r, (select coalesce(sum(total), 0) from app_public.execution_metric_rollups)::int as t");
    expect(after.rows[0]).toEqual(before.rows[0]);
    const queued = await db.pool.query("select count(*)::int as n from app_hidden.execution_metric_fold_queue where workflow_id = $1", [w.workflow.id]);
    expect(queued.rows[0].n).toBeGreaterThanOrEqual(1);
    // the series already counts it (fold-on-read); after a fold the rollups do
    const raw = await db.pool.query("select count(*)::int as n from app_public.execution_metric_samples where workflow_id = $1", [w.workflow.id]);
    expect(await seriesTotal(w.workflow.id)).toBe(raw.rows[0].n);
    await db.pool.query("select app_private.fold_execution_metric_samples()");
    expect(await mismatches(w.workflow.id, "minute")).toBe(0);
  });

  it("keeps rollups equal to raw data under 16 concurrent finishers and two concurrent folders (no lost increments)", async () => {
    const n = 320;
    const ids = await executionsIn(w.service, w.workflow.id, Array(n).fill("running"));
    const clients = await Promise.all(Array.from({ length: 18 }, async () => { const c = new pg.Client({ connectionString: db.ownerUrl }); await c.connect(); return c; }));
    let loading = true;
    let folds = 0;
    try {
      const folders = clients.slice(16).map(async (c) => {
        while (loading) {
          folds += (await c.query("select app_private.fold_execution_metric_samples(7) as n")).rows[0].n > 0 ? 1 : 0;
          await new Promise((r) => setTimeout(r, 5));
        }
      });
      const seriesChecks: Promise<void>[] = [];
      await Promise.all(clients.slice(0, 16).map(async (c, k) => {
        for (let i = k; i < n; i += 16) {
          await c.query("select 1 from app_private.transition_execution($1, $2, null, $3::jsonb, null, false)",
            [ids[i], OUTCOMES[i % OUTCOMES.length], JSON.stringify({ reason: "load" })]);
        }
      }));
      loading = false;
      await Promise.all([...folders, ...seriesChecks]);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
    expect(folds).toBeGreaterThan(0);
    // exact before the last fold (fold-on-read) ...
    const raw = await db.pool.query("select count(*)::int as n from app_public.execution_metric_samples where workflow_id = $1", [w.workflow.id]);
    expect(raw.rows[0].n).toBeGreaterThanOrEqual(n);
    expect(await seriesTotal(w.workflow.id)).toBe(raw.rows[0].n);
    // ... and after it, the rollups themselves
    while ((await db.pool.query("select app_private.fold_execution_metric_samples() as n")).rows[0].n > 0);
    const left = await db.pool.query("select count(*)::int as n from app_hidden.execution_metric_fold_queue");
    expect(left.rows[0].n).toBe(0);
    for (const g of ["minute", "hour", "day"]) expect(await mismatches(w.workflow.id, g), g).toBe(0);
    expect(await seriesTotal(w.workflow.id)).toBe(raw.rows[0].n);
  }, 180_000);

  it("is folded by a task that reschedules itself under one job key, started every minute by the crontab", async () => {
    const [id] = await executionsIn(w.service, w.workflow.id, ["succeeded"]);
    expect(id).toBeDefined();
    const jobs: { identifier: string; payload: unknown; spec: { jobKey?: string; runAt?: Date } }[] = [];
    await fold({ interval_ms: 1500 }, {
      query: (q: string, v: unknown[]) => db.pool.query(q, v),
      addJob: async (identifier: string, payload: unknown, spec: { jobKey?: string; runAt?: Date }) => { jobs.push({ identifier, payload, spec }); },
      logger: { debug: () => {}, info: () => {} },
    } as never);
    const left = await db.pool.query("select count(*)::int as n from app_hidden.execution_metric_fold_queue");
    expect(left.rows[0].n).toBe(0);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.identifier).toBe("execution_metrics_fold");
    expect(jobs[0]!.spec.jobKey).toBe("execution_metrics_fold");
    expect(jobs[0]!.spec.runAt!.getTime() - Date.now()).toBeGreaterThan(500);
    const crontab = await readFile(path.join(PROJECT_ROOT, "crontab"), "utf8");
    expect(crontab).toMatch(/^\* \* \* \* \* execution_metrics_fold \?id=execution_metrics_fold/m);
  });
});
