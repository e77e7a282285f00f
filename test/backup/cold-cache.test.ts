// docs/backup.md: Redis holds only a cache. After a restore the application starts on a cold cache (a fresh,
// empty Redis: a private redis-server on port 7122) and serves the restored data; a warm cache that survived
// the restore would serve values newer than the restored rows, and the docs' flush command (SCAN + UNLINK of
// the namespace with redis-cli) makes it correct again.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import client from "prom-client";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { runBackup } from "../../src/backup/backup.ts";
import { restoreBackup } from "../../src/backup/restore.ts";
import { createRedisClient, TieredCache } from "../../src/cache/index.ts";
import { withDatabase } from "../../src/config.ts";
import { FileSystemStorage } from "../../src/storage/fs.ts";
import { useTestDatabase } from "../harness/db.ts";
import { makeUser } from "../harness/fixtures.ts";
import { eventually, startRedisServer, type RedisProcess } from "../cache/helpers.ts";
import { cachedReads } from "../cache/reads.ts";

const exec = promisify(execFile);
const db = useTestDatabase();
const PORT = 7122;
let dir = "";
let server: RedisProcess | null = null;
const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c().catch(() => {});
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

async function cacheOn(redis: Redis, namespace: string): Promise<TieredCache> {
  const cache = new TieredCache({ redis, namespace, registry: new client.Registry(), local: false, timeoutMs: 2000 });
  closers.push(() => cache.close());
  return cache;
}

describe("backup: Redis is only a cache; a restore followed by a cold cache serves correct data", () => {
  it("restored database + empty Redis reads the restored rows; a surviving warm cache is flushed by the docs' command", async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "lf-cold-cache-"));
    const storage = new FileSystemStorage(path.join(dir, "backups"));
    const users = await Promise.all([1, 2, 3].map((i) => makeUser(db.pool, { name: `before-${i}` })));
    const backup = await runBackup({ databaseUrl: db.ownerUrl, storage, format: "custom" });
    // written after the backup: lost by the restore
    await db.pool.query("update app_public.users set name = 'after' where id = any($1::uuid[])", [users.map((u) => u.id)]);

    server = await startRedisServer(PORT);
    const redis = createRedisClient({ url: `redis://127.0.0.1:${PORT}` }) as Redis;
    closers.push(async () => redis.disconnect());
    await eventually(() => redis.status === "ready");
    const ns = "lf:cache";
    const live = cachedReads(await cacheOn(redis, ns), db.pool);
    for (const u of users) expect((await live.userById(u.id))?.name).toBe("after"); // warm: holds the newer rows

    const restoredName = `${db.name.slice(0, 30)}_rst`.replace(/[^a-z0-9_]/g, "_");
    await restoreBackup({ sources: [storage], manifestKey: backup.manifestKey, expectedSha256: backup.sha256, rootUrl: db.rootUrl, targetDatabase: restoredName });
    const restored = new pg.Pool({ connectionString: withDatabase(db.ownerUrl, restoredName), max: 2 });
    closers.push(async () => {
      await restored.end();
      const root = new pg.Client({ connectionString: db.rootUrl });
      await root.connect();
      await root.query(`drop database if exists ${restoredName} with (force)`).finally(() => root.end());
    });

    // 1. The documented path: the restored database with a cold cache (a fresh, empty Redis).
    await server.stop();
    server = await startRedisServer(PORT);
    await eventually(() => redis.status === "ready", 20_000);
    expect(await redis.dbsize()).toBe(0);
    const cold = cachedReads(await cacheOn(redis, ns), restored);
    for (const [i, u] of users.entries()) {
      expect((await cold.userById(u.id))?.name).toBe(`before-${i + 1}`); // miss: from the restored database
      expect((await cold.userById(u.id))?.name).toBe(`before-${i + 1}`); // hit: the same
    }

    // 2. A cache that survived the restore holds values newer than the restored rows...
    const stale = cachedReads(await cacheOn(redis, "lf:warm"), db.pool);
    for (const u of users) await stale.userById(u.id);
    const survived = cachedReads(await cacheOn(redis, "lf:warm"), restored);
    expect((await survived.userById(users[0]!.id))?.name).toBe("after");
    // ...until the flush command of docs/backup.md removes the namespace's keys.
    await exec("bash", ["-c", `redis-cli -p ${PORT} --scan --pattern 'lf:warm:*' | xargs -r -n 500 redis-cli -p ${PORT} unlink > /dev/null`]);
    for (const [i, u] of users.entries()) expect((await survived.userById(u.id))?.name).toBe(`before-${i + 1}`);
  }, 120_000);
});
