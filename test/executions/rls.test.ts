import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ForbiddenError, NotFoundError } from "../../src/errors.ts";
import { ExecutionsRepository } from "../../src/executions/index.ts";
import { useTestDatabase } from "../harness/db.ts";
import { httpGraphQL, inProcessGraphQL, signToken } from "../harness/graphql.ts";
import { executionsIn, makeWorld, type World } from "./setup.ts";

const db = useTestDatabase();
let w: World;
let gql: ReturnType<typeof inProcessGraphQL>;
beforeAll(async () => { w = await makeWorld(db.pool); gql = inProcessGraphQL(db); });
afterAll(async () => { await gql?.release(); });

describe("executions: RLS by team", () => {
  it("lets editors start and move executions, recording them as the actor", async () => {
    const editor = w.service.asUser(w.editor.id);
    const e = await editor.start({ workflowId: w.workflow.id, idempotencyKey: "rls-1" });
    await editor.transition(e.id, "queued");
    const results = await editor.transitionMany([{ id: e.id, toState: "running" }]);
    expect(results[0]!.ok).toBe(true);
    await editor.nodeRunStart(e.id, "A");
    await editor.nodeRunFinish(e.id, "A", "succeeded", { output: { ok: true } });
    const history = await editor.transitions(e.id);
    expect(history.map((t) => t.actorId)).toEqual([w.editor.id, w.editor.id, w.editor.id]);
    const ev = await db.pool.query("select metadata->>'actor' as actor from app_public.events where stream_id = $1 order by stream_version", [`execution-${e.id}`]);
    expect(ev.rows.map((r) => r.actor)).toEqual([w.editor.id, w.editor.id, w.editor.id]);
  });

  it("lets viewers read (executions, transitions, history, series) but not write", async () => {
    const [id] = await executionsIn(w.service, w.workflow.id, ["running"]);
    const viewer = w.service.asUser(w.viewer.id);
    expect((await viewer.get(id!)).state).toBe("running");
    expect(await viewer.transitions(id!)).toHaveLength(3);
    expect((await viewer.history({ teamId: w.team.id })).items.length).toBeGreaterThan(0);
    const series = await viewer.series({ teamId: w.team.id, from: new Date(Date.now() - 3600_000), to: new Date(Date.now() + 60_000), bucket: "minute" });
    expect(series.length).toBeGreaterThan(0);
    await expect(viewer.start({ workflowId: w.workflow.id })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(viewer.transition(id!, "succeeded")).rejects.toBeInstanceOf(ForbiddenError);
    expect((await viewer.transitionMany([{ id: id!, toState: "succeeded" }]))[0]).toMatchObject({ ok: false, errorCode: "LFDNY" });
    await expect(viewer.nodeRunStart(id!, "A")).rejects.toBeInstanceOf(ForbiddenError);
    expect((await w.service.get(id!)).state).toBe("running");
    // no direct writes at all
    const err = await db.asUser(w.viewer.id, (c) => c.query("update app_public.executions set state = 'succeeded' where id = $1", [id])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForbiddenError);
  });

  it("hides other teams' executions completely (reads empty, writes not found)", async () => {
    const [id] = await executionsIn(w.service, w.workflow.id, ["running"]);
    await w.service.transitionMany([{ id: id!, toState: "succeeded" }]);
    const outsider = w.service.asUser(w.outsider.id);
    await expect(outsider.get(id!)).rejects.toBeInstanceOf(NotFoundError);
    expect(await outsider.transitions(id!)).toEqual([]);
    expect((await outsider.history({ teamId: w.team.id })).items).toEqual([]);
    expect((await outsider.history({ workflowId: w.workflow.id })).items).toEqual([]);
    const series = await outsider.series({ teamId: w.team.id, from: new Date(Date.now() - 3600_000), to: new Date(Date.now() + 60_000), bucket: "hour" });
    expect(series.every((p) => p.total === 0)).toBe(true);
    await expect(outsider.start({ workflowId: w.workflow.id })).rejects.toBeInstanceOf(NotFoundError);
    await expect(outsider.transition(id!, "queued")).rejects.toBeInstanceOf(NotFoundError);
    expect((await outsider.transitionMany([{ id: id!, toState: "queued" }]))[0]).toMatchObject({ ok: false, errorCode: "LFNTF", currentState: null });
    const rows = await db.asUser(w.outsider.id, (c) => c.query(
      "select (select count(*) from app_public.executions)::int as e, (select count(*) from app_public.execution_transitions)::int as t, (select count(*) from app_public.execution_metric_rollups)::int as r, (select count(*) from app_public.execution_metric_samples)::int as s"));
    expect(rows.rows[0]).toEqual({ e: 0, t: 0, r: 0, s: 0 });
    // the outsider's own team works normally
    const own = await outsider.start({ workflowId: w.otherWorkflow.id });
    expect(own.teamId).toBe(w.otherTeam.id);
  });

  it("refuses anonymous callers (no EXECUTE on the API functions)", async () => {
    for (const sql of ["select * from app_public.start_execution($1)", "select * from app_public.transition_execution($1, 'queued')",
      "select * from app_public.lookup_execution($1)", "select * from app_public.execution_history($1)"]) {
      const err = await db.asAnonymous((c) => c.query(sql, [w.workflow.id])).catch((e: unknown) => e);
      expect(err, sql).toBeInstanceOf(ForbiddenError);
    }
  });
});

describe("executions: GraphQL surface", () => {
  it("starts, moves (single and batched), reads history and transitions, and maps errors", async () => {
    const start = await gql.query(`mutation($wf: UUID!) { startExecution(input: { workflowId: $wf, triggerType: "manual", input: { a: 1 }, idempotencyKey: "gql-1" }) { execution { rowId state workflowVersion attempt } } }`,
      { wf: w.workflow.id }, w.editor.id);
    expect(start.errors).toBeUndefined();
    const id = start.data.startExecution.execution.rowId;
    expect(start.data.startExecution.execution).toMatchObject({ state: "pending", workflowVersion: 1, attempt: 1 });

    const move = await gql.query(`mutation($id: UUID!) { transitionExecution(input: { id: $id, toState: "queued", expectedFrom: "pending", details: { reason: "go" } }) { execution { state version } } }`, { id }, w.editor.id);
    expect(move.errors).toBeUndefined();
    expect(move.data.transitionExecution.execution).toEqual({ state: "queued", version: 2 });

    const batch = await gql.query(`mutation($items: JSON!) { transitionExecutions(input: { items: $items }) { executionTransitionResults { ord ok errorCode currentState seq } } }`,
      { items: [{ id, to_state: "running" }, { id, to_state: "pending" }] }, w.editor.id);
    expect(batch.errors).toBeUndefined();
    expect(batch.data.transitionExecutions.executionTransitionResults).toEqual([
      { ord: 1, ok: true, errorCode: null, currentState: "running", seq: 3 },
      { ord: 2, ok: false, errorCode: "LFSTA", currentState: "running", seq: null },
    ]);


    const read = await gql.query(`query($team: UUID!, $id: UUID!) {
        executionHistory(teamId: $team, maxRows: 10) { nodes { rowId state } }
        executionTransitionHistory(executionId: $id) { nodes { seq fromState toState actorId reason } }
        lookupExecution(id: $id) { rowId state }
      }`, { team: w.team.id, id }, w.viewer.id);
    expect(read.errors).toBeUndefined();
    expect(read.data.executionHistory.nodes[0]).toEqual({ rowId: id, state: "running" });
    expect(read.data.executionTransitionHistory.nodes.map((n: { toState: string }) => n.toState)).toEqual(["pending", "queued", "running"]);
    expect(read.data.executionTransitionHistory.nodes[1]).toMatchObject({ actorId: w.editor.id, reason: "go" });
    expect(read.data.lookupExecution).toEqual({ rowId: id, state: "running" });

    await gql.query(`mutation($id: UUID!) { transitionExecution(input: { id: $id, toState: "succeeded" }) { execution { state } } }`, { id }, w.editor.id);
    const series = await gql.query(`query($wf: UUID!, $from: Datetime!, $to: Datetime!) {
        executionMetricsSeries(rangeStart: $from, rangeEnd: $to, bucket: "hour", workflowId: $wf) { nodes { bucketStart total succeeded successRate p50Ms p95Ms } } }`,
      { wf: w.workflow.id, from: new Date(Date.now() - 3600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() }, w.viewer.id);
    expect(series.errors).toBeUndefined();
    const total = series.data.executionMetricsSeries.nodes.reduce((s: number, p: { total: number }) => s + p.total, 0);
    expect(total).toBeGreaterThanOrEqual(1);

    const outsider = await gql.query(`query($id: UUID!) { lookupExecution(id: $id) { rowId } }`, { id }, w.outsider.id);
    expect(outsider.data.lookupExecution).toBeNull();
  });

  it("maps SQL errors to typed GraphQL error codes over HTTP", async () => {
    const [id] = await executionsIn(w.service, w.workflow.id, ["running"]);
    const http = await httpGraphQL(db);
    try {
      const stale = await http.query(`mutation($id: UUID!) { transitionExecution(input: { id: $id, toState: "succeeded", expectedFrom: "waiting" }) { execution { state } } }`, { id }, await signToken(w.editor.id));
      expect(stale.body.errors![0]!.extensions).toMatchObject({ code: "ILLEGAL_TRANSITION", sqlState: "LFSTA", detail: "current_state=running" });
      const denied = await http.query(`mutation($id: UUID!) { transitionExecution(input: { id: $id, toState: "succeeded" }) { execution { state } } }`, { id }, await signToken(w.viewer.id));
      expect(denied.body.errors![0]!.extensions).toMatchObject({ code: "FORBIDDEN" });
      const draft = await http.query(`mutation($wf: UUID!) { startExecution(input: { workflowId: $wf }) { execution { rowId } } }`, { wf: w.draft.id }, await signToken(w.editor.id));
      expect(draft.body.errors![0]!.extensions).toMatchObject({ code: "ILLEGAL_TRANSITION", detail: "current_state=draft" });
    } finally {
      await http.close();
    }
  });
});

// keep the type import used
void ExecutionsRepository;
