import { beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../harness/db.ts";
import { executionsIn, footprint, makeWorld, type World } from "./setup.ts";

const db = useTestDatabase();
let w: World;
beforeAll(async () => { w = await makeWorld(db.pool); });

describe("executions: batched transitions", () => {
  it("applies many moves in one call with per-item results in input order; failed items write nothing", async () => {
    const [a, b, c, d] = await executionsIn(w.service, w.workflow.id, ["pending", "queued", "running", "succeeded"]);
    const before = await footprint(db.pool, d!);
    const results = await w.service.transitionMany([
      { id: a!, toState: "queued" },
      { id: b!, toState: "running" },
      { id: a!, toState: "running" },                       // second move of the same execution in one batch
      { id: c!, toState: "succeeded", expectedFrom: "waiting" }, // stale
      { id: d!, toState: "running" },                       // terminal
      { id: "0190a0a0-0000-7000-8000-000000000000", toState: "queued" },
      { id: "not-a-uuid", toState: "queued" },
      { id: c!, toState: "bogus" as never },
      { id: c!, toState: "succeeded", details: { reason: "done", output: { n: 1 } } },
      { id: a!, toState: "succeeded", details: { trace_id: "abc" } },
    ]);
    expect(results.map((r) => [r.ord, r.ok, r.errorCode, r.currentState])).toEqual([
      [1, true, null, "queued"],
      [2, true, null, "running"],
      [3, true, null, "running"],
      [4, false, "LFSTA", "running"],
      [5, false, "LFSTA", "succeeded"],
      [6, false, "LFNTF", null],
      [7, false, "LFVAL", null],
      [8, false, "LFVAL", "running"],
      [9, true, null, "succeeded"],
      [10, true, null, "succeeded"],
    ]);
    expect(results[9]!.seq).toBe(4);
    expect(await footprint(db.pool, d!)).toEqual(before);
    expect((await w.service.get(c!)).output).toEqual({ n: 1 });
    const history = await w.service.transitions(a!);
    expect(history.map((t) => t.toState)).toEqual(["pending", "queued", "running", "succeeded"]);
    const ev = await db.pool.query("select stream_version, data->>'to_state' as s, metadata from app_public.events where stream_id = $1 order by 1", [`execution-${a}`]);
    expect(ev.rows.map((r) => [Number(r.stream_version), r.s])).toEqual([[1, null], [2, "queued"], [3, "running"], [4, "succeeded"]]);
    expect(ev.rows[3].metadata).toEqual({ actor: null, trace_id: "abc" });
    const samples = await db.pool.query("select execution_id, state from app_public.execution_metric_samples where execution_id = any($1)", [[a, c]]);
    expect(samples.rows).toHaveLength(2);
  });

  it("handles a large batch (2,000 moves over 500 executions) in one statement", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 500; i++) ids.push((await w.service.start({ workflowId: w.workflow.id })).id);
    const moves = ids.flatMap((id) => ["queued", "running", "waiting", "running"].map((s) => ({ id, toState: s as never })));
    const results = await w.service.transitionMany(moves);
    expect(results.every((r) => r.ok)).toBe(true);
    const done = await w.service.transitionMany(ids.map((id) => ({ id, toState: "succeeded" as const })));
    expect(done.every((r) => r.ok && r.seq === 6)).toBe(true);
    const { rows } = await db.pool.query("select count(*)::int as n from app_public.execution_transitions where execution_id = any($1)", [ids]);
    expect(rows[0].n).toBe(500 * 6);
  });

  it("takes typed requests (apply_execution_move_requests): the same results as the JSON form, refused requests write nothing", async () => {
    const [a, b, c] = await executionsIn(w.service, w.workflow.id, ["running", "succeeded", "queued"]);
    const before = await footprint(db.pool, b!);
    const { rows } = await db.pool.query(`
      select r.ord, r.ok, r.error_code, r.current_state, r.seq
        from app_private.apply_execution_move_requests(array[
               row(1, $1::uuid, 'cancelled', null, '{"reason": "bulk cancel"}'::jsonb, true),
               row(2, $2::uuid, 'cancelled', null, null, true),
               row(3, $3::uuid, 'cancelled', 'running', null, true)
             ]::app_private.execution_move_request[]) r order by r.ord`, [a, b, c]);
    expect(rows.map((r) => [r.ord, r.ok, r.error_code, r.current_state])).toEqual([
      [1, true, null, "cancelled"],
      [2, false, "LFSTA", "succeeded"],   // terminal: the state machine refuses
      [3, false, "LFSTA", "queued"],      // stale expected_from
    ]);
    expect(await footprint(db.pool, b!)).toEqual(before);
    const history = await w.service.transitions(a!);
    expect(history.at(-1)).toMatchObject({ toState: "cancelled", reason: "bulk cancel" });
    const ev = await db.pool.query("select data->>'to_state' as s from app_public.events where stream_id = $1 order by stream_version desc limit 1", [`execution-${a}`]);
    expect(ev.rows[0].s).toBe("cancelled");
    const none = await db.pool.query("select count(*)::int n from app_private.apply_execution_move_requests('{}'::app_private.execution_move_request[])");
    expect(none.rows[0].n).toBe(0);
  });

  it("rejects a non-array and oversized batches as a whole", async () => {
    const r1 = await db.pool.query("select * from app_private.apply_execution_transitions('{}'::jsonb)").catch((e: unknown) => e);
    expect((r1 as { code?: string }).code).toBe("LFVAL");
    const big = JSON.stringify(Array.from({ length: 10001 }, () => ({})));
    const r2 = await db.pool.query("select * from app_private.apply_execution_transitions($1::jsonb)", [big]).catch((e: unknown) => e);
    expect((r2 as { code?: string }).code).toBe("LFLIM");
  });
});
