import pg from "pg";
import { describe, expect, it } from "vitest";
import { EventStore, ExecutionAggregate, WorkflowAggregate } from "../../src/events/index.ts";
import { useTestDatabase } from "../harness/db.ts";
import { makeTeam, makeUser } from "../harness/fixtures.ts";
import { changeStatus, createExecution, createWorkflow, deleteWorkflow, moveExecution, NEXT, saveWorkflow } from "./workload.ts";

const db = useTestDatabase();

// Visibility waits on the cluster-wide horizon: another session's long writer can stall it (see docs/events.md).
describe("rebuilding state from events", { timeout: 240_000 }, () => {
  it("a fold of every workflow's and execution's stream equals its current row after a randomized concurrent workload", async () => {
    const user = await makeUser(db.pool);
    const teams = [await makeTeam(db.pool, [{ userId: user.id, role: "owner" }]), await makeTeam(db.pool)];
    const deleted = new Set<string>();
    const clients = await Promise.all(Array.from({ length: 4 }, async () => { const c = new pg.Client({ connectionString: db.ownerUrl }); await c.connect(); return c; }));
    try {
      await Promise.all(clients.map(async (c, w) => {
        const wfs: string[] = [];
        const open: { id: string; state: string }[] = [];
        for (let i = 0; i < 60; i++) {
          const r = Math.random();
          await c.query("begin");
          try {
            if (Math.random() < 0.1 && wfs.length > 0) {
              // a transaction that rolls back: neither its rows nor its events may remain
              await createWorkflow(c, teams[w % 2]!.id, `rolled-back-${w}-${i}`, user.id);
              await saveWorkflow(c, wfs[0]!, `rolled-back-${w}-${i}`, user.id);
              await c.query("rollback");
              continue;
            }
            if (r < 0.15 || wfs.length === 0) wfs.push(await createWorkflow(c, teams[w % 2]!.id, `wf-${w}-${i}`, user.id));
            else if (r < 0.3) await saveWorkflow(c, wfs[Math.floor(Math.random() * wfs.length)]!, `renamed-${w}-${i}`, user.id);
            else if (r < 0.4) await changeStatus(c, wfs[Math.floor(Math.random() * wfs.length)]!, ["active", "inactive", "archived", "draft"][i % 4]!, null);
            else if (r < 0.43 && wfs.length > 2) { const id = wfs.splice(Math.floor(Math.random() * wfs.length), 1)[0]!; await deleteWorkflow(c, id, user.id); deleted.add(id); open.splice(0); }
            else if (r < 0.65 || open.length === 0) open.push({ id: await createExecution(c, wfs[Math.floor(Math.random() * wfs.length)]!, null), state: "pending" });
            else {
              const k = Math.floor(Math.random() * open.length);
              const e = open[k]!;
              const to = NEXT[e.state]![Math.floor(Math.random() * NEXT[e.state]!.length)]!;
              await moveExecution(c, e.id, to, null);
              e.state = to;
              if (!NEXT[to]) open.splice(k, 1);
            }
            await c.query("commit");
          } catch (err) {
            await c.query("rollback");
            throw err;
          }
        }
      }));
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
    const store = new EventStore(db.pool);
    const workflows = (await db.pool.query("select id, team_id, name, description, status, settings, tags, current_version from app_public.workflows")).rows;
    expect(workflows.length).toBeGreaterThan(10);
    expect((await db.pool.query("select count(*)::int as n from app_public.events where data->>'name' like 'rolled-back-%'")).rows[0].n).toBe(0);
    for (const w of workflows) {
      const agg = new WorkflowAggregate(w.id);
      agg.loadFromHistory(await store.load(agg.streamId));
      expect({ ...agg.state, version: agg.state.version }).toEqual({
        exists: true, deleted: false, workflowId: w.id, teamId: w.team_id, name: w.name, description: w.description,
        status: w.status, settings: w.settings, tags: w.tags, version: w.current_version,
      });
    }
    // deleted workflows fold to deleted, and every workflow stream belongs to a row or a deletion
    const streams = (await db.pool.query("select id from app_public.event_streams where type = 'workflow'")).rows.map((r) => r.id.slice("workflow-".length));
    const live = new Set(workflows.map((w) => w.id));
    for (const id of streams) {
      if (live.has(id)) continue;
      const agg = new WorkflowAggregate(id);
      agg.loadFromHistory(await store.load(agg.streamId));
      expect(agg.state.deleted).toBe(true);
    }
    const executions = (await db.pool.query(
      `select id, workflow_id, team_id, workflow_version, state, trigger_type, attempt, to_jsonb(created_at) #>> '{}' as created_at,
              to_jsonb(started_at) #>> '{}' as started_at, to_jsonb(finished_at) #>> '{}' as finished_at, duration_ms, version from app_public.executions`)).rows;
    expect(executions.length).toBeGreaterThan(10);
    for (const e of executions) {
      const agg = new ExecutionAggregate(e.id);
      agg.loadFromHistory(await store.load(agg.streamId));
      expect(agg.state).toEqual({
        exists: true, executionId: e.id, workflowId: e.workflow_id, teamId: e.team_id, workflowVersion: e.workflow_version,
        state: e.state, triggerType: e.trigger_type, attempt: e.attempt, createdAt: e.created_at, startedAt: e.started_at,
        finishedAt: e.finished_at, durationMs: e.duration_ms === null ? null : Number(e.duration_ms), seq: e.version - 1,
      });
    }
    // no stream without a committed row or deletion (rolled-back appends left nothing)
    const orphanExecStreams = await db.pool.query(
      `select s.id from app_public.event_streams s where s.type = 'execution'
        and not exists (select 1 from app_public.executions e where 'execution-' || e.id = s.id)
        and not exists (select 1 from app_public.events ev where ev.stream_id = 'workflow-' || (select (x.data->>'workflow_id') from app_public.events x where x.stream_id = s.id limit 1) and ev.type = 'WorkflowDeleted')`);
    expect(orphanExecStreams.rows).toEqual([]);
  }, 240_000);
});
