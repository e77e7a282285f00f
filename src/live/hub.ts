// The live hub: one per server process. It owns the process's LogReader and fans each batch out in memory to the
// subscribers of the event's team (no query per subscriber per event). A subscriber that resumes from a cursor
// first catches up from the database (its team's events between the cursor and the reader's checkpoint), then
// joins the live fan-out at exactly that checkpoint, so it receives every event once, in the global order.
// Slow consumers are bounded: a subscriber whose queue outgrows its buffer (or whose transport is backed up)
// ends with OverflowError carrying the cursor to resume from; nobody else waits for it.
import type pg from "pg";
import { ForbiddenError, LinkFlowError, ValidationError } from "../errors.ts";
import { logger } from "../logger.ts";
import type { Checkpoint } from "../events/index.ts";
import { compareCheckpoints, decodeCursor, encodeCursor } from "./cursor.ts";
import { LogReader, toLiveEvent, type EventRowText } from "./reader.ts";
import type { LiveEvent, LiveFilter, SubscribeOptions } from "./types.ts";

/**
 * A synchronous consumer of a subscriber (the direct WebSocket delivery, see direct.ts): instead of one promise
 * per event through next(), it takes every event of a fan-out batch (or catch-up page) at once, in order.
 */
export interface LiveSink {
  /** The next events, in order (never empty). */
  deliver(events: LiveEvent[]): void;
  /** Resolves when the transport can take more (catch-up reads its next page only then). */
  writable(): Promise<void>;
  /** The stream ended: with the error to send after everything delivered, or normally (no error). */
  end(error?: unknown): void;
}

/** A subscriber fell too far behind; resume with `after: cursor`. */
export class OverflowError extends LinkFlowError {
  readonly cursor: string;
  constructor(cursor: string) {
    super("LIMIT_EXCEEDED", "subscriber fell behind its buffer; resume with the cursor", { field: "after" });
    this.cursor = cursor;
  }
}

export interface LiveHubOptions {
  pool: pg.Pool;
  connectionString: string;
  /** Polling fallback of the reader (ms). */
  pollMs?: number;
  /** Least time between two reads of the log (ms): commits of that interval are read and fanned out together. */
  minReadIntervalMs?: number;
  /** Events queued per subscriber before it overflows. */
  bufferSize?: number;
  /** Re-check every signed-in subscriber's membership at least this often (ms), besides the change notifications. */
  membershipRecheckMs?: number;
  /** Most subscribers per process (a typed LIMIT_EXCEEDED beyond). */
  maxSubscribers?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CATCH_UP_PAGE = 1000;
const TEAM_ACTIVITY_TYPES = new Set(["WorkflowCreated", "WorkflowSaved", "WorkflowStatusChanged", "WorkflowDeleted", "ExecutionCreated", "ExecutionStateChanged"]);

const CATCH_UP_SQL = `select global_position::text, transaction_id::text, stream_id, stream_type, stream_version::text, event_id,
    type, data, metadata, team_id, created_at
  from app_public.events e
 where e.team_id = $1
   and (e.transaction_id, e.global_position) > ($2::xid8, $3::bigint)
   and (e.transaction_id, e.global_position) <= ($4::xid8, $5::bigint)
 order by e.transaction_id, e.global_position
 limit $6`;

const MEMBER_SQL = `select m.user_id::text from app_public.team_memberships m
  join app_public.users u on u.id = m.user_id and u.deleted_at is null
 where m.team_id = $1 and m.user_id = any ($2::uuid[])`;

/** Does this event belong to the subscriber's stream? */
export function matches(f: LiveFilter, e: LiveEvent): boolean {
  const data = (e.data ?? {}) as Record<string, unknown>;
  if ((e.teamId ?? data.team_id) !== f.teamId) return false;
  switch (f.kind) {
    case "executions":
      if (e.streamType !== "execution") return false;
      if (f.workflowId && data.workflow_id !== f.workflowId) return false;
      if (f.executionId && data.execution_id !== f.executionId && e.streamId !== `execution-${f.executionId}`) return false;
      return true;
    case "workflows":
      return e.streamType === "workflow";
    case "activity":
      return TEAM_ACTIVITY_TYPES.has(e.type);
  }
}

class Subscriber implements AsyncIterableIterator<LiveEvent> {
  readonly filter: LiveFilter;
  readonly userId: string | null;
  /** The last event queued for (or, while catching up, read for) this subscriber. */
  last: Checkpoint;
  /** The last event handed to the consumer: the resume cursor after an overflow. */
  delivered: Checkpoint;
  live = false;
  readonly #queue: LiveEvent[] = [];
  #waiter: { resolve: (r: IteratorResult<LiveEvent>) => void; reject: (e: unknown) => void } | null = null;
  #error: unknown = null;
  #done = false;
  #drained: (() => void) | null = null;
  #batch = 0;
  readonly #hub: LiveHub;
  readonly #bufferSize: number;
  readonly #isBackedUp: (() => boolean) | undefined;
  #sink: LiveSink | null = null;
  #flushQueued = false;

