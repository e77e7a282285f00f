// Fault suite (issue 18): a checked-out client's backend dies (pg_terminate_backend, an
// idle_in_transaction_session_timeout): the call fails with a typed, retryable error, nothing crashes, the
// pool serves the next call; instrumentation keeps every client guarded.
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { createPool } from "../../src/db/pool.ts";
import { primaryAccess } from "../../src/db/replicas.ts";
import { withTransaction } from "../../src/db/transaction.ts";
import { UnavailableError } from "../../src/errors.ts";
import { instrumentPool } from "../../src/monitoring/instrument.ts";
import { DatabaseStatsCollector } from "../../src/monitoring/stats-collector.ts";
import { useTestDatabase } from "../harness/db.ts";

const db = useTestDatabase();
const settings = { max: 3, idleTimeoutMs: 60_000, connectionTimeoutMs: 5_000, statementTimeoutMs: 10_000, applicationName: "lf-faults-clients" };
const pools: pg.Pool[] = [];
afterAll(async () => { await Promise.all(pools.map((p) => p.end())); });

function pool(label: string): pg.Pool {
  const p = createPool(db.ownerUrl, settings, label, { instrument: instrumentPool });
  pools.push(p);
  return p;
}

async function noCrash<T>(fn: () => Promise<T>): Promise<T> {
  const uncaught: unknown[] = [];
  const on = (e: unknown) => uncaught.push(e);
  process.on("uncaughtException", on);
  process.on("unhandledRejection", on);
  try {
    const r = await fn();
    await new Promise((res) => setTimeout(res, 200)); // late 'error' events of the dead connection
    expect(uncaught).toEqual([]);
    return r;
  } finally {
    process.off("uncaughtException", on);
    process.off("unhandledRejection", on);
  }
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try { await p; } catch (e) { return e; }
  throw new Error("expected a rejection");
}

describe("faults: a backend dying under a checked-out client", () => {
  it("instrumented pools still guard every client: a checked-out client has an error listener", async () => {
    const p = pool("faults-guard");
    const c = await p.connect();
    try {
      expect(c.listenerCount("error")).toBeGreaterThan(0);
      expect(p.listenerCount("error")).toBeGreaterThan(0);
      // graphile-worker installs its own handlers only on a pool with no 'connect' listener: ours is there and guards.
      expect(p.listenerCount("connect")).toBeGreaterThan(0);
    } finally {
      c.release();
    }
  });

  it("terminated mid-query inside withTransaction: a retryable UnavailableError, and the pool serves the next call", async () => {
    const p = pool("faults-midquery");
    const e = await noCrash(() => rejection(withTransaction(p, async (c) => {
      const pid = (await c.query("select pg_backend_pid() as pid")).rows[0].pid;
      setTimeout(() => void db.pool.query("select pg_terminate_backend($1)", [pid]), 100);
      await c.query("select pg_sleep(5)");
    })));
    expect(e).toBeInstanceOf(UnavailableError);
    expect((e as UnavailableError).retryable).toBe(true);
    expect((e as UnavailableError).code).toBe("UNAVAILABLE");
    expect((await p.query("select 1 as x")).rows[0].x).toBe(1);
  });

  it("idle_in_transaction_session_timeout fires on a checked-out client: the next query fails typed, nothing crashes", async () => {
    const p = pool("faults-idle-tx");
    const e = await noCrash(() => rejection(withTransaction(p, async (c) => {
      await c.query("set local idle_in_transaction_session_timeout = 100");
      await new Promise((r) => setTimeout(r, 600)); // the server closes the session while we hold the client
      await c.query("select 1");
    })));
    expect(e).toBeInstanceOf(UnavailableError);
    expect((await p.query("select 2 as x")).rows[0].x).toBe(2);
  });

  it("a repository read (primaryAccess) on a pool whose every backend was terminated: typed error, then served", async () => {
    const p = pool("faults-repo");
    const access = primaryAccess(p);
    await Promise.all([1, 2, 3].map(() => p.query("select 1")));
    const e = await noCrash(() => rejection(access.read(async (q) => {
      setTimeout(() => void db.pool.query("select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1", ["lf-faults-clients:faults-repo"]), 100);
      return q.query("select pg_sleep(5)");
    })));
    expect(e).toBeInstanceOf(UnavailableError);
    expect((await access.read((q) => q.query("select 3 as x"))).rows[0].x).toBe(3);
  });

  it("the statistics collector survives its client's backend dying mid-collection and collects again", async () => {
    const p = pool("faults-stats");
    const collector = new DatabaseStatsCollector({ pool: p, server: `faults-stats-${process.pid}` });
    const snap = await noCrash(async () => {
      const kills: Promise<unknown>[] = [];
      const killer = setInterval(() => kills.push(db.pool.query("select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1 and state <> 'idle'", ["lf-faults-clients:faults-stats"]).catch(() => {})), 5);
      try {
        for (let i = 0; i < 5; i++) await collector.collect();
      } finally {
        clearInterval(killer);
      }
      await Promise.all(kills); // no terminate still in flight may hit the collection below
      await new Promise((r) => setTimeout(r, 200)); // the pool has seen its terminated connections go
      return collector.collect();
    });
    expect(snap.up).toBe(true);
  });
});
