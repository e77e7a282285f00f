// The graphile-worker runner: tasks from tasks/, schedules from ./crontab. Jobs also arrive from SQL
// (graphile_worker.add_job in SECURITY DEFINER functions and triggers).
import path from "node:path";
import type pg from "pg";
import { Logger, run, type Runner } from "graphile-worker";
import { logger } from "../logger.ts";
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
    logger: workerLogger,
  });
}

/**
 * Graceful stop: no new jobs; in-flight jobs finish. graphile-worker's stop() can resolve just before the last
 * job's completion reaches the database, and closing the pool then would leave that job locked for hours:
 * so wait until the pool has no client checked out (bounded by settleMs).
 */
export async function stopWorker(runner: Runner, pgPool?: pg.Pool, settleMs = 2000): Promise<void> {
  await runner.stop();
  await runner.promise.catch(() => {});
  if (!pgPool) return;
  const deadline = Date.now() + settleMs;
  await new Promise((r) => setTimeout(r, 50));
  while (Date.now() < deadline && (pgPool.totalCount > pgPool.idleCount || pgPool.waitingCount > 0)) {
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** graphile-worker's logs, routed to our structured logger. */
const workerLogger = new Logger((scope) => (level, message, meta) => {
  const fields = { component: "worker", ...scope, ...(meta ?? {}) };
  if (level === "error") logger.error(fields, message);
  else if (level === "warning") logger.warn(fields, message);
  else if (level === "info") logger.info(fields, message);
  else logger.debug(fields, message);
});
