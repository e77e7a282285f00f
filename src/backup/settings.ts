// Backup settings: the backup section of the one startup configuration (src/config.ts loadConfig parses and
// validates BACKUP_* with every other setting), turned into Storage objects here. Storage targets:
//   BACKUP_STORAGE_URL / BACKUP_STORAGE_DIR                 primary (default ./.data/backups)
//   BACKUP_SECONDARY_STORAGE_URL / BACKUP_SECONDARY_STORAGE_DIR  second (cross-region) target, optional
// A URL is file:///path or a plain path; s3://bucket/prefix is wired to src/storage/s3.ts (archival capability).
import path from "node:path";
import { loadConfig, processConfig, type BackupConfig, type Env, type S3Connection } from "../config.ts";
import { ConfigError } from "../errors.ts";
import { S3Storage } from "../storage/s3.ts";
import { FileSystemStorage } from "../storage/fs.ts";
import type { Storage } from "../storage/storage.ts";
import type { RetentionPolicy } from "./retention.ts";
import { PROJECT_ROOT } from "../db/migrate.ts";

export interface BackupSettings {
  /** Database backed up, and where the catalog lives (owner URL). */
  databaseUrl: string | null;
  /** Superuser URL used to create/drop/rename databases when restoring. */
  rootUrl: string | null;
  primary: Storage;
  secondary: Storage | null;
  format: "custom" | "directory" | "auto";
  jobs: number;
  compressLevel: number;
  directoryThresholdBytes: number;
  retention: RetentionPolicy;
  workDir: string | undefined;
  /** BACKUP_DATABASE_NAME: the database `restore latest` looks for without a catalog (default: DATABASE_URL's). */
  databaseName?: string | null;
}

/** Builds a Storage for a URL of its scheme; `s3` is the process's S3_* settings (credentials, region). */
export type StorageFactory = (url: string, s3: Readonly<S3Connection>) => Storage;
const schemes = new Map<string, StorageFactory>();

/** Registers a storage scheme (e.g. "s3") so BACKUP_*_STORAGE_URL can name it. */
export function registerStorageScheme(scheme: string, factory: StorageFactory): void { schemes.set(scheme, factory); }

/**
 * s3://bucket/prefix?endpoint=https://host:port&region=eu-west-1&path_style=true — credentials from
 * S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY (else the SDK's default chain), region default S3_REGION.
 */
registerStorageScheme("s3", (raw, s3) => {
  const u = new URL(raw);
  const endpoint = u.searchParams.get("endpoint");
  const keyId = s3.accessKeyId;
  const secret = s3.secretAccessKey;
  return new S3Storage({
    bucket: u.hostname,
    prefix: decodeURIComponent(u.pathname).replace(/^\/+|\/+$/g, ""),
    endpoint,
    region: u.searchParams.get("region") ?? s3.region,
    forcePathStyle: !/^(0|false|no|off)$/i.test(u.searchParams.get("path_style") ?? "true"),
    credentials: keyId && secret ? { accessKeyId: keyId, secretAccessKey: secret } : null,
  });
});

export function storageFromUrl(raw: string, s3: Readonly<S3Connection> = processConfig().s3): Storage {
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw);
  if (!m) return new FileSystemStorage(path.resolve(PROJECT_ROOT, raw));
  const scheme = m[1]!.toLowerCase();
  if (scheme === "file") return new FileSystemStorage(decodeURIComponent(new URL(raw).pathname));
  const f = schemes.get(scheme);
  if (!f) throw new ConfigError(`backup storage scheme ${scheme}:// is not registered (s3:// comes with src/storage/s3.ts)`);
  return f(raw, s3);
}


/** The backup settings of a configuration section (default: this process's), storage targets built. */
export function backupSettings(section: Readonly<BackupConfig> = processConfig().backup, s3: Readonly<S3Connection> = processConfig().s3): BackupSettings {
  return {
    databaseUrl: section.databaseUrl,
    rootUrl: section.rootUrl,
    primary: storageFromUrl(section.storageUrl, s3),
    secondary: section.secondaryStorageUrl ? storageFromUrl(section.secondaryStorageUrl, s3) : null,
    format: section.format,
    jobs: section.jobs,
    compressLevel: section.compressLevel,
    directoryThresholdBytes: section.directoryThresholdBytes,
    retention: { ...section.retention },
    workDir: section.workDir,
    databaseName: section.databaseName,
  };
}

/** The backup settings of an environment (validated with the whole configuration), else of this process. */
export function backupSettingsFromEnv(env?: Env): BackupSettings {
  if (!env) return backupSettings();
  const config = loadConfig(env);
  return backupSettings(config.backup, config.s3);
}
