// Read-your-writes on a streaming replica: a read that waits for a consistency token never returns data older
// than the token; while the replica is behind (replay paused), the wait fails with STALE.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type pg from "pg";
import { createPool } from "../../src/db/pool.ts";
import { consistencyToken, StaleError, waitForReplica } from "../../src/live/index.ts";
import { useTestDatabase } from "../harness/db.ts";
import { startReplicaCluster, type ReplicaCluster } from "../users/replica-cluster.ts";

const db = useTestDatabase();
const settings = { max: 2, idleTimeoutMs: 10_000, connectionTimeoutMs: 5_000, statementTimeoutMs: 30_000, applicationName: "lf-live-replica" };
let cluster: ReplicaCluster;
let primary: pg.Pool; let replica: pg.Pool; let replicaRoot: pg.Pool;

beforeAll(async () => {
  // Ports of its own: test/users/replicas.test.ts runs its cluster at the same time on the defaults.
  cluster = await startReplicaCluster({ sharedRootUrl: inject("pgRootUrl"), sharedDatabase: db.name });
  primary = createPool(cluster.primaryOwnerUrl, settings, "live-primary");
  replica = createPool(cluster.replicaOwnerUrl, settings, "live-replica");
  replicaRoot = createPool(cluster.replicaRootUrl, { ...settings, max: 1 }, "live-replica-root");
}, 180_000);
afterAll(async () => {
  await replicaRoot?.query("select pg_wal_replay_resume()").catch(() => {});
  await Promise.all([primary?.end(), replica?.end(), replicaRoot?.end()]);
  await cluster?.stop();
}, 60_000);

describe("consistency tokens on a streaming replica", () => {
  it("a replica read after waitForReplica(token) sees the write; while replay is paused the wait is STALE", async () => {
    await replicaRoot.query("select pg_wal_replay_pause()");
    const email = `replica-token-${Date.now()}@example.com`;
    await primary.query("insert into app_public.users (email, name) values ($1, 'token')", [email]);
    const token = await consistencyToken(primary);
    await expect(waitForReplica(replica, token, { timeoutMs: 300 })).rejects.toBeInstanceOf(StaleError);
    const before = await replica.query("select 1 from app_public.users where email = $1", [email]);
    expect(before.rowCount).toBe(0); // the replica is behind: exactly why the token is needed
    await replicaRoot.query("select pg_wal_replay_resume()");
    await waitForReplica(replica, token, { timeoutMs: 30_000 });
    const after = await replica.query("select 1 from app_public.users where email = $1", [email]);
    expect(after.rowCount).toBe(1);
  }, 120_000);
});
