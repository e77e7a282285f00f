// Starts the projection manager inside the worker process (a long-running loop beside graphile-worker, not a
// job: a job would hold a worker slot forever and lose LISTEN between runs). PROJECTIONS=off disables it;
// PROJECTION_BATCH_SIZE and PROJECTION_POLL_MS tune it (the projections section of src/config.ts).
import { processConfig, type ProjectionSettings } from "../config.ts";
import { logger } from "../logger.ts";
import { ProjectionManager } from "./manager.ts";
import { readModelProjections } from "./projection.ts";

export async function startProjectionManager(ownerUrl: string, settings: Readonly<ProjectionSettings> = processConfig().projections): Promise<ProjectionManager | null> {
  if (!settings.enabled) return null;
  const manager = new ProjectionManager({
    connectionString: ownerUrl,
    projections: readModelProjections(),
    batchSize: settings.batchSize,
    pollIntervalMs: settings.pollIntervalMs,
    applicationName: "linkflow-worker",
  });
  await manager.start();
  logger.info({ projections: manager.runners.map((r) => r.projection.name) }, "projection manager started");
  return manager;
}
