// Archive configuration: a section of the one startup configuration (src/config.ts loadConfig, which parses
// and validates it with every other setting). Variables (docs/archive.md):
//   ARCHIVE_STORAGE=fs|s3 (default fs)      ARCHIVE_DIR (fs root, default ./.data/archive)
//   S3_ENDPOINT S3_REGION S3_BUCKET S3_PREFIX S3_ACCESS_KEY_ID S3_SECRET_ACCESS_KEY S3_FORCE_PATH_STYLE (default true)
//   ARCHIVE_HOT_DAYS (30) ARCHIVE_COLD_DAYS (365) ARCHIVE_BATCH_SIZE (5000) ARCHIVE_ROW_GROUP_SIZE (500)
//   ARCHIVE_GROUP_ROWS (20000: executions planned, uploaded and verified per transaction)
//   ARCHIVE_ZSTD_LEVEL (9) ARCHIVE_ENCRYPTION_KEY (32 bytes as hex or base64; unset = files are not encrypted)
import { loadConfig, processConfig, type ArchiveConfig, type Env } from "../config.ts";

export type { ArchiveConfig, S3Settings } from "../config.ts";

/** The archive section: of the given environment (validated with the whole configuration), else of this process. */
export function loadArchiveConfig(env?: Env): Readonly<ArchiveConfig> {
  return (env ? loadConfig(env) : processConfig()).archive;
}
