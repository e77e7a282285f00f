// The graphile-worker runner: tasks from tasks/, schedules from ./crontab. Jobs also arrive from SQL
// (graphile_worker.add_job in SECURITY DEFINER functions and triggers).
import path from "node:path";
import type pg from "pg";
import { run, type Runner } from "graphile-worker";
import { PROJECT_ROOT } from "../db/migrate.ts";

export interface WorkerOptions {
  pgPool: pg.Pool;
  concurrency: number;
  /** Defaults to <project>/tasks and <project>/crontab. */
  taskDirectory?: string;
  crontabFile?: string;
  pollInterval?: number;
}

export async function startWorker(opts: WorkerOptions): Promise<Runner> {
  return run({
    pgPool: opts.pgPool,
    concurrency: opts.concurrency,
    taskDirectory: opts.taskDirectory ?? path.join(PROJECT_ROOT, "tasks"),
    crontabFile: opts.crontabFile ?? path.join(PROJECT_ROOT, "crontab"),
    noHandleSignals: true,
    pollInterval: opts.pollInterval ?? 2000,
  });
}
