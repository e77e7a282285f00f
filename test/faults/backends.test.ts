// Fault suite (issue 18): PostgreSQL backends die under the server, the worker and the projection runner while
// GraphQL writes and jobs run. The server and the worker are real child processes (src/cli.ts), so a crash
// would be seen as an exit. After each fault: both processes alive, /readyz back within 5 s, every enqueued
// job completed, every acknowledged write present, transition chains and event streams contiguous, the
// projections caught up, and every failed request typed UNAVAILABLE (retryable).
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../harness/db.ts";
import {
  checkIntegrity, enqueueJobs, jobsDrained, killBackend, projectionsCaughtUp, readyWithin, seedWorkspace, sleep,
  startApp, startPrivateCluster, startWriteLoad, terminateAll, type AppProcess, type PrivateCluster,
} from "./harness.ts";

async function expectHealthy(apps: AppProcess[], pool: pg.Pool, load: ReturnType<typeof startWriteLoad>): Promise<void> {
  try {
    await checkHealthy(apps, pool, load);
  } catch (e) {
    for (const a of apps) console.error(`---- ${a.command} output (tail)\n${a.output().slice(-6000)}`);
    throw e;
  }
}

async function checkHealthy(apps: AppProcess[], pool: pg.Pool, load: ReturnType<typeof startWriteLoad>): Promise<void> {
  const server = apps.find((a) => a.command === "server")!;
  const readyMs = await readyWithin(server.base!, 5_000);
  expect(readyMs).toBeLessThan(5_000);
  await sleep(1_000); // writes continue after the recovery
  await load.stop();
  for (const a of apps) expect(a.alive(), `${a.command} exited:\n${a.output().slice(-4000)}`).toBe(true);
  expect(load.untyped).toEqual([]);
  expect(load.acked.length).toBeGreaterThan(0);
  await jobsDrained(pool, 30_000);
  const integrity = await checkIntegrity(pool, load.acked);
  expect(integrity).toEqual({ missing: [], wrongState: [], brokenChains: [], brokenStreams: [] });
  await projectionsCaughtUp(pool, 20_000);
  for (const a of apps) expect(a.output()).not.toMatch(/Unhandled 'error' event|uncaughtException|committing seppuku/);
}

describe("faults: backends terminated under the server, the worker and the projection runner", () => {
  const db = useTestDatabase();
  let apps: AppProcess[] = [];
  afterAll(async () => { await Promise.all(apps.map((a) => a.stop())); }, 60_000);

  it("pg_terminate_backend on every backend of the database, three times under load: nothing crashes, nothing is lost", async () => {
    const [server, worker] = await Promise.all([startApp("server", db.ownerUrl), startApp("worker", db.ownerUrl)]);
    apps = [server!, worker!];
    const ws = await seedWorkspace(db.pool);
    const load = startWriteLoad(server!.base!, ws, 4, "term");
    let enqueued = 0;
    await sleep(1_000);
    for (let round = 0; round < 3; round++) {
      enqueued += await enqueueJobs(db.pool, 50, `term${round}`);
      await sleep(300); // jobs and requests in flight
      expect(await terminateAll(db.rootUrl, db.name)).toBeGreaterThan(0);
      await sleep(700);
    }
    expect(enqueued).toBe(150);
    await expectHealthy(apps, db.pool, load);
    // The backend death is logged, once per connection, not once per retry of a request.
    const lost = (server!.output().match(/pg connection lost/g) ?? []).length;
    expect(lost).toBeGreaterThan(0);
  }, 180_000);
});

describe("faults: a crash-restart of a private cluster running the server and the worker", () => {
  let cluster: PrivateCluster;
  let pool: pg.Pool;
  let apps: AppProcess[] = [];
  beforeAll(async () => {
    cluster = await startPrivateCluster();
    pool = new pg.Pool({ connectionString: cluster.ownerUrl, max: 3 });
    pool.on("error", () => {});
    pool.on("connect", (c) => c.on("error", () => {}));
  }, 180_000);
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await pool?.end().catch(() => {});
    await cluster?.stop();
  }, 60_000);

  it("kill -9 of one backend (the postmaster resets them all), then pg_ctl restart -m fast: both processes recover", async () => {
    const [server, worker] = await Promise.all([startApp("server", cluster.ownerUrl), startApp("worker", cluster.ownerUrl)]);
    apps = [server!, worker!];
    const ws = await seedWorkspace(pool);

    // 1. kill -9 of a backend of the server's GraphQL pool while writes and jobs run.
    let load = startWriteLoad(server!.base!, ws, 4, "kill9");
    await sleep(1_000);
    await enqueueJobs(pool, 50, "kill9");
    await sleep(200);
    await killBackend(cluster.rootUrl, "linkflow-data:authenticator");
    await sleep(500);
    await enqueueJobs(pool, 50, "kill9b");
    await expectHealthy(apps, pool, load);

    // 2. a fast restart of the whole cluster under the same load.
    load = startWriteLoad(server!.base!, ws, 4, "restart");
    await sleep(1_000);
    await enqueueJobs(pool, 50, "restart");
    await sleep(200);
    await cluster.restartFast();
    await enqueueJobs(pool, 50, "restartb");
    await expectHealthy(apps, pool, load);
  }, 240_000);
});
