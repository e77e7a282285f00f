import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../harness/db.ts";
import { makeTeam } from "../harness/fixtures.ts";

const db = useTestDatabase();

describe("executions: metric series percentiles from cumulative histograms", { timeout: 120_000 }, () => {
  it("equal the nearest-rank percentile of the merged histogram for one row, several workflows, old shards and the unfolded tail", async () => {
    const team = await makeTeam(db.pool);
    const { rows: wfs } = await db.pool.query<{ id: string }>(
      `insert into app_public.workflows (team_id, name, status) select $1, 'series-' || g, 'active' from generate_series(1, 5) g returning id`, [team.id]);
    const hour = new Date(Math.floor(Date.now() / 3600_000) * 3600_000 - 3 * 3600_000);
    // 1,500 samples over three hours, durations spread over several orders of magnitude, skewed per workflow
    await db.pool.query(`
      insert into app_public.execution_metric_samples (execution_id, recorded_at, team_id, workflow_id, state, duration_ms, node_count, failed_node_count)
      select gen_random_uuid(), $2::timestamptz + (random() * interval '3 hours'), $1, w.id,
             case when random() < 0.8 then 'succeeded' else 'failed' end,
             (exp(random() * (4 + w.k)) * (1 + w.k))::bigint, 3, 0
        from (select id, row_number() over (order by id) as k from unnest($3::uuid[]) id) w, generate_series(1, 300)`,
      [team.id, hour, wfs.map((w) => w.id)]);
    // fold part of the queue (the rest stays as the tail the series adds on read)
    await db.pool.query("select app_private.fold_execution_metric_samples(900)");
    // an old-style row on another shard for one workflow's first hour: a bucket with two rollup rows
    await db.pool.query(`
      insert into app_public.execution_metric_rollups (workflow_id, team_id, granularity, bucket, shard, total, succeeded, duration_count, duration_sum_ms,
        duration_min_ms, duration_max_ms, duration_histogram)
      values ($1, $2, 'hour', $3, 3, 4, 4, 4, 4000, 1000, 1000, array_fill(0, array[72]) || array[4] || array_fill(0, array[127]))`,
      [wfs[0]!.id, team.id, hour]);
    const expected = async (scope: "workflow_id" | "team_id", id: string) => (await db.pool.query(`
      with src as (
        select r.bucket, r.duration_histogram as h from app_public.execution_metric_rollups r
         where r.${scope} = $1 and r.granularity = 'hour' and r.bucket >= $2
        union all
        select date_trunc('hour', q.recorded_at, 'UTC'), app_hidden.duration_histogram(array_agg(q.duration_ms))
          from app_hidden.execution_metric_fold_queue q where q.${scope} = $1 and q.recorded_at >= $2 group by 1
      ), merged as (
        select b.bucket, array_agg(b.c order by b.i) as h
          from (select s.bucket, u.i, sum(u.c)::integer as c from src s, unnest(s.h) with ordinality u(c, i) group by 1, 2) b
         group by b.bucket)
      select bucket, app_hidden.histogram_percentile(h, 0.5) as p50, app_hidden.histogram_percentile(h, 0.95) as p95 from merged order by 1`,
      [id, hour])).rows;
    const { rows: tail } = await db.pool.query("select count(*)::int as n from app_hidden.execution_metric_fold_queue where team_id = $1", [team.id]);
    expect(tail[0].n).toBeGreaterThan(0);
    for (const [scope, id] of [["team_id", team.id], ["workflow_id", wfs[0]!.id], ["workflow_id", wfs[3]!.id]] as const) {
      const series = (await db.pool.query(
        `select bucket_start, total, p50_ms, p95_ms from app_public.execution_metrics_series($1, $2, 'hour', $3, $4) where total > 0 order by 1`,
        [hour, new Date(hour.getTime() + 4 * 3600_000), scope === "workflow_id" ? id : null, scope === "team_id" ? id : null])).rows;
      const want = await expected(scope, id);
      expect(series.map((p) => new Date(p.bucket_start).getTime()), scope).toEqual(want.map((w) => new Date(w.bucket).getTime()));
      series.forEach((p, i) => {
        expect(p.p50_ms, `${scope} p50 ${i}`).toBeCloseTo(want[i]!.p50, 6);
        expect(p.p95_ms, `${scope} p95 ${i}`).toBeCloseTo(want[i]!.p95, 6);
      });
    }
  });

  it("keeps the cumulative histogram and the p50/p95 buckets generated from the histogram for every writer", async () => {
    const team = await makeTeam(db.pool);
    const { rows: [w] } = await db.pool.query(`insert into app_public.workflows (team_id, name) values ($1, $2) returning id`, [team.id, `cum-${randomUUID().slice(0, 8)}`]);
    await db.pool.query(`
      insert into app_public.execution_metric_rollups (workflow_id, team_id, granularity, bucket, shard, duration_histogram)
      values ($1, $2, 'day', date_trunc('day', now()), 0, array[1, 0, 2] || array_fill(0, array[196]) || array[5])`, [w.id, team.id]);
    const { rows: [r] } = await db.pool.query(`select duration_cumulative as c from app_public.execution_metric_rollups where workflow_id = $1`, [w.id]);
    expect(r.c.slice(0, 4)).toEqual([1, 1, 3, 3]);
    expect(r.c[199]).toBe(8);
    // the row's own percentile buckets (nearest rank): 8 durations, rank 4 and rank 8 both fall in bucket 200
    const { rows: [b] } = await db.pool.query(
      `select duration_p50_bucket as p50, duration_p95_bucket as p95 from app_public.execution_metric_rollups where workflow_id = $1`, [w.id]);
    expect(b).toEqual({ p50: 200, p95: 200 });
    await db.pool.query(`update app_public.execution_metric_rollups set duration_histogram = array[3, 0, 2] || array_fill(0, array[196]) || array[5]
                          where workflow_id = $1`, [w.id]);
    const { rows: [b2] } = await db.pool.query(
      `select duration_p50_bucket as p50, duration_p95_bucket as p95 from app_public.execution_metric_rollups where workflow_id = $1`, [w.id]);
    expect(b2).toEqual({ p50: 3, p95: 200 });
    await db.pool.query(`update app_public.execution_metric_rollups set duration_histogram = array_fill(0, array[200]) where workflow_id = $1`, [w.id]);
    const { rows: [b3] } = await db.pool.query(
      `select duration_p50_bucket as p50, duration_p95_bucket as p95 from app_public.execution_metric_rollups where workflow_id = $1`, [w.id]);
    expect(b3).toEqual({ p50: null, p95: null });
    await expect(db.pool.query(`update app_public.execution_metric_rollups set duration_cumulative = '{}' where workflow_id = $1`, [w.id]))
      .rejects.toMatchObject({ code: "428C9" });
  });
});
