// Group commit: concurrent single calls of the service path leave as one batched engine call per short window
// (or per maxBatch calls), in one transaction and one commit. Each caller awaits its own outcome, which it gets
// only after that commit (docs/executions.md, "Group commit").
//
// Guarantees:
//  - per-call outcomes: a refused call (illegal move, not found, ...) fails alone, with the typed error of the
//    single call; the others of its batch commit;
//  - a batch that fails as a whole (a database error: a trigger, a timeout, a lost connection before commit) is
//    rolled back and its calls are retried one by one through the single functions, so one bad call never fails
//    another;
//  - a connection lost during COMMIT is resolved by asking the server what became of the batch's transaction
//    (pg_xact_status): committed -> the outcomes stand; aborted -> retried one by one; unknowable -> each caller
//    gets an UnavailableError whose detail says outcome=unknown (never a silent loss);
//  - order per key (execution): calls for one execution apply in call order. A lane that allows several calls of
//    one key per batch (node runs) passes them in call order; otherwise (transitions) a later call waits for the
//    next batch. A key is never in two batches in flight at once.
//  - close(): stops taking calls, sends what is queued at once and resolves when every call has its answer.
import type pg from "pg";
import type { GroupCommitSettings } from "../config.ts";
import { mapDbError } from "../db/errors.ts";
import { LinkFlowError, UnavailableError } from "../errors.ts";
import { logger } from "../logger.ts";
import type { GroupCommitMetrics } from "./metrics.ts";

export type Outcome<R> = { ok: true; value: R } | { ok: false; error: LinkFlowError };

interface LaneBase<I, R> {
  readonly name: string;
  /** Several calls with one key may share a batch (the batch function applies them in input order). */
  readonly sharedKeys: boolean;
  /** One call alone in its own transaction (the retry path); throws the call's typed error. */
  runOne(client: pg.ClientBase, item: I): Promise<R>;
}

/**
 * A batch that is one round trip: SQL text with the items as literals (src/db/literal.ts), sent in one simple
 * query after BEGIN; `decode` turns that text's results into one outcome per item, in order.
 */
export interface TextLane<I, R> extends LaneBase<I, R> {
  batchText(items: I[]): string;
  decode(results: pg.QueryResult[], items: I[]): Outcome<R>[];
}

/** A batch whose statements depend on each other's results: run on the client after the BEGIN. */
export interface ClientLane<I, R> extends LaneBase<I, R> {
  runBatch(client: pg.ClientBase, items: I[]): Promise<Outcome<R>[]>;
}

/** One kind of call that can be coalesced: how a batch of them runs, and how one runs alone. */
export type Lane<I, R> = TextLane<I, R> | ClientLane<I, R>;

interface Pending {
  lane: Lane<any, any>;
  key: string;
  item: unknown;
  at: bigint;
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

const CONNECTION_STATES = /^(08|57P0)/;
/** True when the error says the connection (not the statement) failed. */
function connectionLost(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return typeof code !== "string" || CONNECTION_STATES.test(code);
}

const notApplied = (cause: unknown) => new UnavailableError("database unavailable; the call was not applied", {
  detail: "outcome=not_applied", cause,
});
const unknownOutcome = (cause: unknown) => new UnavailableError("connection lost while committing; the outcome of the call is unknown", {
  detail: "outcome=unknown", cause,
});

export class GroupCommit {
  private readonly pool: pg.Pool;
  private readonly settings: Readonly<GroupCommitSettings>;
  private readonly metrics: GroupCommitMetrics;
  private queue: Pending[] = [];
  /** Keys with a call in a batch in flight. */
  private readonly busy = new Map<string, number>();
  private inFlight = 0;
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private closing = false;
  private idle: (() => void)[] = [];

  constructor(pool: pg.Pool, settings: Readonly<GroupCommitSettings>, metrics: GroupCommitMetrics) {
    this.pool = pool;
    this.settings = settings;
    this.metrics = metrics;
  }

  get closed(): boolean { return this.closing; }

