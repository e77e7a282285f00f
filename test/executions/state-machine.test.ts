import { beforeAll, describe, expect, it } from "vitest";
import { IllegalTransitionError, LinkFlowError } from "../../src/errors.ts";
import { useTestDatabase } from "../harness/db.ts";
import { executionsIn, footprint, LEGAL, makeWorld, PATH, STATES, type World } from "./setup.ts";

const db = useTestDatabase();
let w: World;
beforeAll(async () => { w = await makeWorld(db.pool); });

describe("executions: the state machine", () => {
  it("stores exactly the documented legal moves in execution_allowed_transitions", async () => {
    const { rows } = await db.pool.query("select from_state || '>' || to_state as k, is_retry from app_public.execution_allowed_transitions");
    const table = Object.fromEntries(rows.map((r) => [r.k, r.is_retry ? "retry" : "move"]));
    expect(table).toEqual(LEGAL);
  });

  it("allows every legal move and refuses every illegal one (all 81 pairs), writing nothing when refused", async () => {
    const pairs = STATES.flatMap((from) => STATES.map((to) => ({ from, to })));
    const ids = await executionsIn(w.service, w.workflow.id, pairs.map((p) => p.from));
    let legal = 0;
    for (const [i, { from, to }] of pairs.entries()) {
      const id = ids[i]!;
      const before = await footprint(db.pool, id);
      const key = `${from}>${to}`;
      if (LEGAL[key]) {
        legal++;
        const e = await w.service.transition(id, to, { expectedFrom: from, details: { reason: `test ${key}` } });
        expect(e.state, key).toBe(to);
        expect(e.attempt, key).toBe(LEGAL[key] === "retry" ? 2 : 1);
        expect(e.version, key).toBe(PATH[from].length + 2);
        const after = await footprint(db.pool, id);
        expect(after.transitions, key).toBe(before.transitions + 1);
        expect(after.events, key).toBe(before.events + 1);
      } else {
        const err = await w.service.transition(id, to).catch((e: unknown) => e);
        expect(err, key).toBeInstanceOf(IllegalTransitionError);
        expect((err as IllegalTransitionError).currentState, key).toBe(from);
        expect((err as IllegalTransitionError).sqlState, key).toBe("LFSTA");
        expect(await footprint(db.pool, id), key).toEqual(before);
      }
    }
    expect(legal).toBe(17);
  });

  it("refuses a stale expected_from with LFSTA naming the current state, writing nothing", async () => {
    const [id] = await executionsIn(w.service, w.workflow.id, ["running"]);
    const before = await footprint(db.pool, id!);
    const err = await w.service.transition(id!, "succeeded", { expectedFrom: "queued" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IllegalTransitionError);
    expect((err as IllegalTransitionError).detail).toBe("current_state=running");
    expect(await footprint(db.pool, id!)).toEqual(before);
  });

  it("sets started_at on the first running, finished_at and duration_ms on finishing, output and error from details", async () => {
    const [id] = await executionsIn(w.service, w.workflow.id, ["queued"]);
    const running = await w.service.transition(id!, "running");
    expect(running.startedAt).toBeInstanceOf(Date);
    expect(running.finishedAt).toBeNull();
    await w.service.transition(id!, "waiting");
    const again = await w.service.transition(id!, "running");
    expect(again.startedAt).toEqual(running.startedAt);
    const done = await w.service.transition(id!, "failed", { details: { reason: "boom", error: { message: "boom" }, output: { partial: true } } });
    expect(done.finishedAt!.getTime()).toBeGreaterThanOrEqual(running.startedAt!.getTime());
    // duration_ms is finished_at - started_at in whole milliseconds (Date keeps ms, so allow one ms of rounding)
    expect(Math.abs(done.durationMs! - (done.finishedAt!.getTime() - running.startedAt!.getTime()))).toBeLessThanOrEqual(1);
    expect(done.error).toEqual({ message: "boom" });
    expect(done.output).toEqual({ partial: true });
    const history = await w.service.transitions(id!);
    expect(history.at(-1)).toMatchObject({ fromState: "running", toState: "failed", reason: "boom" });
  });

  it("retries failed, timed_out and crashed executions as a new attempt (attempt + 1, timing reset)", async () => {
    const ids = await executionsIn(w.service, w.workflow.id, ["failed", "timed_out", "crashed"]);
    for (const id of ids) {
      const e = await w.service.transition(id, "queued", { details: { reason: "retry" } });
      expect(e).toMatchObject({ state: "queued", attempt: 2, startedAt: null, finishedAt: null, durationMs: null });
      await w.service.transition(id, "running");
      const done = await w.service.transition(id, "succeeded");
      expect(done.attempt).toBe(2);
      expect(done.durationMs).toBeGreaterThanOrEqual(0);
    }
  });

  it("keeps terminal executions immutable, even for direct updates by the owner", async () => {
    const [ok, cancelled] = await executionsIn(w.service, w.workflow.id, ["succeeded", "cancelled"]);
    for (const id of [ok!, cancelled!]) {
      for (const to of STATES) {
        await expect(w.service.transition(id, to)).rejects.toBeInstanceOf(IllegalTransitionError);
      }
      const err = await db.pool.query("update app_public.executions set state = 'running' where id = $1", [id]).catch((e: unknown) => e);
      expect((err as { code?: string }).code).toBe("LFIMM");
      const err2 = await db.pool.query("update app_public.executions set output = '{\"x\":1}' where id = $1", [id]).catch((e: unknown) => e);
      expect((err2 as { code?: string }).code).toBe("LFIMM");
    }
    const [failed] = await executionsIn(w.service, w.workflow.id, ["failed"]);
    const err3 = await db.pool.query("update app_public.executions set state = 'queued' where id = $1", [failed]).catch((e: unknown) => e);
    expect((err3 as { code?: string }).code, "a retry must increment attempt").toBe("LFIMM");
  });

  it("refuses recorded transitions that are not allowed or break the chain (database check)", async () => {
    const [id] = await executionsIn(w.service, w.workflow.id, ["running"]);
    const { rows } = await db.pool.query("select created_at, team_id from app_public.executions where id = $1", [id]);
    const insert = (seq: number, from: string | null, to: string) => db.pool.query(
      "insert into app_public.execution_transitions (execution_id, execution_created_at, seq, team_id, from_state, to_state) values ($1, $2, $3, $4, $5, $6)",
      [id, rows[0].created_at, seq, rows[0].team_id, from, to]).catch((e: unknown) => e);
    expect(((await insert(4, "running", "pending")) as { code?: string }).code).toBe("LFSTA"); // not allowed
    expect(((await insert(4, "waiting", "running")) as { code?: string }).code).toBe("LFSTA"); // previous to is running
    expect(((await insert(5, null, "pending")) as { code?: string }).code).toBe("LFSTA");      // only seq 1 has no from
    expect(((await insert(2, "running", "succeeded")) as { code?: string }).code).toBe("23505");
    // several rows in one statement (the batched path): a break anywhere refuses the whole statement
    const rows0 = rows[0];
    const multi = (rows: [number, string, string][]) => db.pool.query(
      `insert into app_public.execution_transitions (execution_id, execution_created_at, seq, team_id, from_state, to_state)
       select $1, $2, x.seq, $3, x.f, x.t from jsonb_to_recordset($4::jsonb) x(seq int, f text, t text)`,
      [id, rows0.created_at, rows0.team_id, JSON.stringify(rows.map(([seq, f, t]) => ({ seq, f, t })))]).catch((e: unknown) => e);
    expect(((await multi([[4, "running", "waiting"], [5, "running", "succeeded"]])) as { code?: string }).code).toBe("LFSTA");
    expect(((await multi([[4, "queued", "running"], [5, "running", "waiting"]])) as { code?: string }).code).toBe("LFSTA");
    const okMulti = await multi([[4, "running", "waiting"], [5, "waiting", "running"]]);
    expect((okMulti as { rowCount?: number }).rowCount).toBe(2);
  });

  it("appends ExecutionCreated and ExecutionStateChanged events whose data folds to the row", async () => {
    const [id] = await executionsIn(w.service, w.workflow.id, ["succeeded"]);
    const { rows } = await db.pool.query(
      "select stream_version, type, data, metadata, team_id from app_public.events where stream_id = $1 order by stream_version", [`execution-${id}`]);
    expect(rows.map((r) => r.type)).toEqual(["ExecutionCreated", "ExecutionStateChanged", "ExecutionStateChanged", "ExecutionStateChanged"]);
    expect(rows.map((r) => Number(r.stream_version))).toEqual([1, 2, 3, 4]);
    expect(Object.keys(rows[0].data).sort()).toEqual(["attempt", "created_at", "execution_id", "state", "team_id", "trigger_type", "workflow_id", "workflow_version"]);
    expect(Object.keys(rows[3].data).sort()).toEqual(["at", "attempt", "duration_ms", "execution_id", "finished_at", "from_state", "seq", "started_at", "team_id", "to_state", "workflow_id"]);
    expect(rows.every((r) => r.team_id === w.team.id && "actor" in r.metadata)).toBe(true);
    const e = await w.service.get(id!);
    const last = rows[3].data;
    expect(last.to_state).toBe(e.state);
    expect(last.seq).toBe(e.version);
    expect(new Date(last.started_at)).toEqual(e.startedAt);
    expect(new Date(last.finished_at)).toEqual(e.finishedAt);
    expect(last.duration_ms).toBe(e.durationMs);
  });

  it("gives typed errors for bad input", async () => {
    const [id] = await executionsIn(w.service, w.workflow.id, ["queued"]);
    const e1 = await w.service.transition(id!, "nonsense" as never).catch((e: unknown) => e);
    expect((e1 as LinkFlowError).code).toBe("VALIDATION");
    const e2 = await w.service.transition("0190a0a0-0000-7000-8000-000000000000", "running").catch((e: unknown) => e);
    expect((e2 as LinkFlowError).code).toBe("NOT_FOUND");
    const e3 = await w.service.transition(id!, "running", { details: { reason: "x".repeat(2001) } }).catch((e: unknown) => e);
    expect((e3 as LinkFlowError).code).toBe("VALIDATION");
    expect((await w.service.get(id!)).state).toBe("queued");
  });
});
