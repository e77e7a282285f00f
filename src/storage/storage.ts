// Object storage: the one interface archives and backups write through. Implementations: the filesystem
// (default, under ./.data/<area>) and S3-compatible (src/storage/s3.ts). Keys are '/'-separated relative paths.
import type { Readable } from "node:stream";

export interface ObjectInfo {
  key: string;
  size: number;
  /** Hex sha256 of the content when the store recorded it (metadata), else undefined. */
  sha256?: string;
  lastModified: Date;
}

export interface PutOptions {
  contentType?: string;
  /** Hex sha256 of the content; stored as metadata and verified by the store where it can. */
  sha256?: string;
}

export interface Storage {
  /** A short description for logs, e.g. "fs:/data/archive" or "s3:bucket/prefix". */
  readonly name: string;
  put(key: string, body: Buffer, opts?: PutOptions): Promise<ObjectInfo>;
  /** Streams a (possibly large) file from disk into the store. */
  putFile(key: string, filePath: string, opts?: PutOptions): Promise<ObjectInfo>;
  get(key: string): Promise<Buffer>;
  getStream(key: string): Promise<Readable>;
  /** Writes the object to a local file (for pg_restore and similar tools). */
  getToFile(key: string, filePath: string): Promise<void>;
  head(key: string): Promise<ObjectInfo | null>;
  /** Lists objects whose key starts with prefix, sorted by key. */
  list(prefix: string): Promise<ObjectInfo[]>;
  delete(key: string): Promise<void>;
}

export class StorageNotFoundError extends Error {
  readonly code = "NOT_FOUND";
  readonly key: string;
  constructor(key: string) {
    super(`object not found: ${key}`);
    this.name = "StorageNotFoundError";
    this.key = key;
  }
}

/** Rejects keys that could escape the store's root ('..', absolute paths, empty segments). */
export function checkKey(key: string): string {
  if (!key || key.startsWith("/") || key.split("/").some((s) => s === "" || s === "." || s === "..") || key.includes("\\")) {
    throw new Error(`invalid storage key: ${JSON.stringify(key)}`);
  }
  return key;
}
