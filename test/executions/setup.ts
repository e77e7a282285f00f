// Shared fixtures for the executions tests: a team with one user per role, an outsider, an active workflow,
// and helpers to drive executions to a given state through the service path.
import type pg from "pg";
import { ExecutionsRepository } from "../../src/executions/index.ts";
import type { ExecutionState, TransitionRequest } from "../../src/executions/index.ts";
import { makeTeam, makeUser, makeWorkflow } from "../harness/fixtures.ts";

export const STATES: ExecutionState[] = ["pending", "queued", "running", "waiting", "succeeded", "failed", "cancelled", "timed_out", "crashed"];

/** The legal moves the issue asks for (plus waiting->timed_out, retries from timed_out and crashed: see docs). */
export const LEGAL: Record<string, "move" | "retry"> = {
  "pending>queued": "move", "queued>running": "move", "running>waiting": "move", "waiting>running": "move",
  "running>succeeded": "move", "running>failed": "move", "running>timed_out": "move", "waiting>timed_out": "move",
  "pending>cancelled": "move", "queued>cancelled": "move", "running>cancelled": "move", "waiting>cancelled": "move",
  "running>crashed": "move", "waiting>crashed": "move",
  "failed>queued": "retry", "timed_out>queued": "retry", "crashed>queued": "retry",
};

/** Moves from pending that reach each state. */
export const PATH: Record<ExecutionState, ExecutionState[]> = {
  pending: [], queued: ["queued"], running: ["queued", "running"], waiting: ["queued", "running", "waiting"],
  succeeded: ["queued", "running", "succeeded"], failed: ["queued", "running", "failed"], cancelled: ["cancelled"],
  timed_out: ["queued", "running", "timed_out"], crashed: ["queued", "running", "crashed"],
};

export interface World {
  owner: { id: string }; editor: { id: string }; viewer: { id: string }; outsider: { id: string };
  team: { id: string }; otherTeam: { id: string };
  workflow: { id: string }; draft: { id: string }; otherWorkflow: { id: string };
  service: ExecutionsRepository;
}

export async function makeWorld(pool: pg.Pool): Promise<World> {
  const [owner, editor, viewer, outsider] = [await makeUser(pool), await makeUser(pool), await makeUser(pool), await makeUser(pool)];
  const team = await makeTeam(pool, [{ userId: owner.id, role: "owner" }, { userId: editor.id, role: "editor" }, { userId: viewer.id, role: "viewer" }]);
  const otherTeam = await makeTeam(pool, [{ userId: outsider.id, role: "owner" }]);
  const workflow = await makeWorkflow(pool, team.id, { status: "active" });
  const draft = await makeWorkflow(pool, team.id, { status: "draft" });
  const otherWorkflow = await makeWorkflow(pool, otherTeam.id, { status: "active" });
  return { owner, editor, viewer, outsider, team, otherTeam, workflow, draft, otherWorkflow, service: new ExecutionsRepository(pool) };
}

/** Starts n executions of the workflow and drives each to its target state in one batch. */
export async function executionsIn(repo: ExecutionsRepository, workflowId: string, targets: ExecutionState[]): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < targets.length; i++) ids.push((await repo.start({ workflowId })).id);
  const moves: TransitionRequest[] = [];
  targets.forEach((t, i) => { for (const s of PATH[t]) moves.push({ id: ids[i]!, toState: s }); });
  const results = await repo.transitionMany(moves);
  const bad = results.filter((r) => !r.ok);
  if (bad.length) throw new Error(`setup moves failed: ${JSON.stringify(bad)}`);
  return ids;
}

/** Counts of everything a transition writes, for "wrote nothing" checks. */
export async function footprint(pool: pg.Pool, id: string) {
  const { rows } = await pool.query(`
    select (select count(*) from app_public.execution_transitions where execution_id = $1)::int as transitions,
           (select count(*) from app_public.events where stream_id = 'execution-' || $1)::int as events,
           (select count(*) from app_public.execution_metric_samples where execution_id = $1)::int as samples,
           (select row(state, attempt, version, started_at, finished_at, duration_ms)::text from app_public.executions where id = $1) as row`, [id]);
  return rows[0];
}
