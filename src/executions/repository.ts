// Executions repository: a thin TypeScript layer over the SQL API (docs/executions.md).
//
// The repository shape of every repository (src/db/caller.ts, docs/library.md): constructed on the owner pool for
// a caller, re-targeted with as(caller) / asUser(userId) / asService(actorId):
//  - a signed-in user (`{ userId }`): every call runs as linkflow_visitor with the user's claims, through
//    the app_public functions (editor role to write, viewer to read; RLS applies);
//  - the service path (`{ kind: "service", actorId? }`, the default) for engines and workers: app_private functions,
//    no role checks, the given actor recorded. A service call outside a transaction is one autocommit statement (one
//    round trip, one commit); inside withTransaction(pool, ...) it joins that transaction (a user call too).
//
// Group commit (service path, on by default): concurrent single writes (start, transition, node-run start and finish)
// outside a transaction are coalesced into one batched engine call per short window (./group-commit.ts). Each call
// still gets its own result or typed error, after its batch commits. close() drains them (graceful stop).
import type pg from "pg";
import { DEFAULT_GROUP_COMMIT, type GroupCommitSettings } from "../config.ts";
import { actorOf, checkCaller, isUser, runAs, SERVICE, type Caller } from "../db/caller.ts";
import { decodeCursor, encodeCursor } from "../db/cursor.ts";
import { currentClient } from "../db/transaction.ts";
import { NotFoundError, UnavailableError, ValidationError } from "../errors.ts";
import { registry } from "../monitoring/index.ts";
import { sharedGroupCommit, type GroupCommit } from "./group-commit.ts";
import { lanesFor, nodeRunItem, type Lanes } from "./lanes.ts";
import { groupCommitMetrics, type GroupCommitMetrics } from "./metrics.ts";
import { toExecution, toMetricPoint, toNodeRun, toNodeRunResult, toTransition, toTransitionResult } from "./rows.ts";
import type {
  Execution, ExecutionState, ExecutionTransition, HistoryFilter, HistoryPage, MetricBucket, MetricPoint, NodeRun, NodeRunRequest, NodeRunResult,
  TransitionDetails, TransitionRequest, TransitionResult, TriggerType,
} from "./types.ts";

/** Keys of coalesced starts: each start is its own key (starts of one key would wait for each other's batch). */
let startCalls = 0;

export type { Caller } from "../db/caller.ts";

export interface StartInput {
  workflowId: string;
  triggerType?: TriggerType;
  input?: unknown;
  idempotencyKey?: string | null;
}

export interface ExecutionsRepositoryOptions {
  /** Group commit of the service path: the process's settings (config.executions.groupCommit), or false for none. Default: on, DEFAULT_GROUP_COMMIT. */
  groupCommit?: Readonly<GroupCommitSettings> | false;
  /** Where the group commit reports batch sizes and waits. Default: the process registry (src/monitoring/registry.ts). */
  metrics?: GroupCommitMetrics;
}

const HISTORY_CURSOR = "executions.history";

function decodeHistoryCursor(cursor: string): { createdAt: Date; id: string } {
  const [createdAt, id] = decodeCursor(cursor, HISTORY_CURSOR, ["timestamp", "uuid"]) as [string, string];
  return { createdAt: new Date(createdAt), id };
}

export class ExecutionsRepository {
  readonly pool: pg.Pool;
  readonly caller: Caller;
  private readonly options: ExecutionsRepositoryOptions;
  private lanes: Lanes | null = null;
  private closed = false;

  constructor(pool: pg.Pool, caller: Caller = SERVICE, options: ExecutionsRepositoryOptions = {}) {
    this.pool = pool;
    this.caller = checkCaller(caller);
    this.options = options;
  }

  /** The same repository acting for another caller. */
  as(caller: Caller): ExecutionsRepository {
    return new ExecutionsRepository(this.pool, caller, this.options);
  }

  /** The same repository acting for a signed-in user (RLS and team roles apply; no group commit). */
  asUser(userId: string): ExecutionsRepository {
    return this.as({ kind: "user", userId });
  }

  /** The same repository on the service path, recording actorId as the actor. */
  asService(actorId: string | null = null): ExecutionsRepository {
    return this.as({ kind: "service", actorId });
  }

