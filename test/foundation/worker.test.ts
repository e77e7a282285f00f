import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startWorker, stopWorker } from "../../src/worker/runner.ts";
import { useTestDatabase } from "../harness/db.ts";

const db = useTestDatabase();
let dir = "";
afterAll(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

describe("the worker", () => {
  it("runs jobs enqueued from SQL and lets an in-flight job finish on graceful stop", async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "linkflow-tasks-"));
    await writeFile(path.join(dir, "slow_note.mjs"), `
      export default async (payload, helpers) => {
        await helpers.query("create table if not exists public.worker_notes (note text)");
        await new Promise((r) => setTimeout(r, payload.ms));
        await helpers.query("insert into public.worker_notes (note) values ($1)", [payload.note]);
      };
    `);
    const crontab = path.join(dir, "crontab");
    await writeFile(crontab, "");
    const runner = await startWorker({ pgPool: db.pool, concurrency: 2, taskDirectory: dir, crontabFile: crontab });
    await db.pool.query("select graphile_worker.add_job('slow_note', json_build_object('note', 'quick', 'ms', 10))");
    for (let i = 0; i < 100; i++) {
      const { rows } = await db.pool.query("select count(*)::int as n from graphile_worker.jobs");
      if (rows[0].n === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await db.pool.query("select graphile_worker.add_job('slow_note', json_build_object('note', 'in-flight', 'ms', 700))");
    // wait until the job is picked up (locked), then stop while it sleeps
    for (let i = 0; i < 100; i++) {
      const { rows } = await db.pool.query("select count(*)::int as n from graphile_worker.jobs where locked_at is not null");
      if (rows[0].n > 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await stopWorker(runner, db.pool);
    const { rows } = await db.pool.query("select note from public.worker_notes order by note");
    expect(rows.map((r) => r.note)).toEqual(["in-flight", "quick"]);
    const left = await db.pool.query("select task_identifier, attempts, last_error, locked_at from graphile_worker.jobs");
    expect(left.rows).toEqual([]);
  });
});
