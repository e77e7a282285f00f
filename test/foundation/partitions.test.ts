import { describe, expect, it } from "vitest";
import path from "node:path";
import { mapDbError } from "../../src/db/errors.ts";
import { PROJECT_ROOT } from "../../src/db/migrate.ts";
import { useTestDatabase } from "../harness/db.ts";
import { runJobsOnce } from "../harness/jobs.ts";
import { makeTeam, makeWorkflow } from "../harness/fixtures.ts";

const db = useTestDatabase();
const parents = ["app_public.execution_metric_samples", "app_public.execution_node_runs", "app_public.execution_transitions", "app_public.executions"];

describe("time partitions", () => {
  it("are created ahead (7 days by default) for every partitioned table, idempotently", async () => {
    const first = await db.pool.query("select parent, range_from::text, created from app_private.ensure_partitions()");
    const today = new Date().toISOString().slice(0, 10);
    for (const p of parents) {
      const days = first.rows.filter((r) => r.parent === p).map((r) => r.range_from);
      expect(days).toContain(today);
      expect(days.length).toBe(9); // yesterday, today and 7 ahead
    }
    const again = await db.pool.query("select count(*) filter (where created)::int as n from app_private.ensure_partitions()");
    expect(again.rows[0].n).toBe(0);
    const gaps = await db.pool.query("select * from app_private.partition_gaps()");
    expect(gaps.rows).toEqual([]);
  });

  it("give every partition, existing and newly created, its parent's column compression (lz4 for large JSON)", async () => {
    await db.pool.query("select count(*) from app_private.ensure_partitions_between(current_date + 20, current_date + 21)");
    const { rows } = await db.pool.query(`
      select i.inhrelid::regclass::text as partition, pa.attname, pa.attcompression as want, a.attcompression as got
        from pg_inherits i
        join pg_attribute pa on pa.attrelid = i.inhparent and pa.attnum > 0 and not pa.attisdropped and pa.attcompression <> ''
        join pg_attribute a on a.attrelid = i.inhrelid and a.attname = pa.attname
       where i.inhparent = any ($1::regclass[])`, [parents]);
    const lz4 = await db.pool.query("select 'lz4' = any (enumvals) as ok from pg_settings where name = 'default_toast_compression'");
    if (lz4.rows[0].ok) {
      expect(rows.filter((r) => r.attname === "output").length).toBeGreaterThanOrEqual(2 * 11); // executions and node runs
      expect(rows.some((r) => r.partition.includes(new Date(Date.now() + 20 * 86400_000).toISOString().slice(0, 10).replaceAll("-", "")))).toBe(true);
    }
    expect(rows.filter((r) => r.got !== r.want)).toEqual([]);
    // a value written to a day partition is stored with that method
    if (lz4.rows[0].ok) {
      const team = await makeTeam(db.pool);
      const wf = await makeWorkflow(db.pool, team.id, { status: "active" });
      const { rows: [e] } = await db.pool.query("select id from app_private.start_execution($1, 'manual', $2::jsonb, null, null, false)",
        [wf.id, JSON.stringify({ blob: "x".repeat(20_000) })]);
      const { rows: [m] } = await db.pool.query("select pg_column_compression(input) as method from app_public.executions where id = $1", [e.id]);
      expect(m.method).toBe("lz4");
    }
  });

  it("reports gaps, and the maintenance task fills them", async () => {
    const day = new Date(Date.now() + 3 * 86400_000).toISOString().slice(0, 10).replaceAll("-", "");
    await db.pool.query(`drop table app_partitions.executions_p${day} cascade`);
    const gaps = await db.pool.query("select parent, missing_day::text from app_private.partition_gaps()");
    expect(gaps.rows.map((g) => g.parent)).toContain("app_public.executions");
    // runOnce runs queued jobs only: queue what the crontab would, then run it
    await db.pool.query("select graphile_worker.add_job('partition_maintenance', '{}'::json)");
    await runJobsOnce(db.pool, { connectionString: db.ownerUrl, taskDirectory: path.join(PROJECT_ROOT, "tasks") });
    expect((await db.pool.query("select * from app_private.partition_gaps()")).rows).toEqual([]);
    const failed = await db.pool.query("select count(*)::int as n from graphile_worker.jobs where task_identifier = 'partition_maintenance'");
    expect(failed.rows[0].n).toBe(0);
  });

  it("refuses rows outside every partition loudly instead of keeping them in the default partition", async () => {
    const t = await makeTeam(db.pool);
    const w = await makeWorkflow(db.pool, t.id);
    const farFuture = new Date(Date.now() + 400 * 86400_000);
    let err: unknown;
    try {
      await db.pool.query("insert into app_public.executions (team_id, workflow_id, workflow_version, created_at) values ($1, $2, 1, $3)", [t.id, w.id, farFuture]);
    } catch (e) { err = e; }
    expect(mapDbError(err).code).toBe("NO_PARTITION");
    const kept = await db.pool.query("select count(*)::int as n from app_partitions.executions_default");
    expect(kept.rows[0].n).toBe(0);
    await db.pool.query("select count(*) from app_private.ensure_partitions_between($1::date, $1::date)", [farFuture.toISOString().slice(0, 10)]);
    await db.pool.query("insert into app_public.executions (team_id, workflow_id, workflow_version, created_at) values ($1, $2, 1, $3)", [t.id, w.id, farFuture]);
  });

  it("gives each day of transitions and node runs a foreign key to the same day of executions (day-local, on delete cascade)", async () => {
    await db.pool.query("select count(*) from app_private.ensure_partitions()");
    const { rows: unlinked } = await db.pool.query(`
      select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid
       where i.inhparent in ('app_public.execution_transitions'::regclass, 'app_public.execution_node_runs'::regclass)
         and not exists (select 1 from pg_constraint k join pg_class x on x.oid = k.confrelid
                          where k.conrelid = c.oid and k.contype = 'f'
                            and x.relname = 'executions_' || substring(c.relname from '_(p\\d{8}|default)$'))`);
    expect(unlinked).toEqual([]);
    const t = await makeTeam(db.pool);
    const w = await makeWorkflow(db.pool, t.id);
    const { rows: [e] } = await db.pool.query(
      "insert into app_public.executions (team_id, workflow_id, workflow_version) values ($1, $2, 1) returning id, created_at::text", [t.id, w.id]); // text: a Date would drop the microseconds
    const transition = "insert into app_public.execution_transitions (execution_id, execution_created_at, seq, team_id, from_state, to_state) values ($1, $2::timestamptz, 1, $3, null, 'queued')";
    await db.pool.query(transition, [e.id, e.created_at, t.id]);
    const orphan = await db.pool.query(transition, ["00000000-0000-7000-8000-000000000001", e.created_at, t.id]).catch((x: unknown) => x);
    expect(mapDbError(orphan).code).toBe("VALIDATION");
    expect((orphan as { code: string }).code).toBe("23503");
    await db.pool.query("delete from app_public.executions where id = $1 and created_at = $2::timestamptz", [e.id, e.created_at]);
    const left = await db.pool.query("select count(*)::int as n from app_public.execution_transitions where execution_id = $1", [e.id]);
    expect(left.rows[0].n).toBe(0);
  });

  it("prunes partitions for time-bounded queries", async () => {
    const { rows } = await db.pool.query(
      "explain (format json) select * from app_public.executions where created_at >= now() - interval '1 hour' and created_at < now()",
    );
    const plan = JSON.stringify(rows[0]["QUERY PLAN"]);
    const scanned = plan.match(/executions_p\d{8}/g) ?? [];
    expect(new Set(scanned).size).toBeLessThanOrEqual(2);
  });
});
