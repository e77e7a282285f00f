// Backup settings from the environment (parsed once by the CLI and the tasks). Storage targets:
//   BACKUP_STORAGE_URL / BACKUP_STORAGE_DIR                 primary (default ./.data/backups)
//   BACKUP_SECONDARY_STORAGE_URL / BACKUP_SECONDARY_STORAGE_DIR  second (cross-region) target, optional
// A URL is file:///path or a plain path; s3://bucket/prefix is wired to src/storage/s3.ts (archival capability).
import path from "node:path";
import { ConfigError } from "../errors.ts";
import { S3Storage } from "../storage/s3.ts";
import { FileSystemStorage } from "../storage/fs.ts";
import type { Storage } from "../storage/storage.ts";
import { DEFAULT_RETENTION, type RetentionPolicy } from "./retention.ts";
import { PROJECT_ROOT } from "../db/migrate.ts";
import { envInt as int } from "../config.ts";

type Env = Record<string, string | undefined>;

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
}

export type StorageFactory = (url: string) => Storage;
const schemes = new Map<string, StorageFactory>();

/** Registers a storage scheme (e.g. "s3") so BACKUP_*_STORAGE_URL can name it. */
export function registerStorageScheme(scheme: string, factory: StorageFactory): void { schemes.set(scheme, factory); }

/**
 * s3://bucket/prefix?endpoint=https://host:port&region=eu-west-1&path_style=true — credentials from
 * S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY (else the SDK's default chain).
 */
registerStorageScheme("s3", (raw) => {
  const u = new URL(raw);
  const endpoint = u.searchParams.get("endpoint");
  const keyId = process.env.S3_ACCESS_KEY_ID;
  const secret = process.env.S3_SECRET_ACCESS_KEY;
  return new S3Storage({
    bucket: u.hostname,
    prefix: decodeURIComponent(u.pathname).replace(/^\/+|\/+$/g, ""),
    endpoint,
    region: u.searchParams.get("region") ?? process.env.S3_REGION ?? "us-east-1",
    forcePathStyle: !/^(0|false|no|off)$/i.test(u.searchParams.get("path_style") ?? "true"),
    credentials: keyId && secret ? { accessKeyId: keyId, secretAccessKey: secret } : null,
  });
});

export function storageFromUrl(raw: string): Storage {
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw);
  if (!m) return new FileSystemStorage(path.resolve(PROJECT_ROOT, raw));
  const scheme = m[1]!.toLowerCase();
  if (scheme === "file") return new FileSystemStorage(decodeURIComponent(new URL(raw).pathname));
  const f = schemes.get(scheme);
  if (!f) throw new ConfigError(`backup storage scheme ${scheme}:// is not registered (s3:// comes with src/storage/s3.ts)`);
  return f(raw);
}


export function backupSettingsFromEnv(env: Env = process.env): BackupSettings {
  const format = (env.BACKUP_FORMAT ?? "auto") as BackupSettings["format"];
  if (!["custom", "directory", "auto"].includes(format)) throw new ConfigError("BACKUP_FORMAT must be custom, directory or auto");
  const primaryUrl = env.BACKUP_STORAGE_URL || env.BACKUP_STORAGE_DIR || ".data/backups";
  const secondaryUrl = env.BACKUP_SECONDARY_STORAGE_URL || env.BACKUP_SECONDARY_STORAGE_DIR || null;
  const databaseUrl = env.BACKUP_DATABASE_URL || env.DATABASE_URL || null;
  return {
    databaseUrl,
    rootUrl: env.BACKUP_ROOT_DATABASE_URL || env.ROOT_DATABASE_URL || databaseUrl,
    primary: storageFromUrl(primaryUrl),
    secondary: secondaryUrl ? storageFromUrl(secondaryUrl) : null,
    format,
    jobs: int(env, "BACKUP_JOBS", 2, 1, 64),
    compressLevel: int(env, "BACKUP_COMPRESS_LEVEL", 6, 0, 9),
    directoryThresholdBytes: int(env, "BACKUP_DIRECTORY_THRESHOLD_BYTES", 1024 ** 3, 0, Number.MAX_SAFE_INTEGER),
    retention: {
      daily: int(env, "BACKUP_KEEP_DAILY", DEFAULT_RETENTION.daily, 0, 10_000),
      weekly: int(env, "BACKUP_KEEP_WEEKLY", DEFAULT_RETENTION.weekly, 0, 10_000),
      monthly: int(env, "BACKUP_KEEP_MONTHLY", DEFAULT_RETENTION.monthly, 0, 10_000),
    },
    workDir: env.BACKUP_WORK_DIR || undefined,
  };
}
