// Query instrumentation for pg pools. instrumentPool(pool, label) (injected into createPool by the composition root: src/bootstrap.ts) wraps:
//   - the query method of every client the pool opens (the pool's 'connect' event), so pool.query, clients
//     from pool.connect, withTransaction, PostGraphile and graphile-worker are all measured once;
//   - pool.connect, timing the checkout (pool.query checks out through it too).
// Each query feeds a counter and a latency histogram labelled {pool, query} (query = stable name from
// query-name.ts), an error counter by SQLSTATE class, and the slow-query log above SLOW_QUERY_MS.
import { performance } from "node:perf_hooks";
import client from "prom-client";
import type pg from "pg";
import { logger } from "../logger.ts";
import { acquireWait, poolErrors, queryDuration, queryErrors, slowQueries } from "./db-metrics.ts";
import type { HistogramSeries } from "./fast-metrics.ts";
import { deriveQueryName, queryName, redactSqlForLog } from "./query-name.ts";
import { registry } from "./registry.ts";
import { monitoringSettings } from "./settings.ts";

const INSTRUMENTED = Symbol.for("linkflow.instrumented");
type Marked = { [INSTRUMENTED]?: true };
type Callback = (err: Error | null | undefined, res?: unknown) => void;

// ---------------------------------------------------------------------------------------------- slow queries
/** What the slow-query log needs from a logger (pino fits). */
export interface SlowQueryLogger { warn(obj: Record<string, unknown>, msg: string): void }
let slowLogger: SlowQueryLogger = logger.child({ component: "db" });
let slowThresholdMs: number | null = null;
let sqlChars: number | null = null;

/** Replaces the slow-query logger (tests capture its JSON lines). Returns the previous one. */
export function setSlowQueryLogger(l: SlowQueryLogger): SlowQueryLogger {
  const prev = slowLogger;
  slowLogger = l;
  return prev;
}
/** Overrides SLOW_QUERY_MS for this process (tests); null restores the environment's value. */
export function setSlowQueryThresholdMs(ms: number | null): void {
  slowThresholdMs = ms;
}
let envThreshold: number | null = null;
function defaultThreshold(): number {
  return (envThreshold ??= monitoringSettings().slowQueryMs);
}

// ---------------------------------------------------------------------------------------------- per-pool state
// One Map lookup per query: SQL text -> (stable name, histogram series). Bounded: statements repeat.
interface Named { name: string; series: HistogramSeries }
interface PoolState { label: string; bySql: Map<string, Named> }
const BY_SQL_MAX = 5000;

// A statement sent with its values inlined (the workflows repository's one-round-trip calls, queryAs) is a new
// text per call, some of them 100 KB long: named from its head, never cached by text.
const LONG_SQL = 2000;

function named(state: PoolState, text: string): Named {
  if (text.length > LONG_SQL) {
    const name = deriveQueryName(text.slice(0, LONG_SQL));
    return { name, series: queryDuration.child(state.label, name) };
  }
  let n = state.bySql.get(text);
  if (!n) {
    const name = queryName(text);
    n = { name, series: queryDuration.child(state.label, name) };
    if (state.bySql.size >= BY_SQL_MAX) state.bySql.clear();
    state.bySql.set(text, n);
  }
  return n;
}

export function sqlstateClass(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code.slice(0, 2);
  if (typeof code === "string" && /^E[A-Z]+$/.test(code)) return "connection"; // ECONNRESET, ECONNREFUSED...
  const msg = (err as { message?: unknown } | null)?.message;
  if (typeof msg === "string" && /terminat|connection|timeout/i.test(msg)) return "connection";
  return "client";
}

function rowCount(res: unknown): number | null {
  if (Array.isArray(res)) {
    let n = 0;
    for (const r of res) n += rowCount(r) ?? 0;
    return n;
  }
  const r = res as { rowCount?: number | null; rows?: unknown[] } | undefined;
  if (!r) return null;
  return typeof r.rowCount === "number" ? r.rowCount : Array.isArray(r.rows) ? r.rows.length : null;
}

function record(state: PoolState, text: string, started: number, err: unknown, res: unknown): void {
  const ms = performance.now() - started;
  const { name, series } = named(state, text);
  series.observe(ms / 1000); // also linkflow_db_queries_total (the series' count)
  const pool = state.label;
  if (err) queryErrors.inc({ pool, query: name, sqlstate_class: sqlstateClass(err) });
  if (ms >= (slowThresholdMs ?? defaultThreshold())) {
    slowQueries.inc({ pool, query: name });
    slowLogger.warn({
      event: "slow_query",
      pool,
      query: name,
      duration_ms: Math.round(ms * 1000) / 1000,
      rows: err ? null : rowCount(res),
      error: err ? sqlstateClass(err) : undefined,
      sql: redactSqlForLog(text, sqlChars ??= monitoringSettings().slowQuerySqlChars),
    }, "slow query");
  }
}

const clientStates = new Map<string, PoolState>();

/** Wraps one client's query method (idempotent). Exported for clients made outside a pool. */
export function instrumentClient(c: pg.Client | pg.PoolClient, label: string): void {
  let state = clientStates.get(label);
  if (!state) clientStates.set(label, (state = { label, bySql: new Map() }));
  wrapClient(c, state);
}

