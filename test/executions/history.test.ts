import { beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../harness/db.ts";
import { makeWorkflow } from "../harness/fixtures.ts";
import type { Execution, HistoryFilter } from "../../src/executions/index.ts";
import { makeWorld, type World } from "./setup.ts";

const db = useTestDatabase();
let w: World;
let wf2: { id: string };

beforeAll(async () => {
  w = await makeWorld(db.pool);
  wf2 = await makeWorkflow(db.pool, w.team.id, { status: "active" });
  await db.pool.query("select count(*) from app_private.ensure_partitions_between(current_date - 4, current_date)");
  // 600 executions over the last 4 days, ids whose UUIDv7 time is created_at; some share a created_at (keyset ties)
  await db.pool.query(`
    insert into app_public.executions (id, created_at, team_id, workflow_id, workflow_version, state)
    select x.id, app_hidden.uuid_v7_time(x.id), w.team_id, w.id, 1,
           (array['pending','queued','running','succeeded','failed','cancelled'])[1 + (g % 7) % 6]
      from generate_series(1, 600) g
      cross join lateral (select app_private.uuid_v7_at(date_trunc('second', now()) - make_interval(mins => (g / 2) * 9)) as id) x
      join app_public.workflows w on w.id = case when g % 3 = 0 then $2::uuid else $1::uuid end`, [w.workflow.id, wf2.id]);
});

async function allPages(filter: HistoryFilter): Promise<Execution[]> {
  const out: Execution[] = [];
  let after = undefined as HistoryFilter["after"];
  for (let i = 0; i < 200; i++) {
    const page = await w.service.history({ ...filter, after, limit: 37 });
    out.push(...page.items);
    if (!page.next) break;
    after = page.next;
  }
  return out;
}

async function expected(where: string, params: unknown[]): Promise<string[]> {
  const { rows } = await db.pool.query(`select id from app_public.executions where ${where} order by created_at desc, id desc`, params);
  return rows.map((r) => r.id);
}

describe("executions: history queries", () => {
  it("pages newest first with keyset pagination by team, workflow, state and time range", async () => {
    const since = new Date(Date.now() - 2 * 86400_000);
    const until = new Date(Date.now() - 86400_000);
    const cases: [HistoryFilter, string, unknown[]][] = [
      [{ teamId: w.team.id }, "team_id = $1", [w.team.id]],
      [{ workflowId: w.workflow.id }, "workflow_id = $1", [w.workflow.id]],
      [{ workflowId: wf2.id, state: "failed" }, "workflow_id = $1 and state = 'failed'", [wf2.id]],
      [{ teamId: w.team.id, state: "succeeded" }, "team_id = $1 and state = 'succeeded'", [w.team.id]],
      [{ teamId: w.team.id, createdFrom: since, createdBefore: until }, "team_id = $1 and created_at >= $2 and created_at < $3", [w.team.id, since, until]],
      [{ workflowId: w.workflow.id, state: "running", createdFrom: since }, "workflow_id = $1 and state = 'running' and created_at >= $2", [w.workflow.id, since]],
    ];
    for (const [filter, where, params] of cases) {
      const got = await allPages(filter);
      const want = await expected(where, params);
      expect(want.length, where).toBeGreaterThan(0);
      expect(got.map((e) => e.id), where).toEqual(want);
    }
  });

  it("shows nothing of other teams and validates arguments", async () => {
    expect((await w.service.history({ teamId: w.otherTeam.id })).items).toEqual([]);
    await expect(w.service.history({})).rejects.toMatchObject({ code: "VALIDATION" });
    await expect(w.service.history({ teamId: w.team.id, limit: 5000 })).rejects.toMatchObject({ code: "VALIDATION" });
  });

  it("returns the transition history of one execution in seq order", async () => {
    const e = await w.service.start({ workflowId: w.workflow.id });
    for (const s of ["queued", "running", "waiting", "running", "succeeded"] as const) await w.service.transition(e.id, s, { details: { reason: s } });
    const t = await w.service.transitions(e.id);
    expect(t.map((x) => [x.seq, x.fromState, x.toState])).toEqual([
      [1, null, "pending"], [2, "pending", "queued"], [3, "queued", "running"], [4, "running", "waiting"], [5, "waiting", "running"], [6, "running", "succeeded"]]);
  });

  it("looks executions up by id alone reading one partition, and history queries prune partitions and use the filter indexes", async () => {
    const e = await w.service.start({ workflowId: w.workflow.id });
    const plan = async (sql: string, params: unknown[]) =>
      (await db.pool.query(`explain (format text) ${sql}`, params)).rows.map((r) => r["QUERY PLAN"]).join("\n");
    const byId = await plan("select * from app_public.executions e where e.id = $1 and e.created_at = app_hidden.execution_created_at($1)", [e.id]);
    expect(byId).toMatch(/Subplans Removed: \d+/);
    const scanned = byId.match(/on executions_p\d+/g) ?? [];
    expect(byId.match(/Subplans Removed: (\d+)/)![1]).not.toBe("0");
    expect(scanned.length).toBeGreaterThan(0);
    // the history queries' shape: bounded time range prunes to the partitions it covers, index led by the filter columns
    const hist = await plan(`select * from app_public.executions e where e.workflow_id = $1 and e.state = 'failed'
      and e.created_at >= now() - interval '1 day' and e.created_at < now() and (e.created_at, e.id) < ('infinity'::timestamptz, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)
      order by e.created_at desc, e.id desc limit 50`, [wf2.id]);
    expect(hist).toMatch(/executions_p\d+_workflow_id_state_created_at_id_idx|Index Scan/);
    expect(hist).toMatch(/Subplans Removed: [1-9]/);
  });
});
