// Small realistic data for backup tests: users, a team, workflows, executions and events.
import type pg from "pg";
import { makeTeam, makeUser, makeWorkflow } from "../harness/fixtures.ts";

export async function seed(pool: pg.Pool, workflows = 5): Promise<{ teamId: string }> {
  const u = await makeUser(pool);
  const t = await makeTeam(pool, [{ userId: u.id, role: "owner" }]);
  for (let i = 0; i < workflows; i++) {
    const w = await makeWorkflow(pool, t.id, { name: `wf ${i} ${Math.random().toString(36).slice(2, 6)}` });
    await pool.query("select * from app_private.append_events($1, 'workflow', null, $2, $3)",
      [`workflow-${w.id}`, JSON.stringify([{ type: "WorkflowCreated", data: { workflow_id: w.id, n: i, at: new Date().toISOString() } }]), t.id]);
  }
  return { teamId: t.id };
}