function wrapClient(c: pg.Client | pg.PoolClient, pool: PoolState): void {
  const marked = c as unknown as Marked;
  if (marked[INSTRUMENTED]) return;
  marked[INSTRUMENTED] = true;
  const original = c.query as unknown as (...args: unknown[]) => unknown;
  (c as unknown as { query: unknown }).query = function instrumentedQuery(this: unknown, config: unknown, values?: unknown, callback?: unknown): unknown {
    const text = typeof config === "string" ? config : (config as { text?: unknown } | null)?.text;
    if (typeof text !== "string") return original.apply(this, arguments as unknown as unknown[]);
    const started = performance.now();
    const submittable = config as { submit?: unknown; once?: (ev: string, fn: (x?: unknown) => void) => void };
    if (typeof submittable.submit === "function") {
      // Cursor / QueryStream: measured from submit to 'end' or 'error'.
      if (typeof submittable.once === "function") {
        let done = false;
        submittable.once("end", (res) => { if (!done) { done = true; record(pool, text, started, null, res); } });
        submittable.once("error", (e) => { if (!done) { done = true; record(pool, text, started, e, null); } });
      }
      return original.apply(this, arguments as unknown as unknown[]);
    }
    const cb = (typeof values === "function" ? values : typeof callback === "function" ? callback : null) as Callback | null;
    if (cb) {
      const wrapped: Callback = (err, res) => { record(pool, text, started, err, res); cb(err, res); };
      return typeof values === "function" ? original.call(this, config, wrapped) : original.call(this, config, values, wrapped);
    }
    const configCb = (config as { callback?: unknown }).callback;
    if (typeof configCb === "function") {
      const wrappedConfig = { ...(config as object), callback: (err: Error | null, res: unknown) => { record(pool, text, started, err, res); (configCb as Callback)(err, res); } };
      return original.call(this, wrappedConfig, values);
    }
    // Promise form: hand pg a callback and return one promise of our own (pg would otherwise build two).
    return new Promise((resolve, reject) => {
      original.call(this, config, values, (err: Error | null, res: unknown) => {
        record(pool, text, started, err, res);
        if (err) {
          Error.captureStackTrace(err); // like pg: a stack that leads back to the caller, not the socket
          reject(err);
        } else resolve(res);
      });
    });
  } as unknown;
}

// ------------------------------------------------------------------------------------------------ pool health
const pools = new Map<pg.Pool, string>();

function poolGauge(name: string, help: string, read: (p: pg.Pool) => number): client.Gauge<"pool"> {
  return new client.Gauge({
    name, help, labelNames: ["pool"] as const, registers: [registry],
    collect() {
      this.reset();
      const sums = new Map<string, number>();
      for (const [p, label] of pools) {
        if ((p as pg.Pool & { ended?: boolean }).ended) { pools.delete(p); continue; }
        sums.set(label, (sums.get(label) ?? 0) + read(p));
      }
      for (const [label, v] of sums) this.set({ pool: label }, v);
    },
  });
}
poolGauge("linkflow_db_pool_total_connections", "Connections the pool holds (idle + checked out).", (p) => p.totalCount);
poolGauge("linkflow_db_pool_idle_connections", "Idle connections in the pool.", (p) => p.idleCount);
poolGauge("linkflow_db_pool_waiting_clients", "Callers queued waiting for a connection.", (p) => p.waitingCount);
poolGauge("linkflow_db_pool_max_connections", "The pool's size limit (max).", (p) => (p as pg.Pool & { options: { max?: number } }).options.max ?? 10);

function acquireErrorKind(err: unknown): string {
  return /timeout/i.test((err as Error)?.message ?? "") ? "acquire_timeout" : "connect";
}

/** Instruments a pool once: its clients' queries, its checkouts, its errors, and the pool gauges. */
export function instrumentPool(pool: pg.Pool, label: string): pg.Pool {
  const marked = pool as unknown as Marked;
  if (marked[INSTRUMENTED]) return pool;
  marked[INSTRUMENTED] = true;
  pools.set(pool, label);
  const state: PoolState = { label, bySql: new Map() };
  for (const kind of ["connect", "acquire_timeout", "idle"]) poolErrors.inc({ pool: label, kind }, 0); // series exist from the start
  const acquire = acquireWait.child(label);
  pool.on("connect", (c) => wrapClient(c, state));
  pool.on("error", () => poolErrors.inc({ pool: label, kind: "idle" }));
  const originalConnect = pool.connect as unknown as (cb?: unknown) => unknown;
  (pool as unknown as { connect: unknown }).connect = function instrumentedConnect(this: pg.Pool, cb?: unknown): unknown {
    const started = performance.now();
    if (typeof cb === "function") {
      return originalConnect.call(this, (err: unknown, c: unknown, done: unknown) => {
        acquire.observe((performance.now() - started) / 1000);
        if (err) poolErrors.inc({ pool: label, kind: acquireErrorKind(err) });
        (cb as (...a: unknown[]) => void)(err, c, done);
      });
    }
    return (originalConnect.call(this) as Promise<pg.PoolClient>).then(
      (c) => { acquire.observe((performance.now() - started) / 1000); return c; },
      (err: unknown) => {
        acquire.observe((performance.now() - started) / 1000);
        poolErrors.inc({ pool: label, kind: acquireErrorKind(err) });
        throw err;
      },
    );
  } as unknown;
  return pool;
}
