// The coalescable calls of the service path: how a batch of them runs (one engine call) and how one runs alone
// (the single function, the retry path). Errors of refused items are the single functions' typed errors.
import type pg from "pg";
import { mapDbError } from "../db/errors.ts";
import { sqlLiteral as literal } from "../db/literal.ts";
import type { ClientLane, Outcome, TextLane } from "./group-commit.ts";
import { toExecution, toNodeRunResult } from "./rows.ts";
import { EXECUTION_STATES, type Execution, type ExecutionState, type NodeRun, type NodeRunRequest, type TransitionDetails } from "./types.ts";

export interface TransitionCall {
  id: string;
  toState: ExecutionState;
  expectedFrom?: ExecutionState | null;
  details?: TransitionDetails;
}

const STATES = new Set<string>(EXECUTION_STATES);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The error app_private.transition_execution raises for a refused move (same code, message and detail). */
export function transitionError(call: TransitionCall, code: string, currentState: string | null) {
  switch (code) {
    case "LFNTF": return mapDbError({ code, message: "execution not found", detail: "field: id" });
    case "LFDNY": return mapDbError({ code, message: "changing an execution needs the editor role" });
    case "LFSTA": return mapDbError({
      code, message: `illegal or stale transition to ${call.toState} (execution is ${currentState})`, detail: `current_state=${currentState}`,
    });
    case "LFVAL": {
      // the field app_private.transition_execution names
      const field = !UUID.test(String(call.id)) ? "id"
        : call.details !== undefined && call.details !== null && (typeof call.details !== "object" || Array.isArray(call.details)) ? "details"
          : !STATES.has(call.toState) ? "to_state"
            : call.expectedFrom && !STATES.has(call.expectedFrom) ? "expected_from" : "details";
      return mapDbError({ code, message: "invalid transition request", detail: `field: ${field}` });
    }
    default: return mapDbError({ code, message: `transition refused (${code})`, detail: currentState ? `current_state=${currentState}` : undefined });
  }
}

export function transitionItem(c: TransitionCall): Record<string, unknown> {
  return {
    id: c.id, to_state: c.toState, ...(c.expectedFrom ? { expected_from: c.expectedFrom } : {}), ...(c.details !== undefined ? { details: c.details } : {}),
  };
}

const sqlUuid = (v: string | null) => (v === null ? "null::uuid" : `${literal(v)}::uuid`);

/**
 * Transitions: apply_execution_transitions for the batch, then the moved rows (find_executions, in the same
 * transaction and round trip; one move per execution per batch).
 */
export function transitionLane(actor: string | null): TextLane<TransitionCall, Execution> {
  return {
    name: "transition",
    sharedKeys: false,
    batchText(calls) {
      const ids = [...new Set(calls.map((c) => String(c.id)).filter((id) => UUID.test(id)))];
      return `select ord, ok, error_code, current_state, execution_id from app_private.apply_execution_transitions(${literal(JSON.stringify(calls.map(transitionItem)))}::jsonb, ${sqlUuid(actor)}, false);` +
        ` select * from app_private.find_executions(${literal(`{${ids.join(",")}}`)}::uuid[])`;
    },
    decode([applied, found], calls) {
      const byId = new Map<string, Execution>();
      for (const r of found!.rows) byId.set(r.id, toExecution(r));
      const out: Outcome<Execution>[] = new Array(calls.length);
      for (const r of applied!.rows) {
        const i = r.ord - 1;
        const e = r.ok ? byId.get(r.execution_id) : undefined;
        out[i] = e ? { ok: true, value: e } : { ok: false, error: transitionError(calls[i]!, r.error_code ?? "INTERNAL", r.current_state) };
      }
      return out;
    },
    async runOne(client: pg.ClientBase, c: TransitionCall): Promise<Execution> {
      const { rows } = await client.query("select * from app_private.transition_execution($1, $2, $3, $4::jsonb, $5, false)",
        [c.id, c.toState, c.expectedFrom ?? null, c.details === undefined ? null : JSON.stringify(c.details), actor]);
      return toExecution(rows[0]);
    },
  };
}

/** The item app_private.record_node_runs takes for one request. */
export function nodeRunItem(r: NodeRunRequest): Record<string, unknown> {
  return r.op === "start"
    ? { op: "start", execution_id: r.executionId, node_name: r.nodeName, attempt: r.attempt ?? null, node_id: r.nodeId ?? null }
    : {
      op: "finish", execution_id: r.executionId, node_name: r.nodeName, status: r.status, attempt: r.attempt ?? null,
      output: r.output === undefined ? null : r.output, error: r.error === undefined ? null : r.error,
    };
}

