import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../harness/db.ts";
import { makeTeam, makeUser } from "../harness/fixtures.ts";

const db = useTestDatabase();
const list = async (fn: string): Promise<string[]> => (await db.pool.query(`select app_hidden.${fn}() as l`)).rows[0].l;

describe("closed lists, declared once in SQL", () => {
  it("the execution state subsets are subsets of execution_states(), and node-run finish statuses of the status constraint", async () => {
    const states = await list("execution_states");
    const terminal = await list("execution_terminal_states");
    for (const sub of [terminal, await list("execution_failure_states"), await list("execution_active_states")]) {
      expect(sub.length).toBeGreaterThan(0);
      for (const s of sub) expect(states).toContain(s);
    }
    for (const s of await list("execution_failure_states")) expect(terminal).toContain(s);
    for (const s of await list("execution_active_states")) expect(terminal).not.toContain(s);
    const { rows } = await db.pool.query(`select pg_get_constraintdef(oid) as d from pg_constraint where conname = 'execution_node_runs_status_known' limit 1`);
    for (const s of await list("node_run_finished_statuses")) expect(rows[0].d).toContain(`'${s}'`);
  });

  it("cost a query nothing: the planner folds a declaration into a constant array", async () => {
    for (const fn of ["execution_states", "execution_terminal_states", "execution_failure_states", "execution_active_states", "node_run_finished_statuses"]) {
      const { rows } = await db.pool.query(`explain (verbose, costs off) select 1 from app_public.executions e where e.state = any (app_hidden.${fn}())`);
      const plan = rows.map((r) => r["QUERY PLAN"]).join("\n");
      expect(plan).not.toContain(fn);
      expect(plan).toMatch(/= ANY \('\{[a-z_,]+\}'::text\[\]\)/);
    }
  });

  it("the constraints and the terminal trigger's WHEN hold the declared lists themselves (no function call per written row)", async () => {
    const states = await list("execution_states");
    const terminal = await list("execution_terminal_states");
    const literal = (l: string[]) => `'{${l.join(",")}}'::text[]`;
    const { rows } = await db.pool.query(`
      select conrelid::regclass::text as t, conname, pg_get_constraintdef(oid) as d from pg_constraint
       where conname in ('executions_state_known', 'execution_transitions_from_known', 'execution_transitions_to_known',
                         'execution_metric_samples_state_known', 'execution_allowed_transitions_from_known', 'execution_allowed_transitions_to_known')
         and conrelid::regclass::text like 'app_public.%'`);
    expect(rows).toHaveLength(6);
    for (const r of rows) {
      expect(r.d, r.conname).toContain(literal(states));
      expect(r.d, r.conname).not.toContain("app_hidden");
    }
    const { rows: [trigger] } = await db.pool.query(
      `select pg_get_triggerdef(oid) as d from pg_trigger where tgname = '_200_terminal_immutable' and tgrelid = 'app_public.executions'::regclass`);
    expect(trigger.d).toContain(literal(terminal));
    const team = await makeTeam(db.pool);
    const { rows: [w] } = await db.pool.query(
      `with w as (insert into app_public.workflows (team_id, name) values ($1, 'lists') returning id, team_id)
       insert into app_public.workflow_versions (workflow_id, team_id, version, data) select id, team_id, 1, '{}' from w returning workflow_id`, [team.id]);
    await expect(db.pool.query(`insert into app_public.executions (team_id, workflow_id, workflow_version, state) values ($1, $2, 1, 'exploded')`, [team.id, w.workflow_id]))
      .rejects.toMatchObject({ code: "23514", constraint: "executions_state_known" });
  });

  it("team roles are the ones team_role_rank ranks: the membership constraint and assert_role agree with it", async () => {
    const user = await makeUser(db.pool);
    for (const role of ["owner", "admin", "editor", "viewer"]) {
      expect((await db.pool.query("select app_hidden.team_role_rank($1) as r", [role])).rows[0].r).toBeGreaterThan(0);
      await db.pool.query("select app_private.assert_role($1)", [role]);
      const team = await makeTeam(db.pool);
      await db.pool.query("insert into app_public.team_memberships (team_id, user_id, role) values ($1, $2, $3)", [team.id, user.id, role]);
    }
    for (const bad of ["superuser", "Owner", "", null]) {
      await expect(db.pool.query("select app_private.assert_role($1)", [bad])).rejects.toMatchObject({ code: "LFVAL", detail: "field: role" });
    }
    const team = await makeTeam(db.pool);
    await expect(db.pool.query("insert into app_public.team_memberships (team_id, user_id, role) values ($1, $2, 'superuser')", [team.id, user.id]))
      .rejects.toMatchObject({ code: "23514", constraint: "team_memberships_role_known" });
  });
});
