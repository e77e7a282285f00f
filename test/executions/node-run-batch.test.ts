// Node runs at engine rate (docs/executions.md, "Node runs"): record_node_runs applies many starts and finishes in
// one statement with per-item results, and the service path coalesces single node-run calls through it.
import { beforeAll, describe, expect, it } from "vitest";
import { ConflictError, ForbiddenError, IllegalTransitionError, LinkFlowError, NotFoundError } from "../../src/errors.ts";
import { ExecutionsRepository, type NodeRun } from "../../src/executions/index.ts";
import type { GroupCommitMetrics } from "../../src/executions/metrics.ts";
import { useTestDatabase } from "../harness/db.ts";
import { executionsIn, makeWorld, type World } from "./setup.ts";

const db = useTestDatabase();
let w: World;
beforeAll(async () => { w = await makeWorld(db.pool); });

const runsOf = async (id: string) => (await db.pool.query(
  "select node_name, attempt, status, output, error from app_public.execution_node_runs where execution_id = $1 order by node_name, attempt", [id])).rows;

function coalescingRepo(windowMs = 10) {
  const batches: { lane: string; size: number }[] = [];
  const metrics: GroupCommitMetrics = { batch: (lane, size) => { batches.push({ lane, size }); }, wait() {}, retried() {} };
  const repo = new ExecutionsRepository(db.pool, { kind: "service" }, { groupCommit: { enabled: true, windowMs, maxBatch: 64, maxInFlight: 4 }, metrics });
  return { repo, batches };
}

