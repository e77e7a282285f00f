import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { inject } from "vitest";
import { NotFoundError } from "../../src/errors.ts";
import { createPool, type Queryable } from "../../src/db/pool.ts";
import { parseLsn, ReplicaRouter } from "../../src/db/replicas.ts";
import { UserRepository } from "../../src/users/repository.ts";
import { useTestDatabase } from "../harness/db.ts";
import { startReplicaCluster, type ReplicaCluster } from "./replica-cluster.ts";
import { rejection, uniqueEmail } from "./helpers.ts";

const db = useTestDatabase();
const settings = { max: 4, idleTimeoutMs: 10_000, connectionTimeoutMs: 3_000, statementTimeoutMs: 30_000, applicationName: "lf-replica-test" };
let cluster: ReplicaCluster;
let primary: pg.Pool;
let replica: pg.Pool;
let replicaRoot: pg.Pool;
const routers: ReplicaRouter[] = [];
const inRecovery = async (q: Queryable) => (await q.query("select pg_is_in_recovery() as r")).rows[0].r as boolean;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}
async function replayLsn(): Promise<bigint> {
  return parseLsn((await replica.query("select pg_last_wal_replay_lsn()::text as l")).rows[0].l);
}
function router(opts: Partial<ConstructorParameters<typeof ReplicaRouter>[0]> = {}): ReplicaRouter {
  const r = new ReplicaRouter({ primary, replicas: [replica], maxLagMs: 60_000, probeIntervalMs: 50, ...opts });
  routers.push(r);
  return r;
}

beforeAll(async () => {
  cluster = await startReplicaCluster({ sharedRootUrl: inject("pgRootUrl"), sharedDatabase: db.name });
  if (cluster.source === "throwaway-primary") {
    console.warn("[users/replicas] the shared server's pg_hba.conf has no replication entry for 127.0.0.1 (left unchanged): " +
      "the replica streams from a throwaway primary on a free port instead");
  }
  primary = createPool(cluster.primaryOwnerUrl, settings, "primary");
  replica = createPool(cluster.replicaOwnerUrl, settings, "replica0");
  replicaRoot = createPool(cluster.replicaRootUrl, { ...settings, max: 1 }, "replica-root");
}, 180_000);

afterAll(async () => {
  await replicaRoot?.query("select pg_wal_replay_resume()").catch(() => {});
  await Promise.all([primary?.end(), replica?.end(), replicaRoot?.end()]);
  await cluster?.stop();
}, 60_000);

