// The backup capability (logical backups, restores, restore tests, retention; docs/backup.md): import from here.
export { runBackup, type BackupOptions, type BackupResult } from "./backup.ts";
export { restoreBackup, type RestoreOptions, type RestoreResult } from "./restore.ts";
export { runRestoreTest, assertRestoreTest, type RestoreTestOptions, type RestoreTestResult } from "./restore-test.ts";
export { pruneBackups, type PruneResult } from "./prune.ts";
export { listBackups, resolveFromCatalog, latestManifestKey, type CatalogEntry } from "./catalog.ts";
export { registerBackupMetrics, readBackupMetrics, BACKUP_METRIC_NAMES } from "./metrics.ts";
export { backupSettingsFromEnv, storageFromUrl, registerStorageScheme, type BackupSettings } from "./settings.ts";
export { backupsToKeep, DEFAULT_RETENTION, type RetentionPolicy } from "./retention.ts";
export * from "./errors.ts";