  /**
   * Graceful stop: answers every coalesced call queued or in flight (each gets its result or a typed error), then
   * refuses further coalesced calls of this repository (UnavailableError). Call before pool.end().
   */
  async close(): Promise<void> {
    this.closed = true;
    const gc = this.groupCommitSettings() ? sharedGroupCommit(this.pool, this.groupCommitSettings()!, () => this.metrics()) : null;
    await gc?.close();
  }

  private groupCommitSettings(): Readonly<GroupCommitSettings> | null {
    const s = this.options.groupCommit ?? DEFAULT_GROUP_COMMIT;
    return s && s.enabled ? s : null;
  }

  private metrics(): GroupCommitMetrics {
    return this.options.metrics ?? groupCommitMetrics(registry);
  }

  /** The group commit for this call, or null when the call runs directly (user caller, in a transaction, off). */
  private coalescing(): GroupCommit | null {
    if (isUser(this.caller)) return null;
    const settings = this.groupCommitSettings();
    if (!settings || currentClient(this.pool)) return null;
    if (this.closed) throw new UnavailableError("the executions repository is closed; the call was not applied", { detail: "outcome=not_applied" });
    this.lanes ??= lanesFor(this.actor);
    return sharedGroupCommit(this.pool, settings, () => this.metrics());
  }

  private query<R extends pg.QueryResultRow = any>(text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    return runAs(this.pool, this.caller, (q) => q.query<R>(text, values), { singleStatement: true });
  }

  private get actor(): string | null {
    return actorOf(this.caller);
  }

  private get user(): boolean {
    return isUser(this.caller);
  }

  async start(input: StartInput): Promise<Execution> {
    const gc = this.coalescing();
    if (gc) {
      return gc.submit(this.lanes!.start, `start:${++startCalls}`, {
        workflowId: input.workflowId, triggerType: input.triggerType ?? "manual", input: input.input, idempotencyKey: input.idempotencyKey ?? null,
      });
    }
    const args = [input.workflowId, input.triggerType ?? "manual", input.input === undefined ? null : JSON.stringify(input.input), input.idempotencyKey ?? null];
    const { rows } = this.user
      ? await this.query("select * from app_public.start_execution($1, $2, $3::jsonb, $4)", args)
      : await this.query("select * from app_private.start_execution($1, $2, $3::jsonb, $4, $5, false)", [...args, this.actor]);
    return toExecution(rows[0]);
  }

  /** One atomic move; throws IllegalTransitionError (currentState set) when illegal or stale, and writes nothing. */
  async transition(id: string, toState: ExecutionState, opts: { expectedFrom?: ExecutionState; details?: TransitionDetails } = {}): Promise<Execution> {
    const gc = this.coalescing();
    if (gc) return gc.submit(this.lanes!.transition, String(id), { id, toState, expectedFrom: opts.expectedFrom ?? null, details: opts.details });
    const args = [id, toState, opts.expectedFrom ?? null, opts.details === undefined ? null : JSON.stringify(opts.details)];
    const { rows } = this.user
      ? await this.query("select * from app_public.transition_execution($1, $2, $3, $4::jsonb)", args)
      : await this.query("select * from app_private.transition_execution($1, $2, $3, $4::jsonb, $5, false)", [...args, this.actor]);
    return toExecution(rows[0]);
  }

  /** Many moves in one statement and one commit; one result per request, in order. */
  async transitionMany(requests: TransitionRequest[]): Promise<TransitionResult[]> {
    if (requests.length === 0) return [];
    const items = JSON.stringify(requests.map((r) => ({
      id: r.id, to_state: r.toState, ...(r.expectedFrom ? { expected_from: r.expectedFrom } : {}), ...(r.details ? { details: r.details } : {}),
    })));
    const { rows } = this.user
      ? await this.query("select * from app_public.transition_executions($1::jsonb)", [items])
      : await this.query("select * from app_private.apply_execution_transitions($1::jsonb, $2, false)", [items, this.actor]);
    return rows.map(toTransitionResult);
  }

  async get(id: string): Promise<Execution> {
    const { rows } = await this.query("select * from app_public.lookup_execution($1) where id is not null", [id]);
    if (!rows[0]) throw new NotFoundError("execution not found", { field: "id" });
    return toExecution(rows[0]);
  }

  /** The transition chain of one execution, oldest first. */
  async transitions(id: string): Promise<ExecutionTransition[]> {
    const { rows } = await this.query("select * from app_public.execution_transition_history($1)", [id]);
    return rows.map(toTransition);
  }