describe("users: read-replica routing against a real streaming replica", () => {
  it("sends reads to the replica and writes to the primary", async () => {
    const r = router();
    expect(await r.read(inRecovery)).toBe(true);
    expect(await r.write(inRecovery)).toBe(false);
    const session = r.session();
    const repo = new UserRepository(session);
    const u = await repo.create({ email: uniqueEmail("route"), name: "Routed" });
    await until(async () => (await replayLsn()) >= session.minLsn!, "replica catch-up");
    const before = r.stats.replicaReads;
    expect((await repo.getById(u.id)).email).toBe(u.email);
    expect(r.stats.replicaReads).toBe(before + 1);
    expect(r.replicaStatus()[0]).toMatchObject({ index: 0, down: false });
  });

  it("read-your-writes: while the replica lags, the writer reads from the primary; others see the replica", async () => {
    const r = router();
    const writer = r.session();
    const repo = new UserRepository(writer);
    await replicaRoot.query("select pg_wal_replay_pause()");
    try {
      await until(async () => (await replicaRoot.query("select pg_get_wal_replay_pause_state() as s")).rows[0].s === "paused", "replay pause");
      const u = await repo.create({ email: uniqueEmail("ryw"), name: "Fresh" });
      expect(writer.minLsn).not.toBeNull();
      expect(await replayLsn()).toBeLessThan(writer.minLsn!);
      // The writer sees its write (served by the primary) ...
      const primaryReads = r.stats.primaryReads;
      expect((await repo.getById(u.id)).name).toBe("Fresh");
      expect(r.stats.primaryReads).toBe(primaryReads + 1);
      expect(await writer.read(inRecovery)).toBe(false);
      // ... while a session without writes still reads the (stale) replica.
      const reader = new UserRepository(r.session());
      expect(await rejection(reader.getById(u.id))).toBeInstanceOf(NotFoundError);
      expect(await r.read(inRecovery)).toBe(true);
    } finally {
      await replicaRoot.query("select pg_wal_replay_resume()");
    }
    // Once the replica has replayed past the write, the writer's reads go back to it.
    await until(async () => (await replayLsn()) >= writer.minLsn!, "replica catch-up");
    expect(await writer.read(inRecovery)).toBe(true);
  });

  it("a replica lagging more than maxLagMs is skipped for every read, and used again once it catches up", async () => {
    const r = router({ maxLagMs: 200, probeIntervalMs: 25 });
    expect(await r.read(inRecovery)).toBe(true);
    await replicaRoot.query("select pg_wal_replay_pause()");
    try {
      await primary.query("create table if not exists public.lag_probe (n int)");
      await primary.query("insert into public.lag_probe values (1)");
      await until(async () => (await r.read(inRecovery)) === false, "fallback to the primary");
      expect(r.replicaStatus()[0]!.lagMs).toBeGreaterThan(200);
      expect(r.stats.fallbacks).toBeGreaterThan(0);
    } finally {
      await replicaRoot.query("select pg_wal_replay_resume()");
    }
    await until(async () => (await r.read(inRecovery)) === true, "replica back in rotation");
  });

  it("a failed replica (unreachable) falls back to the primary without an error", async () => {
    const dead = createPool("postgres://linkflow_owner:linkflow_owner@127.0.0.1:55419/nothing", { ...settings, connectionTimeoutMs: 1000 }, "dead-replica");
    try {
      const r = new ReplicaRouter({ primary, replicas: [dead, replica], probeIntervalMs: 50, downForMs: 60_000 });
      const results = [await r.read(inRecovery), await r.read(inRecovery), await r.read(inRecovery)];
      expect(results).toContain(true); // the healthy replica still serves
      expect(r.replicaStatus()[0]).toMatchObject({ down: true });
      const onlyDead = new ReplicaRouter({ primary, replicas: [dead], probeIntervalMs: 50 });
      expect(await onlyDead.read(inRecovery)).toBe(false);
      expect(onlyDead.stats.fallbacks).toBe(1);
      // A replica that dies while serving (its backend is terminated) is also skipped.
      const killer = new ReplicaRouter({ primary, replicas: [replica], probeIntervalMs: 60_000, downForMs: 60_000 });
      expect(await killer.read(inRecovery)).toBe(true);
      const victim = await killer.read(async (q) => {
        const pid = (await q.query("select pg_backend_pid() as pid")).rows[0].pid;
        await replicaRoot.query("select pg_terminate_backend($1)", [pid]);
        await sleep(200); // the FATAL arrives while the checked-out client is idle: it must not crash anything
        return q.query("select pg_is_in_recovery() as r").then((res) => res.rows[0].r as boolean);
      });
      expect(victim).toBe(false); // retried on the primary
      expect(killer.replicaStatus()[0]!.down).toBe(true);
    } finally {
      await dead.end();
    }
  });

  it("reads inside a caller's primary transaction stay on it; nested writes defer the session position to commit", async () => {
    const r = router();
    const session = r.session();
    const repo = new UserRepository(session);
    const { withTransaction } = await import("../../src/db/transaction.ts");
    const email = uniqueEmail("nested");
    await withTransaction(primary, async () => {
      const u = await repo.create({ email, name: "Nested" });
      expect((await repo.getById(u.id)).name).toBe("Nested"); // uncommitted, so it must be the primary transaction
    });
    await replicaRoot.query("select pg_wal_replay_pause()");
    try {
      await primary.query("insert into public.lag_probe values (2)").catch(async () => {
        await primary.query("create table if not exists public.lag_probe (n int)");
      });
      // The session learns the primary's position at its next read: that read goes to the primary.
      expect((await repo.getByEmail(email)).name).toBe("Nested");
      expect(await session.read(inRecovery)).toBe(false);
    } finally {
      await replicaRoot.query("select pg_wal_replay_resume()");
    }
  });
});

describe("users: LSN parsing", () => {
  it("orders LSNs numerically", () => {
    expect(parseLsn("0/16B3748")).toBe(0x16b3748n);
    expect(parseLsn("1/0") > parseLsn("0/FFFFFFFF")).toBe(true);
    expect(() => parseLsn("nope")).toThrow();
  });
});
