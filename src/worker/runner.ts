// The graphile-worker runner: tasks from tasks/, schedules from ./crontab. Jobs also arrive from SQL
// (graphile_worker.add_job in SECURITY DEFINER functions and triggers).
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
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

/**
 * graphile-worker retries its own queue queries (get, complete and fail jobs) only for the codes in its
 * RETRYABLE_ERROR_CODES table (40001, 40P01, 57P03, EHOSTUNREACH, ETIMEDOUT). A backend terminated under it
 * (57P01), a crash-restart of PostgreSQL (57P02, then ECONNREFUSED while down) or a lost socket (08006, see
 * guardClient; ECONNRESET, EPIPE) is just as transient, but there it rejects the un-awaited completion of a job
 * that has already run: an unhandled rejection that exits the process and leaves the job locked for hours.
 * The table is a plain mutable object of the library (not exported by its package): add those codes to it,
 * once, with short delays. If a future version moves it, this logs a warning and changes nothing.
 */
let retryableExtended = false;
async function extendRetryableCodes(): Promise<void> {
  if (retryableExtended) return;
  retryableExtended = true;
  try {
    const entry = createRequire(import.meta.url).resolve("graphile-worker");
    const lib = (await import(pathToFileURL(path.join(path.dirname(entry), "lib.js")).href)) as { RETRYABLE_ERROR_CODES?: Record<string, { minDelay: number; maxDelay: number }> };
    const table = lib.RETRYABLE_ERROR_CODES;
    if (!table || typeof table !== "object") throw new Error("RETRYABLE_ERROR_CODES not found");
    for (const code of ["57P01", "57P02", "08000", "08001", "08003", "08006", "ECONNREFUSED", "ECONNRESET", "EPIPE"]) {
      table[code] ??= { minDelay: 200, maxDelay: 5_000 };
    }
  } catch (e) {
    logger.warn({ err: { message: (e as Error).message } }, "could not extend graphile-worker's retryable error codes: a lost connection may fail a job completion");
  }
}

export async function startWorker(opts: WorkerOptions): Promise<Runner> {
  await extendRetryableCodes();
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