describe("executions: batched node runs", () => {
  it("applies starts and finishes in input order per node, in one call, with one result per item", async () => {
    const [id] = await executionsIn(w.service, w.workflow.id, ["running"]);
    const results = await w.service.recordNodeRuns([
      { op: "start", executionId: id!, nodeName: "A" },
      { op: "start", executionId: id!, nodeName: "B", nodeId: "01900000-0000-7000-8000-0000000000bb" },
      { op: "finish", executionId: id!, nodeName: "A", status: "failed", error: { message: "502" } },
      { op: "start", executionId: id!, nodeName: "A" },
      { op: "finish", executionId: id!, nodeName: "A", status: "succeeded", output: { n: 1 } },
      { op: "finish", executionId: id!, nodeName: "B", status: "skipped", attempt: 1 },
    ]);
    expect(results.map((r) => [r.ord, r.ok, r.errorCode, r.nodeRun?.nodeName, r.nodeRun?.attempt, r.nodeRun?.status])).toEqual([
      [1, true, null, "A", 1, "running"], [2, true, null, "B", 1, "running"], [3, true, null, "A", 1, "failed"],
      [4, true, null, "A", 2, "running"], [5, true, null, "A", 2, "succeeded"], [6, true, null, "B", 1, "skipped"],
    ]);
    expect(results[1]!.nodeRun!.nodeId).toBe("01900000-0000-7000-8000-0000000000bb");
    expect(results[4]!.currentState).toBe("succeeded");
    expect(await runsOf(id!)).toEqual([
      { node_name: "A", attempt: 1, status: "failed", output: null, error: { message: "502" } },
      { node_name: "A", attempt: 2, status: "succeeded", output: { n: 1 }, error: null },
      { node_name: "B", attempt: 1, status: "skipped", output: null, error: null },
    ]);
  });

  it("refuses bad items alone with the single functions' errors, and writes nothing for them", async () => {
    const [running, done] = await executionsIn(w.service, w.workflow.id, ["running", "succeeded"]);
    await w.service.nodeRunStart(running!, "Done");
    await w.service.nodeRunFinish(running!, "Done", "succeeded");
    await db.pool.query("update app_private.execution_settings set node_output_max_bytes = 100");
    try {
      const results = await w.service.recordNodeRuns([
        { op: "start", executionId: running!, nodeName: "ok-1" },
        { op: "start", executionId: done!, nodeName: "late" },
        { op: "start", executionId: "01900000-0000-7000-8000-000000000000", nodeName: "ghost" },
        { op: "finish", executionId: running!, nodeName: "ok-1", status: "exploded" as "failed" },
        { op: "finish", executionId: running!, nodeName: "ok-1", status: "succeeded", output: { blob: "x".repeat(200) } },
        { op: "start", executionId: running!, nodeName: "" },
        { op: "start", executionId: running!, nodeName: "Done", attempt: 1 },
        { op: "finish", executionId: running!, nodeName: "Done", status: "failed" },
        { op: "finish", executionId: running!, nodeName: "never-started", status: "failed" },
        { op: "start", executionId: running!, nodeName: "zero", attempt: 0 },
        { op: "finish", executionId: running!, nodeName: "ok-1", status: "succeeded", output: { small: true } },
        { op: "finish", executionId: running!, nodeName: "ok-1", status: "failed" },
      ]);
      expect(results.map((r) => [r.ok, r.errorCode, r.errorDetail, r.currentState])).toEqual([
        [true, null, null, "running"],
        [false, "LFSTA", "current_state=succeeded", "succeeded"],
        [false, "LFNTF", "field: execution_id", null],
        [false, "LFVAL", "field: status", null],
        [false, "LFLIM", expect.stringMatching(/^field: output limit=100 size=\d+$/), null],
        [false, "LFVAL", "field: node_name", null],
        [false, "LFCNF", "field: attempt", null],
        [false, "LFSTA", "current_state=succeeded", "succeeded"],
        [false, "LFNTF", "field: node_name", null],
        [false, "LFVAL", "field: attempt", null],
        [true, null, null, "succeeded"],
        [false, "LFSTA", "current_state=succeeded", "succeeded"],
      ]);
      expect(results[1]!.errorMessage).toBe("node runs are recorded only while the execution is running or waiting (it is succeeded)");
      expect(await runsOf(running!)).toEqual([
        { node_name: "Done", attempt: 1, status: "succeeded", output: null, error: null },
        { node_name: "ok-1", attempt: 1, status: "succeeded", output: { small: true }, error: null },
      ]);
      expect(await runsOf(done!)).toEqual([]);
    } finally {
      await db.pool.query("update app_private.execution_settings set node_output_max_bytes = default");
    }
  });

  it("refuses malformed batches as a whole", async () => {
    await expect(db.pool.query("select * from app_private.record_node_runs('{}'::jsonb)")).rejects.toMatchObject({ code: "LFVAL" });
    const big = JSON.stringify(Array.from({ length: 10_001 }, () => ({})));
    await expect(db.pool.query("select * from app_private.record_node_runs($1::jsonb)", [big])).rejects.toMatchObject({ code: "LFLIM" });
    const { rows } = await db.pool.query("select ok, error_code, error_detail from app_private.record_node_runs('[1, {\"op\": \"jump\"}, {\"op\": \"start\", \"execution_id\": \"nope\"}]'::jsonb)");
    expect(rows).toEqual([
      { ok: false, error_code: "LFVAL", error_detail: "field: items" },
      { ok: false, error_code: "LFVAL", error_detail: "field: op" },
      { ok: false, error_code: "LFVAL", error_detail: "field: execution_id" },
    ]);
  });

  it("under RLS: editors write, viewers get LFDNY, outsiders LFNTF, checked before any lock", async () => {
    const [id] = await executionsIn(w.service, w.workflow.id, ["running"]);
    const editor = await w.service.asUser(w.editor.id).recordNodeRuns([{ op: "start", executionId: id!, nodeName: "E" }]);
    expect(editor[0]).toMatchObject({ ok: true, nodeRun: { nodeName: "E", status: "running" } });
    const viewer = await w.service.asUser(w.viewer.id).recordNodeRuns([{ op: "finish", executionId: id!, nodeName: "E", status: "succeeded" }]);
    expect(viewer[0]).toMatchObject({ ok: false, errorCode: "LFDNY", errorMessage: "recording node runs needs the editor role" });
    // an outsider's batch never waits on (or locks) an execution it may not see
    const locker = await db.pool.connect();
    try {
      await locker.query("begin");
      await locker.query("select 1 from app_public.executions where id = $1 for update", [id]);
      const outsider = await db.asUser(w.outsider.id, async (c) => {
        await c.query("set local lock_timeout = '2s'");
        return (await c.query("select ok, error_code from app_public.record_node_runs($1::jsonb)",
          [JSON.stringify([{ op: "finish", execution_id: id, node_name: "E", status: "succeeded" }])])).rows;
      });
      expect(outsider).toEqual([{ ok: false, error_code: "LFNTF" }]);
    } finally {
      await locker.query("rollback");
      locker.release();
    }
    expect((await runsOf(id!)).map((r) => r.status)).toEqual(["running"]);
    // the single public functions keep their errors
    await expect(w.service.asUser(w.viewer.id).nodeRunStart(id!, "V")).rejects.toBeInstanceOf(ForbiddenError);
    await expect(w.service.asUser(w.outsider.id).nodeRunStart(id!, "V")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("coalesces 64 concurrent callers' node-run starts and finishes, each getting its own result", async () => {
    const { repo, batches } = coalescingRepo();
    const ids = await executionsIn(w.service, w.workflow.id, Array(16).fill("running"));
    const [finished] = await executionsIn(w.service, w.workflow.id, ["succeeded"]);
    const output = { blob: "o".repeat(2048) };
    const seen: { k: number; run: NodeRun; again: unknown; late: unknown }[] = [];
    await Promise.all(Array.from({ length: 64 }, async (_, k) => {
      const id = ids[k % 16]!;
      const node = `node-${k}`;
      const started = await repo.nodeRunStart(id, node);
      expect(started).toMatchObject({ executionId: id, nodeName: node, attempt: 1, status: "running" });
      const run = await repo.nodeRunFinish(id, node, k % 5 === 0 ? "failed" : "succeeded", { output });
      const again = await repo.nodeRunFinish(id, node, "succeeded").catch((e: unknown) => e);
      const late = await repo.nodeRunStart(finished!, node).catch((e: unknown) => e);
      seen.push({ k, run, again, late });
    }));
    for (const s of seen) {
      expect(s.run).toMatchObject({ nodeName: `node-${s.k}`, status: s.k % 5 === 0 ? "failed" : "succeeded", output });
      expect(s.again).toBeInstanceOf(IllegalTransitionError);
      expect((s.again as IllegalTransitionError).currentState).toBe(s.k % 5 === 0 ? "failed" : "succeeded");
      expect(s.late).toBeInstanceOf(IllegalTransitionError);
      expect((s.late as IllegalTransitionError).currentState).toBe("succeeded");
    }
    const total = batches.filter((b) => b.lane === "node_run").reduce((n, b) => n + b.size, 0);
    expect(total).toBe(64 * 4);
    expect(Math.max(...batches.map((b) => b.size))).toBeGreaterThan(8);
    const { rows } = await db.pool.query(
      "select count(*)::int as n, count(*) filter (where status = 'failed')::int as failed from app_public.execution_node_runs where execution_id = any($1)", [ids]);
    expect(rows[0]).toEqual({ n: 64, failed: 13 });
    expect(await runsOf(finished!)).toEqual([]);
  }, 60_000);

  it("keeps call order per execution across node runs and transitions made in one window", async () => {
    const { repo } = coalescingRepo(30);
    const [id] = await executionsIn(w.service, w.workflow.id, ["queued"]);
    const calls = [
      repo.transition(id!, "running"),
      repo.nodeRunStart(id!, "X"),
      repo.nodeRunFinish(id!, "X", "succeeded", { output: { x: 1 } }),
      repo.nodeRunStart(id!, "X"),
      repo.transition(id!, "succeeded"),
      repo.nodeRunFinish(id!, "X", "failed"),
    ].map((p) => (p as Promise<unknown>).then((v) => ({ ok: true, v, e: null as LinkFlowError | null }), (e: LinkFlowError) => ({ ok: false, v: null as unknown, e })));
    const out = await Promise.all(calls);
    expect(out.map((o) => o.ok)).toEqual([true, true, true, true, true, false]);
    expect((out[3]!.v as NodeRun).attempt).toBe(2);
    expect(out[5]!.e).toBeInstanceOf(IllegalTransitionError);
    expect((out[5]!.e as IllegalTransitionError).currentState).toBe("succeeded");
    expect(await runsOf(id!)).toEqual([
      { node_name: "X", attempt: 1, status: "succeeded", output: { x: 1 }, error: null },
      { node_name: "X", attempt: 2, status: "running", output: null, error: null },
    ]);
  });

  it("keeps the single calls' errors on the coalesced path", async () => {
    const { repo } = coalescingRepo();
    const [id] = await executionsIn(w.service, w.workflow.id, ["running"]);
    await repo.nodeRunStart(id!, "S");
    await expect(repo.nodeRunStart(id!, "S", { attempt: 1 })).rejects.toBeInstanceOf(ConflictError);
    await expect(repo.nodeRunFinish(id!, "nope", "succeeded")).rejects.toMatchObject({ code: "NOT_FOUND", field: "node_name" });
    await expect(repo.nodeRunFinish(id!, "S", "bad" as "failed")).rejects.toMatchObject({ code: "VALIDATION", field: "status" });
    await expect(repo.nodeRunStart("01900000-0000-7000-8000-000000000000", "S")).rejects.toMatchObject({ code: "NOT_FOUND", field: "execution_id" });
  });
});
