// Picks the test PostgreSQL and Redis, in order of preference:
//   PostgreSQL: TEST_DATABASE_URL (a superuser URL) -> testcontainers (when a container engine answers) -> embedded
//   Redis:      TEST_REDIS_URL -> testcontainers -> none (tests that need Redis are skipped, loudly)
import { chmod, mkdtemp } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { startEmbeddedPostgres } from "../../src/embedded/postgres.ts";

export interface Infra {
  pgRootUrl: string;
  pgSource: "env" | "testcontainers" | "embedded";
  redisUrl: string | null;
  redisSource: "env" | "testcontainers" | "none";
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function containerEngine(): Promise<boolean> {
  if (process.env.TESTCONTAINERS_DISABLED === "1") return false;
  try {
    const { getContainerRuntimeClient } = await import("testcontainers");
    await Promise.race([
      getContainerRuntimeClient(),
      new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), 5000)),
    ]);
    return true;
  } catch {
    return false;
  }
}

export async function startInfra(): Promise<Infra> {
  const stops: (() => Promise<void>)[] = [];
  let pgRootUrl = process.env.TEST_DATABASE_URL ?? "";
  let pgSource: Infra["pgSource"] = "env";
  let redisUrl: string | null = process.env.TEST_REDIS_URL ?? null;
  let redisSource: Infra["redisSource"] = redisUrl ? "env" : "none";
  const needContainers = !pgRootUrl || !redisUrl;
  const engine = needContainers ? await containerEngine() : false;

  if (!pgRootUrl && engine) {
    const { PostgreSqlContainer } = await import("@testcontainers/postgresql");
    const c = await new PostgreSqlContainer("postgres:15").withCommand(["postgres", "-c", "shared_preload_libraries=pg_stat_statements"]).start();
    pgRootUrl = c.getConnectionUri();
    pgSource = "testcontainers";
    stops.push(async () => { await c.stop(); });
  }
  if (!pgRootUrl) {
    const dir = await mkdtemp(path.join(os.tmpdir(), "linkflow-test-pg-"));
    await chmod(dir, 0o755); // as root, the server runs as the OS user postgres, which must reach the data dir
    const server = await startEmbeddedPostgres({ dataDir: path.join(dir, "data"), port: await freePort(), persistent: false });
    pgRootUrl = server.rootUrl;
    pgSource = "embedded";
    stops.push(server.stop);
  }
  if (!redisUrl && engine) {
    const { GenericContainer } = await import("testcontainers");
    const c = await new GenericContainer("redis:7").withExposedPorts(6379).start();
    redisUrl = `redis://${c.getHost()}:${c.getMappedPort(6379)}`;
    redisSource = "testcontainers";
    stops.push(async () => { await c.stop(); });
  }
  return {
    pgRootUrl, pgSource, redisUrl, redisSource,
    async stop() { for (const s of stops.reverse()) await s().catch(() => {}); },
  };
}
