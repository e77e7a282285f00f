// Budgets: a team's monthly execution budget is enforced when executions start, exactly, under 16 concurrent
// starters, with a typed LFLIM naming the budget and the usage, and one warning event at the threshold.
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { mapDbError } from "../../src/db/errors.ts";
import { ExecutionsRepository } from "../../src/executions/index.ts";
import { LifecycleRepository, foldUsage } from "../../src/lifecycle/index.ts";
import { useTestDatabase } from "../harness/db.ts";
import { makeTeam, makeUser, makeWorkflow } from "../harness/fixtures.ts";

type U = { id: string };
const db = useTestDatabase();
let owner: { id: string }, editor: { id: string }, viewer: { id: string }, outsider: { id: string };
let teamId: string, workflowId: string, otherTeamId: string, otherWorkflowId: string;

beforeAll(async () => {
  [owner, editor, viewer, outsider] = (await Promise.all([0, 1, 2, 3].map(() => makeUser(db.pool)))) as unknown as [U, U, U, U];
  teamId = (await makeTeam(db.pool, [{ userId: owner.id, role: "owner" }, { userId: editor.id, role: "editor" }, { userId: viewer.id, role: "viewer" }])).id;
  workflowId = (await makeWorkflow(db.pool, teamId, { status: "active" })).id;
  otherTeamId = (await makeTeam(db.pool, [{ userId: outsider.id, role: "owner" }])).id;
  otherWorkflowId = (await makeWorkflow(db.pool, otherTeamId, { status: "active" })).id;
});

