// Archives terminal executions older than the hot retention to cold storage (see src/archive/archiver.ts).
// Nightly from ./crontab, or on demand: graphile_worker.add_job('archive_executions', '{"team_id": "..."}').
// Payload (all optional): team_id (only this team), max_batches. Safe to re-run at any time: a run resumes what
// a crashed one left; concurrent runs skip (advisory lock).
import type { Task } from "graphile-worker";
import { archiveStorage, loadArchiveConfig, runArchive } from "../src/archive/index.ts";

interface Payload { team_id?: string; max_batches?: number }

const task: Task = async (payload, helpers) => {
  const p = (payload ?? {}) as Payload;
  const cfg = loadArchiveConfig();
  // two connections of the worker's pool: the run's own, and one that reads a group while the next is planned
  const report = await helpers.withPgClient((client) => helpers.withPgClient((readClient) => runArchive({
    client, readClient, storage: archiveStorage(cfg), settings: cfg, teamId: p.team_id, maxBatches: p.max_batches, logger: {
      info: (o: unknown, m?: string) => helpers.logger.info(`${m ?? ""} ${JSON.stringify(o)}`),
      warn: (o: unknown, m?: string) => helpers.logger.warn(`${m ?? ""} ${JSON.stringify(o)}`),
    } as never,
  })));
  if (report.skipped) helpers.logger.info("another archive run holds the lock; skipped");
};

export default task;