  constructor(hub: LiveHub, filter: LiveFilter, userId: string | null, start: Checkpoint, bufferSize: number, isBackedUp?: () => boolean) {
    this.#hub = hub;
    this.filter = filter;
    this.userId = userId;
    this.last = start;
    this.delivered = start;
    this.#bufferSize = bufferSize;
    this.#isBackedUp = isBackedUp;
  }

  get closed(): boolean { return this.#done; }

  /**
   * Hands every event to `sink` from now on, a batch at a time, instead of through next(). The hub's fan-out
   * delivers a batch to each sink once the batch is queued to everyone; a sink's transport bounds the
   * subscriber (isBackedUp), as its queue bounds an iterator's.
   */
  attachSink(sink: LiveSink): void {
    this.#sink = sink;
    if (this.#done) { this.#sink = null; sink.end(this.#error ?? undefined); this.#error = null; return; }
    this.flush();
  }

  /** Sink mode: hands the queued events to the sink (the hub calls it after each fan-out batch). */
  flush(): void {
    this.#flushQueued = false;
    const sink = this.#sink;
    if (!sink || this.#done || this.#queue.length === 0) return;
    const events = this.#queue.splice(0, this.#queue.length);
    this.delivered = events[events.length - 1]!.checkpoint;
    sink.deliver(events);
  }

  /** Resolves once the consumer has taken every queued event (catch-up reads the next page only then). */
  drained(): Promise<void> {
    if (this.#sink) {
      this.flush();
      return this.#done ? Promise.resolve() : this.#sink.writable();
    }
    if (this.#queue.length === 0 || this.#done) return Promise.resolve();
    return new Promise((resolve) => { this.#drained = resolve; });
  }

  /**
   * Queues an event (in order, once). A read batch is queued whole; the subscriber overflows when, as a new
   * batch begins, the events it has not taken yet already fill its buffer (or its transport is backed up).
   */
  push(e: LiveEvent, batch = 0): void {
    if (this.#done || compareCheckpoints(e.checkpoint, this.last) <= 0) return;
    if (batch !== this.#batch) {
      this.#batch = batch;
      if (this.#queue.length >= this.#bufferSize || this.#isBackedUp?.()) {
        this.fail(new OverflowError(encodeCursor(this.delivered)));
        return;
      }
    }
    this.last = e.checkpoint;
    if (!matches(this.filter, e)) return;
    if (this.#sink) {
      this.#queue.push(e);
      // a fan-out batch flushes every sink it touched at its end; catch-up flushes each page itself (drained)
      if (batch !== 0 && !this.#flushQueued) { this.#flushQueued = true; this.#hub.queueFlush(this); }
      return;
    }
    if (this.#waiter && this.#queue.length === 0) {
      const w = this.#waiter;
      this.#waiter = null;
      this.delivered = e.checkpoint;
      w.resolve({ value: e, done: false });
      return;
    }
    this.#queue.push(e);
  }

  /** Ends the subscription with an error (delivered after nothing else: the queue is dropped). */
  fail(error: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.#error = error;
    this.#queue.length = 0;
    this.#hub.remove(this);
    this.#drained?.();
    if (this.#sink) {
      const sink = this.#sink;
      this.#sink = null;
      this.#error = null;
      sink.end(error);
      return;
    }
    if (this.#waiter) {
      const w = this.#waiter;
      this.#waiter = null;
      w.reject(error);
    }
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<LiveEvent> { return this; }

  next(): Promise<IteratorResult<LiveEvent>> {
    const e = this.#queue.shift();
    if (e) {
      this.delivered = e.checkpoint;
      if (this.#queue.length === 0 && this.#drained) { const d = this.#drained; this.#drained = null; d(); }
      return Promise.resolve({ value: e, done: false });
    }
    if (this.#done) {
      if (this.#error) {
        const err = this.#error;
        this.#error = null;
        return Promise.reject(err);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => { this.#waiter = { resolve, reject }; });
  }

  return(): Promise<IteratorResult<LiveEvent>> {
    if (!this.#done) {
      this.#done = true;
      this.#queue.length = 0;
      this.#hub.remove(this);
      this.#drained?.();
    }
    const sink = this.#sink;
    this.#sink = null;
    sink?.end();
    this.#error = null;
    const w = this.#waiter;
    this.#waiter = null;
    w?.resolve({ value: undefined, done: true });
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(e?: unknown): Promise<IteratorResult<LiveEvent>> {
    void this.return();
    return Promise.reject(e);
  }
}

export class LiveHub {
  readonly reader: LogReader;
  readonly #pool: pg.Pool;
  readonly #byTeam = new Map<string, Set<Subscriber>>();
  readonly #bufferSize: number;
  readonly #maxSubscribers: number;
  #count = 0;
  #batches = 0;
  readonly #catchUpPage: number;
  #recheck: NodeJS.Timeout | null = null;
  readonly #recheckMs: number;
  /** Events handed to consumers' queues or waiters (for metrics and the bench). */
  fannedOut = 0;
  /** Sinks that took events in the fan-out batch under way (flushed at its end). */
  readonly #toFlush: Subscriber[] = [];

  constructor(opts: LiveHubOptions) {
    this.#pool = opts.pool;
    this.#bufferSize = opts.bufferSize ?? 1000;
    this.#catchUpPage = Math.min(CATCH_UP_PAGE, this.#bufferSize);
    this.#maxSubscribers = opts.maxSubscribers ?? 10_000;
    this.#recheckMs = opts.membershipRecheckMs ?? 30_000;
    this.reader = new LogReader({
      pool: opts.pool,
      connectionString: opts.connectionString,
      pollMs: opts.pollMs ?? 50,
      minReadIntervalMs: opts.minReadIntervalMs ?? 5,
      onEvents: (events) => this.#fanOut(events),
      onMembershipChange: (teams) => void this.#recheckMembership(teams),
    });
  }

  async start(): Promise<void> {
    await this.reader.start();
    this.#recheck = setInterval(() => void this.#recheckMembership("all"), this.#recheckMs);
    this.#recheck.unref();
  }

  async stop(): Promise<void> {
    if (this.#recheck) clearInterval(this.#recheck);
    await this.reader.stop();
    for (const set of this.#byTeam.values()) for (const s of [...set]) void s.return();
    this.#byTeam.clear();
  }

  get subscriberCount(): number { return this.#count; }

  /** The owner pool the hub reads with (also used for consistency tokens). */
  get pool(): pg.Pool { return this.#pool; }

  /**
   * An async iterator over one team's events of one kind. With `after`, resumes right after that cursor (also a
   * cursor handed out by another server process); without it, starts at the live end. A signed-in `userId` must
   * be a member of the team (ForbiddenError otherwise, and when the membership ends mid-stream).
   */
  async subscribe(opts: SubscribeOptions): Promise<AsyncIterableIterator<LiveEvent>> {
    const filter: LiveFilter = { kind: opts.kind, teamId: opts.teamId, workflowId: opts.workflowId ?? null, executionId: opts.executionId ?? null };
    for (const [field, v] of [["teamId", filter.teamId], ["workflowId", filter.workflowId], ["executionId", filter.executionId]] as const) {
      if (v != null && !UUID.test(v)) throw new ValidationError(`${field} must be a UUID`, { field });
    }
    const after = opts.after ? decodeCursor(opts.after) : null;
    if (opts.userId) {
      const { rowCount } = await this.#pool.query(MEMBER_SQL, [filter.teamId, [opts.userId]]);
      if (!rowCount) throw new ForbiddenError("not a member of this team", { field: "teamId" });
    }
    if (this.#count >= this.#maxSubscribers) throw new LinkFlowError("LIMIT_EXCEEDED", "too many live subscribers on this server");
    const start = after ?? this.reader.checkpoint;
    const sub = new Subscriber(this, filter, opts.userId ?? null, start, this.#bufferSize, opts.isBackedUp);
    this.#count++;
    if (after && compareCheckpoints(after, this.reader.checkpoint) < 0) {
      void this.#catchUp(sub);
    } else {
      this.#join(sub);
    }
    return sub;
  }

  /** Reads the team's events between the subscriber's cursor and the reader's checkpoint, then joins it live. */
  async #catchUp(sub: Subscriber): Promise<void> {
    try {
      for (;;) {
        await sub.drained();
        if (sub.closed) return;
        const target = this.reader.checkpoint;
        if (compareCheckpoints(sub.last, target) >= 0) break;
        const from = sub.last;
        const { rows } = await this.#pool.query<EventRowText>(CATCH_UP_SQL, [
          sub.filter.teamId, from.transactionId.toString(), from.globalPosition.toString(),
          target.transactionId.toString(), target.globalPosition.toString(), this.#catchUpPage,
        ]);
        if (sub.closed) return;
        for (const r of rows) sub.push(toLiveEvent(r));
        if (sub.closed) return;
        if (rows.length < this.#catchUpPage) sub.last = target; // nothing else of this team up to the target
      }
      this.#join(sub);
    } catch (e) {
      logger.warn({ err: e }, "live: catch-up read failed");
      sub.fail(e);
    }
  }

  #join(sub: Subscriber): void {
    sub.flush(); // sink mode: the last catch-up page
    if (sub.closed) return;
    sub.live = true;
    let set = this.#byTeam.get(sub.filter.teamId);
    if (!set) this.#byTeam.set(sub.filter.teamId, (set = new Set()));
    set.add(sub);
  }

  /** A sink subscriber took events in the current fan-out batch. */
  queueFlush(sub: Subscriber): void {
    this.#toFlush.push(sub);
  }

  remove(sub: Subscriber): void {
    const set = this.#byTeam.get(sub.filter.teamId);
    if (set?.delete(sub) && set.size === 0) this.#byTeam.delete(sub.filter.teamId);
    this.#count = Math.max(0, this.#count - 1);
  }

  #fanOut(events: LiveEvent[]): void {
    if (this.#byTeam.size === 0) return;
    const batch = ++this.#batches;
    for (const e of events) {
      const team = e.teamId ?? ((e.data ?? {}) as Record<string, unknown>).team_id as string | undefined;
      if (!team) continue;
      const set = this.#byTeam.get(team);
      if (!set) continue;
      for (const s of set) { s.push(e, batch); this.fannedOut++; }
    }
    for (const s of this.#toFlush) s.flush(); // a flush queues nothing: the list is stable while it runs
    this.#toFlush.length = 0;
  }

  async #recheckMembership(teams: string[] | "all"): Promise<void> {
    const ids = teams === "all" ? [...this.#byTeam.keys()] : teams.filter((t) => this.#byTeam.has(t));
    for (const teamId of ids) {
      const subs = [...(this.#byTeam.get(teamId) ?? [])].filter((s) => s.userId);
      if (subs.length === 0) continue;
      try {
        const users = [...new Set(subs.map((s) => s.userId!))];
        const { rows } = await this.#pool.query<{ user_id: string }>(MEMBER_SQL, [teamId, users]);
        const members = new Set(rows.map((r) => r.user_id));
        for (const s of subs) if (!members.has(s.userId!)) s.fail(new ForbiddenError("membership of this team ended", { field: "teamId" }));
      } catch (e) {
        logger.warn({ err: e, teamId }, "live: membership re-check failed");
      }
    }
  }
}