/** 16 connections start executions as fast as they can, `each` attempts apiece; returns the outcomes. */
async function race(wf: string, each: number) {
  const clients = await Promise.all(Array.from({ length: 16 }, async () => {
    const c = new pg.Client({ connectionString: db.ownerUrl });
    await c.connect();
    return c;
  }));
  const ok: string[] = [];
  const refused: { detail: string | undefined; code: string }[] = [];
  const other: string[] = [];
  try {
    await Promise.all(clients.map(async (c) => {
      for (let i = 0; i < each; i++) {
        try {
          const { rows } = await c.query("select id from app_private.start_execution($1, 'manual', null, null, null, false)", [wf]);
          ok.push(rows[0].id);
        } catch (e) {
          const m = mapDbError(e);
          if (m.sqlState === "LFLIM") refused.push({ detail: m.detail, code: m.code });
          else other.push(`${m.sqlState} ${m.message}`);
        }
      }
    }));
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
  return { ok, refused, other };
}

describe("lifecycle: execution budgets", { timeout: 120_000 }, () => {
  it("are set by owners and admins only; members read them", async () => {
    const repo = new LifecycleRepository(db.pool);
    await expect(repo.asUser(editor.id).setBudget(teamId, 10)).rejects.toMatchObject({ code: "FORBIDDEN", sqlState: "LFDNY" });
    await expect(repo.asUser(outsider.id).setBudget(teamId, 10)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(repo.asUser(owner.id).setBudget(teamId, -1)).rejects.toMatchObject({ code: "VALIDATION", field: "executions_per_month" });
    await expect(repo.asUser(owner.id).setBudget(teamId, 10, 0)).rejects.toMatchObject({ code: "VALIDATION", field: "warn_percent" });
    expect(await repo.asUser(viewer.id).budgetUsage(teamId)).toBeNull();
    await expect(repo.asUser(outsider.id).budgetUsage(teamId)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("count exactly under 16 concurrent starters: exactly the budget starts, the rest get LFLIM naming budget and usage", async () => {
    const repo = new LifecycleRepository(db.pool).asUser(owner.id);
    await repo.setBudget(teamId, 50, 80);
    const r = await race(workflowId, 5); // 80 attempts
    expect(r.other).toEqual([]);
    expect(r.ok).toHaveLength(50);
    expect(r.refused).toHaveLength(30);
    for (const x of r.refused) {
      expect(x.code).toBe("LIMIT_EXCEEDED");
      expect(x.detail).toMatch(/^budget=executions_per_month limit=50 usage=50 requested=1 month=\d{4}-\d{2}$/);
    }
    const { rows: [n] } = await db.pool.query("select count(*)::int as n from app_public.executions where team_id = $1", [teamId]);
    expect(n.n).toBe(50);
    // a refused start wrote nothing: no transition, no event beyond the 50 started
    const { rows: [ev] } = await db.pool.query("select count(*)::int as n from app_public.events where team_id = $1 and type = 'ExecutionCreated'", [teamId]);
    expect(ev.n).toBe(50);
    expect(await repo.budgetUsage(teamId)).toMatchObject({ budget: "executions_per_month", budget_limit: 50, usage: 50, warn_percent: 80 });
    // usage agrees (exact before and after the fold)
    expect((await repo.usage(teamId)).executions_this_month).toBe(50);
    await foldUsage(db.pool);
    expect((await repo.usage(teamId)).executions_this_month).toBe(50);
    // exactly one warning event, at the threshold (80% of 50 = 40)
    const { rows: warn } = await db.pool.query(
      "select data from app_public.events where stream_id = $1 and type = 'BudgetThresholdReached'", [`lifecycle-${teamId}`]);
    expect(warn).toHaveLength(1);
    expect(warn[0].data).toMatchObject({ budget: "executions_per_month", limit: 50, warn_percent: 80, team_id: teamId });
    expect(warn[0].data.usage).toBeGreaterThanOrEqual(40);
    expect(warn[0].data.usage).toBeLessThan(50);
  });

  it("the public start_execution is refused the same way, and other teams are not affected", async () => {
    await expect(new ExecutionsRepository(db.pool).asUser(editor.id).start({ workflowId }))
      .rejects.toMatchObject({ code: "LIMIT_EXCEEDED", sqlState: "LFLIM" });
    const e = await new ExecutionsRepository(db.pool).start({ workflowId: otherWorkflowId });
    expect(e.id).toBeTruthy();
  });

  it("raising the budget takes effect at once and stays exact; removing it lifts the limit", async () => {
    const repo = new LifecycleRepository(db.pool).asUser(owner.id);
    await repo.setBudget(teamId, 60, 80);
    const r = await race(workflowId, 2);
    expect(r.other).toEqual([]);
    expect(r.ok).toHaveLength(10);
    expect(await repo.budgetUsage(teamId)).toMatchObject({ budget_limit: 60, usage: 60 });
    // lowering below the usage refuses everything
    await repo.setBudget(teamId, 55, 80);
    await expect(new ExecutionsRepository(db.pool).start({ workflowId })).rejects.toMatchObject({ code: "LIMIT_EXCEEDED" });
    await repo.setBudget(teamId, null);
    expect((await race(workflowId, 1)).ok).toHaveLength(16);
    // one warning per month only
    const { rows: [w] } = await db.pool.query("select count(*)::int as n from app_public.events where stream_id = $1 and type = 'BudgetThresholdReached'", [`lifecycle-${teamId}`]);
    expect(w.n).toBe(1);
  });

  it("a set-based insert of current executions is checked as a whole: over budget writes none of them", async () => {
    const repo = new LifecycleRepository(db.pool).asUser(owner.id);
    const used = (await repo.usage(teamId)).executions_this_month;
    await repo.setBudget(teamId, used + 5, 100);
    const insert = (n: number) => db.pool.query(`
      insert into app_public.executions (team_id, workflow_id, workflow_version, state)
      select $1, $2, 1, 'pending' from generate_series(1, $3::int)`, [teamId, workflowId, n]);
    await expect(insert(6)).rejects.toMatchObject({ code: "LFLIM" });
    expect((await repo.usage(teamId)).executions_this_month).toBe(used);
    await insert(5);
    expect((await repo.usage(teamId)).executions_this_month).toBe(used + 5);
    // the allotments started from the month's usage when the budget came back: exact across a budget gap
    expect(await repo.budgetUsage(teamId)).toMatchObject({ budget_limit: used + 5, usage: used + 5 });
    await expect(insert(1)).rejects.toMatchObject({ code: "LFLIM" });
  });
});