function nodeRunOutcome(r: Record<string, any>): Outcome<NodeRun> {
  const res = toNodeRunResult(r);
  return res.ok ? { ok: true, value: res.nodeRun! } : { ok: false, error: mapDbError({ code: res.errorCode!, message: res.errorMessage!, detail: res.errorDetail ?? undefined }) };
}

/** Node runs: record_node_runs for the batch (several calls of one execution share a batch, in call order). */
export function nodeRunLane(actor: string | null): TextLane<NodeRunRequest, NodeRun> {
  return {
    name: "node_run",
    sharedKeys: true,
    batchText(calls) {
      return `select * from app_private.record_node_runs(${literal(JSON.stringify(calls.map(nodeRunItem)))}::jsonb, ${sqlUuid(actor)}, false)`;
    },
    decode([recorded]) {
      return recorded!.rows.map(nodeRunOutcome);
    },
    async runOne(client: pg.ClientBase, r: NodeRunRequest): Promise<NodeRun> {
      const { rows } = await client.query("select * from app_private.record_node_runs($1::jsonb, $2, false)", [JSON.stringify([nodeRunItem(r)]), actor]);
      const res = toNodeRunResult(rows[0]);
      if (!res.ok) throw mapDbError({ code: res.errorCode!, message: res.errorMessage!, detail: res.errorDetail ?? undefined });
      return res.nodeRun!;
    },
  };
}

export interface StartCall {
  workflowId: string;
  triggerType: string;
  input?: unknown;
  idempotencyKey?: string | null;
}

/** The item app_private.start_executions takes for one start (an absent input stays absent: SQL null). */
export function startItem(c: StartCall): Record<string, unknown> {
  return {
    workflow_id: c.workflowId, trigger_type: c.triggerType, idempotency_key: c.idempotencyKey ?? null,
    ...(c.input !== undefined ? { input: c.input } : {}),
  };
}

/** Starts: start_executions for the batch, then the started (or idempotently found) rows. */
export function startLane(actor: string | null): ClientLane<StartCall, Execution> {
  return {
    name: "start",
    sharedKeys: false,
    async runBatch(client: pg.ClientBase, calls: StartCall[]): Promise<Outcome<Execution>[]> {
      const { rows } = await client.query(
        "select ord, ok, error_code, error_message, error_detail, execution_id, execution_created_at from app_private.start_executions($1::jsonb, $2, false)",
        [JSON.stringify(calls.map(startItem)), actor],
      );
      const started = rows.filter((r) => r.ok);
      const byId = new Map<string, Execution>();
      if (started.length > 0) {
        const fetched = await client.query({
          name: "lf_find_executions", text: "select * from app_private.find_executions($1::uuid[])", values: [started.map((r) => r.execution_id)],
        });
        for (const r of fetched.rows) byId.set(r.id, toExecution(r));
      }
      return rows.map((r): Outcome<Execution> => {
        const e = r.ok ? byId.get(r.execution_id) : undefined;
        return e ? { ok: true, value: e }
          : { ok: false, error: mapDbError({ code: r.error_code ?? "LFNTF", message: r.error_message ?? "execution not found", detail: r.error_detail ?? undefined }) };
      });
    },
    async runOne(client: pg.ClientBase, c: StartCall): Promise<Execution> {
      const { rows } = await client.query("select * from app_private.start_execution($1, $2, $3::jsonb, $4, $5, false)",
        [c.workflowId, c.triggerType, c.input === undefined ? null : JSON.stringify(c.input), c.idempotencyKey ?? null, actor]);
      return toExecution(rows[0]);
    },
  };
}

export interface Lanes {
  start: ClientLane<StartCall, Execution>;
  transition: TextLane<TransitionCall, Execution>;
  nodeRun: TextLane<NodeRunRequest, NodeRun>;
}

/** One set of lanes per actor, shared by every repository (calls coalesce per lane object). */
const byActor = new Map<string, Lanes>();
export function lanesFor(actor: string | null): Lanes {
  const key = actor ?? "";
  let lanes = byActor.get(key);
  if (!lanes) {
    if (byActor.size > 1000) byActor.clear(); // service actors are few; never grow without bound
    byActor.set(key, (lanes = { start: startLane(actor), transition: transitionLane(actor), nodeRun: nodeRunLane(actor) }));
  }
  return lanes;
}
