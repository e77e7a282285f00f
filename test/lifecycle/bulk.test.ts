// Bulk actions by filter: owner/admin only, a dry-run count first, batches by the worker with progress in
// the action's row, each execution acted on exactly once (also across a SIGKILL of the worker process), the
// moves through the engine's transition functions, other teams never touched.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runOnce } from "graphile-worker";
import { beforeAll, describe, expect, it } from "vitest";
import { placeLegalHold } from "../../src/archive/compliance.ts";
import { ExecutionsRepository } from "../../src/executions/index.ts";
import { LifecycleRepository, registerLifecycleMetrics, runBulkAction } from "../../src/lifecycle/index.ts";
import bulkTask from "../../tasks/lifecycle_bulk_action.ts";
import client from "prom-client";
import { useTestDatabase } from "../harness/db.ts";
import { makeTeam, makeUser, makeWorkflow } from "../harness/fixtures.ts";
import { executionsIn } from "../executions/setup.ts";

type U = { id: string };
const db = useTestDatabase();
let owner: { id: string }, admin: { id: string }, editor: { id: string }, viewer: { id: string }, outsider: { id: string };
let teamId: string, wfA: string, wfB: string, otherTeamId: string, otherWf: string;
let service: ExecutionsRepository;
let running: string[], failed: string[], succeeded: string[], otherRunning: string[];

beforeAll(async () => {
  [owner, admin, editor, viewer, outsider] = (await Promise.all([0, 1, 2, 3, 4].map(() => makeUser(db.pool)))) as unknown as [U, U, U, U, U];
  teamId = (await makeTeam(db.pool, [{ userId: owner.id, role: "owner" }, { userId: admin.id, role: "admin" },
    { userId: editor.id, role: "editor" }, { userId: viewer.id, role: "viewer" }])).id;
  otherTeamId = (await makeTeam(db.pool, [{ userId: outsider.id, role: "owner" }])).id;
  wfA = (await makeWorkflow(db.pool, teamId, { status: "active" })).id;
  wfB = (await makeWorkflow(db.pool, teamId, { status: "active" })).id;
  otherWf = (await makeWorkflow(db.pool, otherTeamId, { status: "active" })).id;
  service = new ExecutionsRepository(db.pool);
  running = await executionsIn(service, wfA, Array(23).fill("running"));
  failed = await executionsIn(service, wfA, Array(9).fill("failed"));
  succeeded = await executionsIn(service, wfA, Array(6).fill("succeeded"));
  otherRunning = await executionsIn(service, otherWf, Array(12).fill("running"));
}, 120_000);

async function transitionsTo(ids: string[], toState: string) {
  const { rows } = await db.pool.query(`
    select x.id, (select count(*)::int from app_public.execution_transitions t where t.execution_id = x.id and t.to_state = $2) as n
      from unnest($1::uuid[]) x(id)`, [ids, toState]);
  return rows.map((r) => r.n as number);
}
async function states(ids: string[]) {
  const { rows } = await db.pool.query("select state, count(*)::int as n from app_public.executions where id = any($1::uuid[]) group by 1", [ids]);
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}

