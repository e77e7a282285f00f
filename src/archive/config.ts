// Archive configuration, parsed once from the environment (kept apart from src/config.ts, which stays generic).
//   ARCHIVE_STORAGE=fs|s3 (default fs)      ARCHIVE_DIR (fs root, default ./.data/archive)
//   S3_ENDPOINT S3_REGION S3_BUCKET S3_PREFIX S3_ACCESS_KEY_ID S3_SECRET_ACCESS_KEY S3_FORCE_PATH_STYLE (default true)
//   ARCHIVE_HOT_DAYS (30) ARCHIVE_COLD_DAYS (365) ARCHIVE_BATCH_SIZE (5000) ARCHIVE_ROW_GROUP_SIZE (500)
//   ARCHIVE_GROUP_ROWS (20000: executions planned, uploaded and verified per transaction)
//   ARCHIVE_ZSTD_LEVEL (9) ARCHIVE_ENCRYPTION_KEY (32 bytes as hex or base64; unset = files are not encrypted)
import { ConfigError } from "../errors.ts";
import { parseKey } from "./format.ts";
import { envInt as int } from "../config.ts";

export interface S3Settings {
  endpoint: string | null; region: string; bucket: string; prefix: string;
  accessKeyId: string | null; secretAccessKey: string | null; forcePathStyle: boolean;
}
export interface ArchiveConfig {
  storage: "fs" | "s3";
  fsRoot: string;
  s3: S3Settings | null;
  hotDays: number;
  coldDays: number;
  batchSize: number;
  /** Executions per group: the batches planned in one transaction, then uploaded and verified together. */
  groupRows: number;
  rowGroupSize: number;
  zstdLevel: number;
  encryptionKey: Buffer | null;
}

type Env = Record<string, string | undefined>;

export function loadArchiveConfig(env: Env = process.env): Readonly<ArchiveConfig> {
  const storage = (env.ARCHIVE_STORAGE || "fs") as ArchiveConfig["storage"];
  if (storage !== "fs" && storage !== "s3") throw new ConfigError("ARCHIVE_STORAGE must be fs or s3");
  let s3: S3Settings | null = null;
  if (storage === "s3") {
    if (!env.S3_BUCKET) throw new ConfigError("S3_BUCKET is required when ARCHIVE_STORAGE=s3");
    if (env.S3_ENDPOINT) {
      try { new URL(env.S3_ENDPOINT); } catch { throw new ConfigError("S3_ENDPOINT must be a URL"); }
    }
    s3 = {
      endpoint: env.S3_ENDPOINT || null, region: env.S3_REGION || "us-east-1", bucket: env.S3_BUCKET,
      prefix: (env.S3_PREFIX ?? "").replace(/^\/+|\/+$/g, ""),
      accessKeyId: env.S3_ACCESS_KEY_ID || null, secretAccessKey: env.S3_SECRET_ACCESS_KEY || null,
      forcePathStyle: !/^(0|false|no|off)$/i.test(env.S3_FORCE_PATH_STYLE ?? "true"),
    };
  }
  return Object.freeze({
    storage, s3,
    fsRoot: env.ARCHIVE_DIR || ".data/archive",
    hotDays: int(env, "ARCHIVE_HOT_DAYS", 30, 1, 3650),
    coldDays: int(env, "ARCHIVE_COLD_DAYS", 365, 1, 36500),
    batchSize: int(env, "ARCHIVE_BATCH_SIZE", 5000, 1, 1_000_000),
    groupRows: int(env, "ARCHIVE_GROUP_ROWS", 20_000, 1, 1_000_000),
    rowGroupSize: int(env, "ARCHIVE_ROW_GROUP_SIZE", 500, 10, 1_000_000),
    zstdLevel: int(env, "ARCHIVE_ZSTD_LEVEL", 9, 1, 19),
    encryptionKey: parseKey(env.ARCHIVE_ENCRYPTION_KEY),
  });
}
