// Dropping archived day partitions never deadlocks or stalls the readers and writers of those tables: the drop
// takes every lock it needs at once with a short wait, and leaves a busy day for the next run.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runArchiveWithPool, type ArchiverSettings } from "../../src/archive/archiver.ts";
import { FileSystemStorage } from "../../src/storage/fs.ts";
import { useTestDatabase } from "../harness/db.ts";
import { seedExecutions } from "./seed.ts";

const db = useTestDatabase();
let dir: string;
let storage: FileSystemStorage;
const settings: ArchiverSettings = { hotDays: 30, coldDays: 3650, batchSize: 50, groupRows: 1000, rowGroupSize: 10, zstdLevel: 3, encryptionKey: null };

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "lf-archive-drop-"));
  storage = new FileSystemStorage(dir);
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

const partitionExists = async (day: number) => (await db.pool.query(
  "select count(*)::int as n from pg_class where relname = app_private.partition_name('app_public.executions'::regclass, ((now() at time zone 'UTC')::date - $1::int))",
  [day])).rows[0].n === 1;

describe("archive: dropping day partitions under concurrent readers", { timeout: 120_000 }, () => {
  it("a reader holding the day's tables is neither deadlocked nor stalled: the day is emptied by rows, dropped by the next run", async () => {
    const s = await seedExecutions(db.pool, { workflows: 1, daysAgo: [44], perDay: 30 });
    const day = `((now() at time zone 'UTC')::date - 44)`;
    const reader = await db.pool.connect();
    try {
      // a long report: it has read the day's transitions and will read its executions next
      await reader.query("begin");
      await reader.query(`select count(*) from app_public.execution_transitions
                           where execution_created_at >= ${day}::timestamp at time zone 'UTC' and execution_created_at < (${day} + 1)::timestamp at time zone 'UTC'`);
      let done = false;
      const run = runArchiveWithPool(db.pool, { storage, settings }).finally(() => { done = true; });
      // wait until the archiver's drop waits for a lock the reader holds
      let waited = false;
      while (!done && !waited) {
        waited = (await db.pool.query("select count(*)::int as n from pg_locks where locktype = 'relation' and not granted")).rows[0].n > 0;
        if (!waited) await new Promise((r) => setTimeout(r, 5));
      }
      expect(waited).toBe(true);
      const t0 = Date.now();
      for (const [table, col] of [["execution_node_runs", "execution_created_at"], ["executions", "created_at"]]) {
        await reader.query(`select count(*) from app_public.${table}
                             where ${col} >= ${day}::timestamp at time zone 'UTC' and ${col} < (${day} + 1)::timestamp at time zone 'UTC'`);
      }
      // the reader waited at most the drop's short lock wait, and was not chosen as a deadlock victim
      expect(Date.now() - t0).toBeLessThan(3000);
      await reader.query("commit");
      const report = await run;
      expect(report.planned).toBeGreaterThan(0);
    } finally {
      await reader.query("rollback").catch(() => undefined);
      reader.release();
    }
    // every execution archived once and gone from the hot tables, whether by a drop or by row deletes
    const { rows: [c] } = await db.pool.query(`
      select (select count(*) from app_private.archived_executions a join app_private.archive_batches b on b.id = a.batch_id
               where a.team_id = $1 and b.state = 'deleted')::int as cold,
             (select count(*) from app_public.executions where team_id = $1)::int as hot`, [s.teamId]);
    expect(c).toEqual({ cold: 30, hot: 0 });

    // with no reader, the next run drops the (now empty) day
    await runArchiveWithPool(db.pool, { storage, settings });
    expect(await partitionExists(44)).toBe(false);
  });

  it("drops a day at once when nothing else holds its tables", async () => {
    const s = await seedExecutions(db.pool, { workflows: 1, daysAgo: [43], perDay: 20 });
    const report = await runArchiveWithPool(db.pool, { storage, settings, teamId: s.teamId });
    expect(report.droppedPartitions.length).toBeGreaterThan(0);
    expect(await partitionExists(43)).toBe(false);
  });
});
