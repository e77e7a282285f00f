// Test workload for the event store: writes the source rows and appends the contract events in the same
// transaction, the way the workflow and execution functions do.
import type pg from "pg";

type Q = pg.ClientBase;

const append = (c: Q, stream: string, type: string, expected: number | null, events: unknown[], teamId: string) =>
  c.query("select * from app_private.append_events($1, $2, $3, $4::jsonb, $5)", [stream, type, expected, JSON.stringify(events), teamId]);

export async function createWorkflow(c: Q, teamId: string, name: string, actor: string | null = null): Promise<string> {
  const { rows } = await c.query(
    `insert into app_public.workflows (team_id, name, description, settings, tags) values ($1, $2, 'd', '{"a":1}', '{x}')
     returning id, team_id, name, description, status, settings, tags, current_version as version`, [teamId, name]);
  const w = rows[0];
  await c.query("insert into app_public.workflow_versions (workflow_id, team_id, version, data) values ($1, $2, 1, '{}')", [w.id, teamId]);
  await append(c, `workflow-${w.id}`, "workflow", 0, [{ type: "WorkflowCreated", data: { workflow_id: w.id, ...w, id: undefined }, metadata: { actor } }], teamId);
  return w.id;
}

export async function saveWorkflow(c: Q, id: string, name: string, actor: string | null = null): Promise<void> {
  const { rows } = await c.query(
    `update app_public.workflows set name = $2, description = description || '+', tags = tags || '{y}', current_version = current_version + 1,
            settings = settings || jsonb_build_object('n', current_version + 1)
      where id = $1 returning id as workflow_id, team_id, name, description, status, settings, tags, current_version as version`, [id, name]);
  const w = rows[0];
  await c.query("insert into app_public.workflow_versions (workflow_id, team_id, version, data) values ($1, $2, $3, '{}')", [id, w.team_id, w.version]);
  await append(c, `workflow-${id}`, "workflow", null, [{ type: "WorkflowSaved", data: w, metadata: { actor } }], w.team_id);
}

export async function changeStatus(c: Q, id: string, status: string, actor: string | null = null): Promise<void> {
  const { rows } = await c.query(
    `update app_public.workflows w set status = $2 from (select status as previous_status from app_public.workflows where id = $1 for update) p
      where w.id = $1 returning w.id as workflow_id, w.team_id, w.status, p.previous_status, w.current_version as version`, [id, status]);
  const w = rows[0];
  await append(c, `workflow-${id}`, "workflow", null, [{ type: "WorkflowStatusChanged", data: w, metadata: { actor } }], w.team_id);
}

export async function deleteWorkflow(c: Q, id: string, actor: string | null = null): Promise<void> {
  const { rows } = await c.query("delete from app_public.workflows where id = $1 returning id as workflow_id, team_id", [id]);
  await append(c, `workflow-${id}`, "workflow", null, [{ type: "WorkflowDeleted", data: rows[0], metadata: { actor } }], rows[0].team_id);
}

export async function createExecution(c: Q, workflowId: string, actor: string | null = null): Promise<string> {
  const { rows } = await c.query(
    `insert into app_public.executions (team_id, workflow_id, workflow_version, trigger_type)
     select team_id, id, current_version, 'manual' from app_public.workflows where id = $1
     returning id as execution_id, workflow_id, team_id, workflow_version, state, trigger_type, attempt, to_jsonb(created_at) #>> '{}' as created_at`, [workflowId]);
  const e = rows[0];
  await append(c, `execution-${e.execution_id}`, "execution", 0, [{ type: "ExecutionCreated", data: e, metadata: { actor } }], e.team_id);
  return e.execution_id;
}

const TERMINAL = new Set(["succeeded", "failed", "cancelled", "timed_out", "crashed"]);

export async function moveExecution(c: Q, executionId: string, to: string, actor: string | null = null): Promise<void> {
  const { rows } = await c.query(
    `with cur as (select id, created_at, state from app_public.executions where id = $1 for update)
     update app_public.executions e set state = $2,
            started_at = case when $2 = 'running' and e.started_at is null then clock_timestamp() else e.started_at end,
            finished_at = case when $3 then clock_timestamp() else e.finished_at end,
            duration_ms = case when $3 then (extract(epoch from clock_timestamp() - coalesce(e.started_at, e.created_at)) * 1000)::bigint else e.duration_ms end,
            version = e.version + 1, updated_at = now()
       from cur where e.id = cur.id and e.created_at = cur.created_at
     returning e.id as execution_id, e.workflow_id, e.team_id, cur.state as from_state, e.state as to_state, e.version - 1 as seq,
               to_jsonb(clock_timestamp()) #>> '{}' as at, e.attempt,
               to_jsonb(e.started_at) #>> '{}' as started_at, to_jsonb(e.finished_at) #>> '{}' as finished_at, e.duration_ms`,
    [executionId, to, TERMINAL.has(to)]);
  const e = { ...rows[0], duration_ms: rows[0].duration_ms === null ? null : Number(rows[0].duration_ms) };
  await append(c, `execution-${executionId}`, "execution", null, [{ type: "ExecutionStateChanged", data: e, metadata: { actor } }], e.team_id);
}

export const NEXT: Record<string, string[]> = {
  pending: ["queued", "running", "cancelled"],
  queued: ["running", "cancelled"],
  running: ["succeeded", "failed", "waiting", "timed_out", "crashed"],
  waiting: ["running", "cancelled"],
};