  /** Executions newest first with keyset pagination (pass `next` back as `after`). */
  async history(filter: HistoryFilter): Promise<HistoryPage> {
    if (!filter.teamId && !filter.workflowId) throw new ValidationError("give a teamId or a workflowId", { field: "team_id" });
    const limit = filter.limit ?? 50;
    const after = typeof filter.after === "string" ? decodeHistoryCursor(filter.after) : filter.after;
    const { rows } = await this.query(
      this.user
        ? "select * from app_public.execution_history($1, $2, $3, $4, $5, $6, $7, $8)"
        : "select * from app_private.execution_history($1, $2, $3, $4, $5, $6, $7, $8, false)",
      [filter.teamId ?? null, filter.workflowId ?? null, filter.state ?? null, filter.createdFrom ?? null, filter.createdBefore ?? null,
        after?.createdAt ?? null, after?.id ?? null, limit],
    );
    const items = rows.map(toExecution);
    const last = items[items.length - 1];
    const more = items.length === limit && last;
    return {
      items,
      next: more ? { createdAt: last.createdAt, id: last.id } : null,
      endCursor: more ? encodeCursor(HISTORY_CURSOR, [last.createdAt.toISOString(), last.id]) : null,
    };
  }

  /** Records that a node started; coalesced on the service path (group commit). */
  async nodeRunStart(executionId: string, nodeName: string, opts: { attempt?: number; nodeId?: string } = {}): Promise<NodeRun> {
    const gc = this.coalescing();
    if (gc) return gc.submit(this.lanes!.nodeRun, String(executionId), { op: "start", executionId, nodeName, ...opts });
    const { rows } = this.user
      ? await this.query("select * from app_public.record_node_run_start($1, $2, $3, $4)", [executionId, nodeName, opts.attempt ?? null, opts.nodeId ?? null])
      : await this.query("select * from app_private.record_node_run_start($1, $2, $3, $4, false)", [executionId, nodeName, opts.attempt ?? null, opts.nodeId ?? null]);
    return toNodeRun(rows[0]);
  }

  /** Records a node's outcome with output and error; coalesced on the service path (group commit). */
  async nodeRunFinish(
    executionId: string, nodeName: string, status: "succeeded" | "failed" | "skipped" | "cancelled",
    opts: { output?: unknown; error?: unknown; attempt?: number } = {},
  ): Promise<NodeRun> {
    const gc = this.coalescing();
    if (gc) return gc.submit(this.lanes!.nodeRun, String(executionId), { op: "finish", executionId, nodeName, status, ...opts });
    const output = opts.output === undefined ? null : JSON.stringify(opts.output);
    const error = opts.error === undefined ? null : JSON.stringify(opts.error);
    const { rows } = this.user
      ? await this.query("select * from app_public.record_node_run_finish($1, $2, $3, $4::jsonb, $5::jsonb, $6)", [executionId, nodeName, status, output, error, opts.attempt ?? null])
      : await this.query("select * from app_private.record_node_run_finish($1, $2, $3, $4, $5::jsonb, $6::jsonb, false)", [executionId, nodeName, opts.attempt ?? null, status, output, error]);
    return toNodeRun(rows[0]);
  }

  /** Many node-run starts and finishes in one statement and one commit; one result per request, in order. */
  async recordNodeRuns(requests: NodeRunRequest[]): Promise<NodeRunResult[]> {
    if (requests.length === 0) return [];
    const items = JSON.stringify(requests.map(nodeRunItem));
    const { rows } = this.user
      ? await this.query("select * from app_public.record_node_runs($1::jsonb)", [items])
      : await this.query("select * from app_private.record_node_runs($1::jsonb, $2, false)", [items, this.actor]);
    return rows.map(toNodeRunResult);
  }

  /** Metric series for one workflow or one team. */
  async series(opts: { workflowId?: string; teamId?: string; from: Date; to: Date; bucket: MetricBucket }): Promise<MetricPoint[]> {
    const { rows } = await this.query(
      "select * from app_public.execution_metrics_series($1, $2, $3, $4, $5)",
      [opts.from, opts.to, opts.bucket, opts.workflowId ?? null, opts.teamId ?? null],
    );
    return rows.map(toMetricPoint);
  }
}
