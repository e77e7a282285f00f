// Bounded work per request and fair use of the database.
//
// Every GraphQL request gets a deadline (GRAPHQL_REQUEST_TIMEOUT_MS from its arrival). Its database work goes
// through a guarded withPgClient: at most GRAPHQL_REQUEST_DB_CONCURRENCY transactions of one request run at
// once, at most GRAPHQL_CALLER_DB_CONCURRENCY of one caller (user id, or IP for anonymous callers) across all
// its requests, each statement runs with statement_timeout = the time left (so PostgreSQL cancels it at the
// deadline), and no new work starts after the deadline. Waiting for a slot past the deadline is a TIMEOUT.
import { LinkFlowError } from "../errors.ts";

export class RequestTimeoutError extends LinkFlowError {
  constructor(message = "the request exceeded its time budget and was cancelled") { super("TIMEOUT", message); }
}

export class RateLimitedError extends LinkFlowError {
  readonly retryAfterS: number;
  constructor(message: string, retryAfterS = 1) { super("RATE_LIMITED", message); this.retryAfterS = retryAfterS; }
}

/** A counting semaphore whose waiters give up at a deadline (FIFO). */
export class Semaphore {
  private active = 0;
  private readonly waiters: { resolve: () => void; timer: NodeJS.Timeout | null }[] = [];
  readonly max: number;
  constructor(max: number) { this.max = max; }
  get inUse(): number { return this.active; }
  get idle(): boolean { return this.active === 0 && this.waiters.length === 0; }

  acquire(deadline: number): Promise<() => void> {
    const release = () => {
      const next = this.waiters.shift();
      if (next) { if (next.timer) clearTimeout(next.timer); next.resolve(); } else this.active--;
    };
    const once = () => { let done = false; return () => { if (!done) { done = true; release(); } }; };
    if (this.active < this.max) { this.active++; return Promise.resolve(once()); }
    const wait = deadline - Date.now();
    if (wait <= 0) return Promise.reject(new RequestTimeoutError());
    return new Promise((resolve, reject) => {
      const waiter = { resolve: () => resolve(once()), timer: null as NodeJS.Timeout | null };
      waiter.timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new RequestTimeoutError());
      }, wait);
      this.waiters.push(waiter);
    });
  }
}

/** One semaphore per key, dropped when idle. */
export class KeyedSemaphores {
  private readonly map = new Map<string, Semaphore>();
  readonly max: number;
  constructor(max: number) { this.max = max; }
  async acquire(key: string, deadline: number): Promise<() => void> {
    let s = this.map.get(key);
    if (!s) { s = new Semaphore(this.max); this.map.set(key, s); }
    const sem = s;
    const release = await sem.acquire(deadline).catch((e) => { if (sem.idle) this.map.delete(key); throw e; });
    return () => { release(); if (sem.idle && this.map.get(key) === sem) this.map.delete(key); };
  }
  get size(): number { return this.map.size; }
}

export interface BudgetSettings { requestTimeoutMs: number; statementTimeoutMs: number; requestDbConcurrency: number; callerDbConcurrency: number }

export interface RequestBudget { deadline: number; callerKey: string; slots: Semaphore }

export function makeBudget(settings: BudgetSettings, callerKey: string, startedAt = Date.now()): RequestBudget {
  return { deadline: startedAt + settings.requestTimeoutMs, callerKey, slots: new Semaphore(settings.requestDbConcurrency) };
}

type WithPgClient = (pgSettings: Record<string, string | undefined> | null, callback: (client: unknown) => Promise<unknown>) => Promise<unknown>;

/** Wraps @dataplan/pg's withPgClient with the request's budget and the per-caller cap. */
export function guardWithPgClient(inner: WithPgClient, budget: RequestBudget, callers: KeyedSemaphores, statementTimeoutMs: number): WithPgClient {
  return async (pgSettings, callback) => {
    const releaseRequest = await budget.slots.acquire(budget.deadline);
    try {
      const releaseCaller = await callers.acquire(budget.callerKey, budget.deadline);
      try {
        const left = budget.deadline - Date.now();
        if (left <= 0) throw new RequestTimeoutError();
        const timeout = Math.max(1, Math.min(statementTimeoutMs, left));
        return await inner({ ...pgSettings, statement_timeout: `${timeout}ms` }, callback);
      } finally {
        releaseCaller();
      }
    } finally {
      releaseRequest();
    }
  };
}
