// Daily logical backup (./crontab): pg_dump into the backup storage, cataloged, copied to the second target,
// then retention applied. Settings from the environment (src/backup/settings.ts). Safe to re-run.
import type { Task } from "graphile-worker";
import pg from "pg";
import { backupSettingsFromEnv, pruneBackups, runBackup } from "../src/backup/index.ts";
import { processConfig } from "../src/config.ts";
import { ConfigError } from "../src/errors.ts";
import { guardClient } from "../src/db/pool.ts";

interface Payload { prune?: boolean; format?: "custom" | "directory" | "auto" }

const task: Task = async (payload, helpers) => {
  const p = (payload ?? {}) as Payload & { _cron?: unknown };
  if (p._cron && !processConfig().backup.workerSchedule) return; // the Kubernetes CronJob does it (deploy/k8s)
  const s = backupSettingsFromEnv();
  if (!s.databaseUrl) throw new ConfigError("backup_database needs DATABASE_URL (or BACKUP_DATABASE_URL)");
  const r = await runBackup({ databaseUrl: s.databaseUrl, storage: s.primary, secondary: s.secondary, format: p.format ?? s.format,
    jobs: s.jobs, compressLevel: s.compressLevel, directoryThresholdBytes: s.directoryThresholdBytes, workDir: s.workDir });
  helpers.logger.info(`backup ${r.id} stored at ${r.manifestKey} (${r.sizeBytes} bytes, ${r.durationMs} ms, ${r.format}, replicated=${r.replicated})`);
  if (p.prune !== false) {
    const c = new pg.Client({ connectionString: s.databaseUrl });
    guardClient(c, "backup");
    await c.connect();
    try {
      const pr = await pruneBackups(c, s.secondary ? [s.primary, s.secondary] : [s.primary], { policy: s.retention });
      if (pr.deleted.length) helpers.logger.info(`retention deleted ${pr.deleted.length} backup(s), kept ${pr.kept.length}`);
    } finally { await c.end(); }
  }
};

export default task;
