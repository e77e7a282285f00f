// The archive's Storage, chosen by configuration: the filesystem (default) or S3-compatible.
import { FileSystemStorage } from "../storage/fs.ts";
import { S3Storage } from "../storage/s3.ts";
import type { Storage } from "../storage/storage.ts";
import type { ArchiveConfig } from "./config.ts";

export function archiveStorage(cfg: Readonly<ArchiveConfig>): Storage {
  if (cfg.storage === "s3" && cfg.s3) {
    const s = cfg.s3;
    return new S3Storage({
      bucket: s.bucket, prefix: s.prefix, endpoint: s.endpoint, region: s.region, forcePathStyle: s.forcePathStyle,
      credentials: s.accessKeyId && s.secretAccessKey ? { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey } : null,
    });
  }
  return new FileSystemStorage(cfg.fsRoot);
}
