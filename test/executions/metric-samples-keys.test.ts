// Metric samples carry no foreign keys (a per-row check on every finishing move); deleting a team or a workflow
// still deletes its samples in the same statement's transaction, and nothing else.
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../harness/db.ts";
import { makeTeam, makeWorkflow } from "../harness/fixtures.ts";

const db = useTestDatabase();

async function addSamples(teamId: string, workflowId: string, n: number) {
  await db.pool.query(`
    insert into app_public.execution_metric_samples (execution_id, recorded_at, team_id, workflow_id, state, duration_ms, node_count, failed_node_count)
    select gen_random_uuid(), now() - g * interval '1 second', $1, $2, 'succeeded', 100, 1, 0 from generate_series(1, $3) g`,
    [teamId, workflowId, n]);
}
const count = async (col: "team_id" | "workflow_id", id: string) =>
  (await db.pool.query(`select count(*)::int as n from app_public.execution_metric_samples where ${col} = $1`, [id])).rows[0].n as number;

describe("executions: metric samples and deletes", () => {
  it("deleting a workflow deletes its samples only; deleting a team deletes all of the team's", async () => {
    const team = await makeTeam(db.pool);
    const other = await makeTeam(db.pool);
    const [a, b] = [await makeWorkflow(db.pool, team.id), await makeWorkflow(db.pool, team.id)];
    const c = await makeWorkflow(db.pool, other.id);
    await addSamples(team.id, a.id, 5);
    await addSamples(team.id, b.id, 7);
    await addSamples(other.id, c.id, 3);

    await db.pool.query("delete from app_public.workflows where id = $1", [a.id]);
    expect([await count("workflow_id", a.id), await count("workflow_id", b.id), await count("team_id", other.id)]).toEqual([0, 7, 3]);

    // a rolled-back delete keeps them
    const client = await db.pool.connect();
    try {
      await client.query("begin");
      await client.query("delete from app_public.teams where id = $1", [team.id]);
      expect(Number((await client.query("select count(*) from app_public.execution_metric_samples where team_id = $1", [team.id])).rows[0].count)).toBe(0);
      await client.query("rollback");
    } finally {
      client.release();
    }
    expect(await count("team_id", team.id)).toBe(7);

    await db.pool.query("delete from app_public.teams where id = $1", [team.id]);
    expect([await count("team_id", team.id), await count("team_id", other.id)]).toEqual([0, 3]);
  });

  it("carry no foreign keys, so a finishing move runs no per-row key check on the team and workflow rows", async () => {
    const { rows } = await db.pool.query(`
      select count(*)::int as n from pg_constraint
       where conrelid = 'app_public.execution_metric_samples'::regclass and contype = 'f'`);
    expect(rows[0].n).toBe(0);
  });
});
