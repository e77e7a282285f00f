// Weekly automated restore test (./crontab): restores the latest backup into a scratch database, compares row
// counts and checksums with the catalog, runs pg_amcheck, records the result in app_private.restore_tests
// (metrics: app_private.backup_metrics). A failed test fails the job after recording it.
import type { Task } from "graphile-worker";
import { assertRestoreTest, backupSettingsFromEnv } from "../src/backup/index.ts";
import { processConfig } from "../src/config.ts";
import { ConfigError } from "../src/errors.ts";

const task: Task = async (payload, helpers) => {
  if ((payload as { _cron?: unknown } | null)?._cron && !processConfig().backup.workerSchedule) return; // the Kubernetes CronJob does it
  const s = backupSettingsFromEnv();
  if (!s.databaseUrl || !s.rootUrl) throw new ConfigError("backup_restore_test needs DATABASE_URL and ROOT_DATABASE_URL (a superuser)");
  const r = await assertRestoreTest({ databaseUrl: s.databaseUrl, rootUrl: s.rootUrl, sources: s.secondary ? [s.primary, s.secondary] : [s.primary],
    jobs: s.jobs, workDir: s.workDir });
  helpers.logger.info(`restore test ${r.id}: backup ${r.backupId} restored in ${r.restoreMs} ms, ${r.tablesChecked} tables equal, amcheck ${r.amcheck}`);
};

export default task;