describe("lifecycle: bulk actions", { timeout: 180_000 }, () => {
  it("a viewer or an editor cannot count or start one; an outsider does not see the team; bad filters are typed", async () => {
    const repo = new LifecycleRepository(db.pool);
    for (const u of [viewer, editor]) {
      await expect(repo.asUser(u.id).startBulk(teamId, "cancel")).rejects.toMatchObject({ code: "FORBIDDEN", sqlState: "LFDNY" });
      await expect(repo.asUser(u.id).countBulk(teamId, "cancel")).rejects.toMatchObject({ code: "FORBIDDEN" });
    }
    await expect(repo.asUser(outsider.id).startBulk(teamId, "cancel")).rejects.toMatchObject({ code: "NOT_FOUND", sqlState: "LFNTF" });
    await expect(repo.asUser(owner.id).startBulk(teamId, "explode" as never)).rejects.toMatchObject({ code: "VALIDATION", field: "action" });
    await expect(repo.asUser(owner.id).countBulk(teamId, "cancel", { colour: "red" } as never)).rejects.toMatchObject({ code: "VALIDATION", field: "filter.colour" });
    await expect(repo.asUser(owner.id).countBulk(teamId, "cancel", { state: "bogus" })).rejects.toMatchObject({ code: "VALIDATION", field: "filter.state" });
    await expect(repo.asUser(owner.id).countBulk(teamId, "cancel", { workflow_id: "nope" })).rejects.toMatchObject({ code: "VALIDATION", field: "filter" });
    await expect(repo.asUser(owner.id).startBulk(teamId, "cancel", {}, 0)).rejects.toMatchObject({ code: "VALIDATION", field: "batch_size" });
    const { rows: [n] } = await db.pool.query("select count(*)::int as n from app_public.bulk_actions");
    expect(n.n).toBe(0);
    // nobody writes the table directly
    await expect(db.asUser(owner.id, (c) => c.query("update app_public.bulk_actions set status = 'succeeded'"))).rejects.toThrow();
  });

  it("the dry run counts what the action would reach, by the execution-history filter", async () => {
    const repo = new LifecycleRepository(db.pool).asUser(admin.id);
    expect(await repo.countBulk(teamId, "cancel")).toBe(23);
    expect(await repo.countBulk(teamId, "cancel", { workflow_id: wfB })).toBe(0);
    // another team's workflow in the filter reaches nothing (the team is part of every candidate query)
    expect(await repo.countBulk(teamId, "cancel", { workflow_id: otherWf })).toBe(0);
    expect(await repo.countBulk(teamId, "cancel", { state: "failed" })).toBe(0);
    expect(await repo.countBulk(teamId, "retry")).toBe(9);
    expect(await repo.countBulk(teamId, "delete")).toBe(15);
    expect(await repo.countBulk(teamId, "delete", { state: "succeeded" })).toBe(6);
    expect(await repo.countBulk(teamId, "cancel", { created_before: new Date(Date.now() - 86400_000).toISOString() })).toBe(0);
  });

  it("cancel: batches through the engine, progress in the row, each execution once, the other team untouched", async () => {
    const repo = new LifecycleRepository(db.pool).asUser(owner.id);
    const a = await repo.startBulk(teamId, "cancel", { state: "running" }, 5);
    expect(a).toMatchObject({ status: "pending", expected_count: 23, processed: 0 });
    // the job was enqueued under the action's key
    const { rows: [job] } = await db.pool.query("select count(*)::int as n from graphile_worker.jobs where task_identifier = 'lifecycle_bulk_action' and key = $1", [`lifecycle_bulk_action:${a.id}`]);
    expect(job.n).toBe(1);
    const seen: number[] = [];
    const done = await runBulkAction(db.pool, { teamId, id: a.id }, { onStep: (s) => { seen.push(s.processed); } });
    expect(seen).toEqual([5, 10, 15, 20, 23]);
    expect(done).toMatchObject({ status: "succeeded", processed: 23, acted: 23, skipped: 0, steps: 5 });
    expect(await states(running)).toEqual({ cancelled: 23 });
    expect(await transitionsTo(running, "cancelled")).toEqual(Array(23).fill(1));
    expect(await states(otherRunning)).toEqual({ running: 12 });
    // moves carry the engine's events and the action's id as the reason detail
    const { rows: [ev] } = await db.pool.query(
      "select count(*)::int as n from app_public.events where type = 'ExecutionStateChanged' and data->>'to_state' = 'cancelled' and data->>'team_id' = $1", [teamId]);
    expect(ev.n).toBe(23);
    // idempotent: running it again changes nothing
    expect(await runBulkAction(db.pool, { teamId, id: a.id })).toMatchObject({ status: "succeeded", acted: 23 });
    expect(await transitionsTo(running, "cancelled")).toEqual(Array(23).fill(1));
    // progress visible to owners/admins, not to editors
    expect(await new LifecycleRepository(db.pool).asUser(admin.id).bulkAction(teamId, a.id)).toMatchObject({ processed: 23, status: "succeeded" });
    expect(await new LifecycleRepository(db.pool).asUser(editor.id).bulkAction(teamId, a.id)).toBeNull();
    // the graphile-worker job finds the action finished and completes
    await runOnce({ pgPool: db.pool, taskList: { lifecycle_bulk_action: bulkTask } });
    // (the worker may record the completion just after runOnce returns: wait for it, a few seconds at most)
    let left = 1;
    for (let i = 0; i < 100 && left > 0; i++) {
      left = (await db.pool.query("select count(*)::int as n from graphile_worker.jobs where key = $1", [`lifecycle_bulk_action:${a.id}`])).rows[0].n;
      if (left > 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(left).toBe(0);
  });

  it("retry moves the retryable executions to queued (a new attempt) through the state machine", async () => {
    const repo = new LifecycleRepository(db.pool).asUser(admin.id);
    const a = await repo.startBulk(teamId, "retry", { workflow_id: wfA }, 4);
    await runOnce({ pgPool: db.pool, taskList: { lifecycle_bulk_action: bulkTask } });
    expect(await repo.bulkAction(teamId, a.id)).toMatchObject({ status: "succeeded", processed: 9, acted: 9, skipped: 0 });
    const { rows } = await db.pool.query("select state, attempt from app_public.executions where id = any($1::uuid[])", [failed]);
    expect(rows.every((r) => r.state === "queued" && r.attempt === 2)).toBe(true);
  });

  it("delete removes finished executions, never held ones (counted as skipped)", async () => {
    await placeLegalHold(db.pool, { teamId, executionId: succeeded[0]!, reason: "keep" });
    const repo = new LifecycleRepository(db.pool).asUser(owner.id);
    expect(await repo.countBulk(teamId, "delete", { state: "succeeded" })).toBe(6);
    const a = await repo.startBulk(teamId, "delete", { state: "succeeded" }, 2);
    const done = await runBulkAction(db.pool, { teamId, id: a.id });
    expect(done).toMatchObject({ status: "succeeded", processed: 6, acted: 5, skipped: 1 });
    const { rows } = await db.pool.query("select id from app_public.executions where id = any($1::uuid[])", [succeeded]);
    expect(rows.map((r) => r.id)).toEqual([succeeded[0]]);
    const { rows: ev } = await db.pool.query("select data from app_public.events where stream_id = $1 and type = 'ExecutionsDeleted'", [`lifecycle-${teamId}`]);
    expect(ev.reduce((s, e) => s + e.data.count, 0)).toBe(5);
  });

  it("two runners of one action at once act on each execution once (they serialise on the action row)", async () => {
    const wf = (await makeWorkflow(db.pool, teamId, { status: "active" })).id;
    const ids = await executionsIn(service, wf, Array(40).fill("waiting"));
    const a = await new LifecycleRepository(db.pool).asUser(owner.id).startBulk(teamId, "cancel", { workflow_id: wf }, 3);
    const [r1, r2] = await Promise.all([runBulkAction(db.pool, { teamId, id: a.id }), runBulkAction(db.pool, { teamId, id: a.id })]);
    expect(r1.status).toBe("succeeded");
    expect(r2.status).toBe("succeeded");
    expect(await new LifecycleRepository(db.pool).bulkAction(teamId, a.id)).toMatchObject({ processed: 40, acted: 40, skipped: 0 });
    expect(await transitionsTo(ids, "cancelled")).toEqual(Array(40).fill(1));
    await runOnce({ pgPool: db.pool, taskList: { lifecycle_bulk_action: bulkTask } });
  });

  it("a cancelled action stops after its current batch", async () => {
    const more = await executionsIn(service, wfB, Array(6).fill("queued"));
    const repo = new LifecycleRepository(db.pool).asUser(owner.id);
    const a = await repo.startBulk(teamId, "cancel", { workflow_id: wfB }, 2);
    await runBulkAction(db.pool, { teamId, id: a.id }, { maxSteps: 1 });
    await repo.cancelBulk(teamId, a.id);
    expect(await runBulkAction(db.pool, { teamId, id: a.id })).toMatchObject({ status: "cancelled", processed: 2, acted: 2 });
    expect(await states(more)).toEqual({ cancelled: 2, queued: 4 });
    await expect(new LifecycleRepository(db.pool).asUser(outsider.id).cancelBulk(teamId, a.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("survives a SIGKILL of its worker process mid-run and finishes exactly once per execution", async () => {
    // 600 running executions of a fresh workflow, set-based through the engine
    const wf = (await makeWorkflow(db.pool, teamId, { status: "active" })).id;
    const ids: string[] = [];
    for (let i = 0; i < 600; i++) ids.push((await service.start({ workflowId: wf })).id);
    for (const s of ["queued", "running"]) {
      const r = await service.transitionMany(ids.map((id) => ({ id, toState: s as "queued" })));
      expect(r.every((x) => x.ok)).toBe(true);
    }
    // the jobs of the actions above (run directly there) find their actions finished
    await runOnce({ pgPool: db.pool, taskList: { lifecycle_bulk_action: bulkTask } });
    const repo = new LifecycleRepository(db.pool).asUser(owner.id);
    const a = await repo.startBulk(teamId, "cancel", { workflow_id: wf }, 10);
    expect(a.expected_count).toBe(600);

    const child = spawn(process.execPath, [path.join(path.dirname(fileURLToPath(import.meta.url)), "bulk-child.ts")], {
      env: { ...process.env, CHILD_DATABASE_URL: db.ownerUrl, CHILD_STEP_DELAY_MS: "40" }, stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => { out += d; });
    child.stderr.on("data", (d) => { err += d; });
    const exited = new Promise<string | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
    // wait until the worker has committed a few batches, then kill it without warning
    const t0 = Date.now();
    while (!/step (1\d\d|[2-9]\d)\b/.test(out)) {
      if (Date.now() - t0 > 60_000) throw new Error(`child made no progress: ${out} ${err}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    expect(out, out).not.toContain("done");

    const mid = (await repo.bulkAction(teamId, a.id))!;
    expect(mid.status).toBe("running");
    expect(mid.processed).toBeGreaterThan(0);
    expect(mid.processed).toBeLessThan(600);
    expect(mid.processed % 10).toBe(0); // only whole batches committed
    expect(mid.acted).toBe(mid.processed);
    // the database holds exactly the committed batches' moves
    const { rows: [c] } = await db.pool.query("select count(*)::int as n from app_public.executions where id = any($1::uuid[]) and state = 'cancelled'", [ids]);
    expect(c.n).toBe(mid.processed);

    // the job is still locked by the dead worker: release it (what an operator or a worker-liveness sweep does) and run the worker again
    const { rows: locked } = await db.pool.query("select distinct locked_by from graphile_worker._private_jobs where locked_by is not null");
    expect(locked.length).toBe(1);
    await db.pool.query("select graphile_worker.force_unlock_workers($1::text[])", [locked.map((r) => r.locked_by)]);
    await runOnce({ pgPool: db.pool, taskList: { lifecycle_bulk_action: bulkTask } });

    const end = (await repo.bulkAction(teamId, a.id))!;
    expect(end).toMatchObject({ status: "succeeded", processed: 600, acted: 600, skipped: 0 });
    expect(await transitionsTo(ids, "cancelled")).toEqual(Array(600).fill(1));
    expect(await states(ids)).toEqual({ cancelled: 600 });
    expect(await states(otherRunning)).toEqual({ running: 12 });
  });

  it("progress is exported as Prometheus gauges", async () => {
    const registry = new client.Registry();
    const m = registerLifecycleMetrics({ pool: db.pool, registry, cacheMs: 0 });
    await m.refresh();
    const text = await registry.metrics();
    expect(text).toMatch(/linkflow_bulk_action_acted\{action="cancel",status="succeeded"\} 663/);
    expect(text).toMatch(/linkflow_bulk_action_processed\{action="delete",status="succeeded"\} 6/);
    expect(text).toContain("linkflow_team_usage_queue_rows");
  });
});
