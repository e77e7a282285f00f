// Starts the projection manager inside the worker process (a long-running loop beside graphile-worker, not a
// job: a job would hold a worker slot forever and lose LISTEN between runs). PROJECTIONS=off disables it.
import { logger } from "../logger.ts";
import { ProjectionManager } from "./manager.ts";
import { readModelProjections } from "./projection.ts";

export async function startProjectionManager(ownerUrl: string, env: Record<string, string | undefined> = process.env): Promise<ProjectionManager | null> {
  if (/^(0|false|off|no)$/i.test(env.PROJECTIONS ?? "")) return null;
  const manager = new ProjectionManager({
    connectionString: ownerUrl,
    projections: readModelProjections(),
    batchSize: Number(env.PROJECTION_BATCH_SIZE ?? 2000),
    pollIntervalMs: Number(env.PROJECTION_POLL_MS ?? 100),
    applicationName: "linkflow-worker",
  });
  await manager.start();
  logger.info({ projections: manager.runners.map((r) => r.projection.name) }, "projection manager started");
  return manager;
}
