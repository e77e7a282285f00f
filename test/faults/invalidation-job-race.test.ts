// The stale-entry race of test/cache/race.test.ts, made deterministic: a writer enqueues the keyed
// cache_invalidate job of a key while a worker is locking the pending job of that key. graphile-worker's
// add_jobs then neither updates nor inserts (its `on conflict ... where locked_at is null` skips), and the
// running job may have invalidated before the writer committed: without a new job, nothing invalidates the
// key after the commit, and a reader that loaded the old row in between keeps it cached. Shown here with a
// second connection holding the worker's lock: after the writer commits, a job that covers the key must exist
// and be runnable.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../harness/db.ts";

const db = useTestDatabase();
const clients: pg.Client[] = [];
async function connect(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: db.ownerUrl });
  c.on("error", () => {});
  await c.connect();
  clients.push(c);
  return c;
}
beforeAll(async () => { await db.pool.query("delete from graphile_worker._private_jobs"); });
afterAll(async () => { await Promise.all(clients.map((c) => c.end().catch(() => {}))); });

describe("faults: a keyed invalidation job enqueued while a worker locks the pending one", () => {
  it("is never lost: a runnable job for the key exists after the writer commits", async () => {
    const key = `users:email:race-${Date.now()}@example.com`;
    await db.pool.query("select app_private.enqueue_cache_invalidation(array[$1])", [key]); // pending job J
    const worker = await connect();
    const writer = await connect();
    await worker.query("begin");
    // what get_job does: lock the pending job (uncommitted while the writer's upsert runs)
    const locked = await worker.query("update graphile_worker._private_jobs set locked_at = now(), locked_by = 'faults-test', attempts = attempts + 1 where key = $1 returning id", [`cache_invalidate:k:${key}`]);
    expect(locked.rowCount).toBe(1);
    await writer.query("begin");
    const { rows: [{ pid }] } = await writer.query("select pg_backend_pid() as pid");
    const enqueue = writer.query("select app_private.enqueue_cache_invalidation(array[$1])", [key]);
    for (let i = 0; i < 200; i++) { // the writer's upsert waits for the worker's row lock
      const { rows } = await db.pool.query("select wait_event_type from pg_stat_activity where pid = $1", [pid]);
      if (rows[0]?.wait_event_type === "Lock") break;
      await new Promise((r) => setTimeout(r, 25));
    }
    await worker.query("commit"); // the job is now running (locked), started before the writer's commit
    await enqueue;
    await writer.query("commit");
    const { rows } = await db.pool.query(
      `select id, key, locked_at is null as runnable from graphile_worker.jobs
        where task_identifier = 'cache_invalidate' and id <> $1 and run_at <= now() + interval '1 second'`, [locked.rows[0].id]);
    const covering = [];
    for (const r of rows) {
      const { rows: [p] } = await db.pool.query("select payload from graphile_worker._private_jobs where id = $1", [r.id]);
      if ((p.payload.keys ?? []).includes(key) && r.runnable) covering.push(r.id);
    }
    expect(covering.length).toBeGreaterThan(0);
  });
});