  /** Queues one call; resolves with its outcome after its batch commits. */
  submit<I, R>(lane: Lane<I, R>, key: string, item: I): Promise<R> {
    if (this.closing) {
      return Promise.reject(new UnavailableError("the executions repository is closing; the call was not applied", { detail: "outcome=not_applied" }));
    }
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ lane, key, item, at: process.hrtime.bigint(), resolve: resolve as (v: unknown) => void, reject });
      if (this.queue.length >= this.settings.maxBatch) this.flush();
      else if (!this.timer) {
        // Idle, the first call waits up to the window for company; with batches in flight the load is already
        // there, so what gathered leaves on the next event-loop turn (when a connection is free).
        const wait = this.inFlight > 0 ? 0 : this.settings.windowMs;
        this.timer = wait > 0 ? setTimeout(() => this.flush(), wait) : setImmediate(() => this.flush());
      }
    });
  }

  /** Stops taking calls, sends the queued ones now and resolves once every call has been answered. */
  async close(): Promise<void> {
    this.closing = true;
    this.flush();
    if (this.queue.length === 0 && this.inFlight === 0) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private flush(): void {
    if (this.timer) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
      this.timer = null;
    }
    while (this.inFlight < this.settings.maxInFlight && this.queue.length > 0) {
      const batches = this.form(this.settings.maxInFlight - this.inFlight);
      if (batches.length === 0) break;
      for (const batch of batches) void this.launch(batch);
    }
  }

  /**
   * Takes up to `slots` batches off the queue, keeping call order per key. A lane's queued calls are spread over
   * the free slots, in batches of at least half of maxBatch: callers that all waited on one batch come back
   * together, and sent as one batch again they would leave the other connections idle.
   */
  private form(slots: number): Pending[][] {
    const blocked = new Set(this.busy.keys());
    const queued = new Map<Lane<any, any>, number>();
    for (const p of this.queue) if (!blocked.has(p.key)) queued.set(p.lane, (queued.get(p.lane) ?? 0) + 1);
    const share = Math.max(1, Math.floor(slots / Math.max(1, queued.size)));
    const size = new Map<Lane<any, any>, number>();
    for (const [lane, n] of queued) size.set(lane, Math.min(this.settings.maxBatch, Math.max(Math.ceil(this.settings.maxBatch / 2), Math.ceil(n / share))));
    const open = new Map<Lane<any, any>, Pending[]>();
    const ofKey = new Map<string, Pending[]>();
    const formed: Pending[][] = [];
    const rest: Pending[] = [];
    for (const p of this.queue) {
      const mine = ofKey.get(p.key);
      if (blocked.has(p.key) || (mine && (mine[0]!.lane !== p.lane || !p.lane.sharedKeys || mine.length >= this.settings.maxBatch))) {
        blocked.add(p.key); // every later call of this key waits too: call order per key
        rest.push(p);
        continue;
      }
      let batch = mine ?? open.get(p.lane);
      if (!batch || (!mine && batch.length >= size.get(p.lane)!)) {
        if (formed.length >= slots) {
          blocked.add(p.key);
          rest.push(p);
          continue;
        }
        formed.push((batch = []));
        open.set(p.lane, batch);
      }
      batch.push(p);
      ofKey.set(p.key, batch);
    }
    this.queue = rest;
    return formed;
  }

  private async launch(batch: Pending[]): Promise<void> {
    this.inFlight++;
    for (const p of batch) this.busy.set(p.key, (this.busy.get(p.key) ?? 0) + 1);
    const lane = batch[0]!.lane;
    this.metrics.batch(lane.name, batch.length);
    try {
      const outcomes = await this.commitBatch(lane, batch);
      if (outcomes) batch.forEach((p, i) => this.settle(p, outcomes[i]!));
    } catch (e) {
      // never expected (commitBatch answers every call itself); still, no caller may be left waiting
      logger.error({ err: e, lane: lane.name }, "group commit batch failed unexpectedly");
      for (const p of batch) this.settle(p, { ok: false, error: mapDbError(e) });
    } finally {
      for (const p of batch) {
        const n = this.busy.get(p.key)! - 1;
        if (n === 0) this.busy.delete(p.key);
        else this.busy.set(p.key, n);
      }
      this.inFlight--;
      if (this.queue.length > 0 && (this.closing || !this.timer)) this.flush();
      if (this.queue.length === 0 && this.inFlight === 0) for (const done of this.idle.splice(0)) done();
    }
  }

  private settle(p: Pending, o: Outcome<unknown>): void {
    this.metrics.wait(p.lane.name, Number(process.hrtime.bigint() - p.at) / 1e9);
    if (o.ok) p.resolve(o.value);
    else p.reject(o.error);
  }

  /**
   * Runs the batch in one transaction. Returns the outcomes, or null when it already answered every call
   * (one by one, or with an error).
   */
  private async commitBatch(lane: Lane<any, any>, batch: Pending[]): Promise<Outcome<unknown>[] | null> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      for (const p of batch) this.settle(p, { ok: false, error: notApplied(e) });
      return null;
    }
    let broken = false;
    const onError = () => { broken = true; };
    client.on("error", onError);
    let xid: string | null = null;
    let outcomes: Outcome<unknown>[] | null = null;
    let committing = false;
    try {
      const items = batch.map((p) => p.item);
      const text = "batchText" in lane ? `; ${lane.batchText(items)}` : "";
      const begun = await client.query(`begin; select pg_current_xact_id()::text as xid${text}`) as unknown as pg.QueryResult[];
      xid = begun[1]!.rows[0].xid as string;
      outcomes = "batchText" in lane ? lane.decode(begun.slice(2), items) : await lane.runBatch(client, items);
      committing = true;
      await client.query("commit");
    } catch (e) {
      if (connectionLost(e) || committing) broken = true;
      // Before COMMIT nothing is committed: roll back (a lost connection rolls back by itself).
      else await client.query("rollback").catch(() => { broken = true; });
      client.off("error", onError);
      client.release(broken);
      if (committing) return this.resolveCommit(lane, batch, outcomes!, xid, e);
      await this.retryOneByOne(lane, batch, e);
      return null;
    }
    client.off("error", onError);
    client.release(broken);
    return outcomes;
  }

  /** COMMIT failed: ask the server whether the transaction committed. */
  private async resolveCommit(lane: Lane<any, any>, batch: Pending[], outcomes: Outcome<unknown>[], xid: string | null, e: unknown): Promise<Outcome<unknown>[] | null> {
    if (!connectionLost(e)) {
      // the server refused the commit (e.g. a deferred check): rolled back
      await this.retryOneByOne(lane, batch, e);
      return null;
    }
    let status: string | null = null;
    try {
      const { rows } = await this.pool.query("select pg_xact_status($1::xid8) as status", [xid]);
      status = rows[0]?.status ?? null;
    } catch { /* unknowable */ }
    if (status === "committed") return outcomes;
    if (status === "aborted") {
      await this.retryOneByOne(lane, batch, e);
      return null;
    }
    for (const p of batch) this.settle(p, { ok: false, error: unknownOutcome(e) });
    return null;
  }

  /** The batch failed as a whole and was rolled back: each call runs alone and gets its own answer. */
  private async retryOneByOne(lane: Lane<any, any>, batch: Pending[], cause: unknown): Promise<void> {
    this.metrics.retried(lane.name, batch.length);
    logger.warn({ lane: lane.name, calls: batch.length, err: { message: (cause as Error).message, code: (cause as { code?: string }).code } },
      "group commit batch failed; retrying its calls one by one");
    let down: unknown = null;
    for (const p of batch) {
      if (down) { this.settle(p, { ok: false, error: notApplied(down) }); continue; }
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (e) {
        down = e;
        this.settle(p, { ok: false, error: notApplied(e) });
        continue;
      }
      let broken = false;
      const onError = () => { broken = true; };
      client.on("error", onError);
      try {
        this.settle(p, { ok: true, value: await p.lane.runOne(client, p.item) });
      } catch (e) {
        if (connectionLost(e)) { broken = true; down = e; }
        this.settle(p, { ok: false, error: connectionLost(e) ? unknownOutcome(e) : mapDbError(e) });
      } finally {
        client.off("error", onError);
        client.release(broken);
      }
    }
  }
}

/** One group commit per pool and settings, shared by every repository on that pool (so callers coalesce). */
const shared = new WeakMap<pg.Pool, Map<string, GroupCommit>>();

export function sharedGroupCommit(pool: pg.Pool, settings: Readonly<GroupCommitSettings>, metrics: () => GroupCommitMetrics): GroupCommit {
  let byKey = shared.get(pool);
  if (!byKey) shared.set(pool, (byKey = new Map()));
  const key = `${settings.windowMs}/${settings.maxBatch}/${settings.maxInFlight}`;
  let gc = byKey.get(key);
  if (!gc || gc.closed) byKey.set(key, (gc = new GroupCommit(pool, settings, metrics())));
  return gc;
}

/** Drains and closes every group commit of the pool (graceful stop: call before pool.end()). */
export async function closeGroupCommits(pool: pg.Pool): Promise<void> {
  const byKey = shared.get(pool);
  if (!byKey) return;
  shared.delete(pool);
  await Promise.all([...byKey.values()].map((gc) => gc.close()));
}
