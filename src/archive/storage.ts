// The archive's Storage, chosen by configuration: the filesystem (default) or S3-compatible.
import { FileSystemStorage } from "../storage/fs.ts";
import { s3StorageFor } from "../storage/s3.ts";
import type { Storage } from "../storage/storage.ts";
import type { ArchiveConfig } from "./config.ts";

export function archiveStorage(cfg: Readonly<ArchiveConfig>): Storage {
  if (cfg.storage === "s3" && cfg.s3) return s3StorageFor(cfg.s3);
  return new FileSystemStorage(cfg.fsRoot);
}
