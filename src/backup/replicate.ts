// Cross-region copy: every object of a backup copied to the second storage target and verified there by
// reading it back and comparing its sha256 with the manifest.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Storage } from "../storage/storage.ts";
import { BackupIntegrityError } from "./errors.ts";
import { sha256Buffer, sha256File, sha256Stream } from "./hash.ts";
import { parseManifest } from "./manifest.ts";

export interface ReplicationResult { objects: number; bytes: number; target: string }

/** Reads an object back from a store and checks its sha256. */
export async function verifyObject(store: Storage, key: string, sha256: string): Promise<void> {
  const actual = await sha256Stream(await store.getStream(key));
  if (actual !== sha256) {
    throw new BackupIntegrityError(`object ${key} on ${store.name} does not match its sha256`, `key: ${key}, expected_sha256=${sha256}, actual_sha256=${actual}`);
  }
}

/** Copies the backup whose manifest is at manifestKey (sha256 manifestSha256) from one store to another. */
export async function replicateBackup(from: Storage, to: Storage, manifestKey: string, manifestSha256: string, workDir?: string): Promise<ReplicationResult> {
  const manifestBuf = await from.get(manifestKey);
  if (sha256Buffer(manifestBuf) !== manifestSha256) {
    throw new BackupIntegrityError(`manifest ${manifestKey} on ${from.name} does not match its sha256`, `key: ${manifestKey}`);
  }
  const manifest = parseManifest(manifestBuf);
  const dir = await mkdtemp(path.join(workDir ?? os.tmpdir(), "lf-backup-copy-"));
  let bytes = 0;
  try {
    for (const f of manifest.files) {
      const tmp = path.join(dir, "object");
      await from.getToFile(f.key, tmp);
      const sha = await sha256File(tmp);
      if (sha !== f.sha256) throw new BackupIntegrityError(`object ${f.key} on ${from.name} does not match its sha256`, `key: ${f.key}, expected_sha256=${f.sha256}, actual_sha256=${sha}`);
      await to.putFile(f.key, tmp, { sha256: f.sha256 });
      await rm(tmp, { force: true });
      await verifyObject(to, f.key, f.sha256);
      bytes += f.size;
    }
    // The manifest goes last: a backup is visible on the target only once all its objects are.
    await to.put(manifestKey, manifestBuf, { sha256: manifestSha256, contentType: "application/json" });
    await verifyObject(to, manifestKey, manifestSha256);
    return { objects: manifest.files.length + 1, bytes: bytes + manifestBuf.length, target: to.name };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
