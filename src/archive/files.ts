// Reading and writing batch files through a Storage: encode (Parquet + optional AES-256-GCM), and the one
// read path, which checks the manifest's sha256 (and the authentication tag) on every read.
import type { Storage } from "../storage/storage.ts";
import { StorageNotFoundError } from "../storage/storage.ts";
import { NotFoundError } from "../errors.ts";
import {
  ArchiveIntegrityError, decrypt, encrypt, isEncrypted, sha256, writeParquet, type EncodableDocument, type WriteOptions,
} from "./format.ts";

export interface FileRef { key: string; sha256: string; encrypted: boolean }

export interface EncodedBatch { body: Buffer; sha256: string; plainBytes: number }

export function encodeBatch(docs: EncodableDocument[], key: string, encryptionKey: Buffer | null, opts: WriteOptions = {}): EncodedBatch {
  const plain = writeParquet(docs, opts);
  const body = encryptionKey ? encrypt(plain, encryptionKey, key) : plain;
  return { body, sha256: sha256(body), plainBytes: plain.length };
}

/** Fetches a batch file, verifies its sha256 against the manifest and returns the (decrypted) Parquet bytes. */
export async function readVerified(storage: Storage, ref: FileRef, encryptionKey: Buffer | null): Promise<Buffer> {
  let body: Buffer;
  try {
    body = await storage.get(ref.key);
  } catch (e) {
    if (e instanceof StorageNotFoundError) throw new NotFoundError(`archive file ${ref.key} is missing`, { cause: e });
    throw e;
  }
  const actual = sha256(body);
  if (actual !== ref.sha256) {
    throw new ArchiveIntegrityError(`archive file ${ref.key} checksum mismatch: manifest ${ref.sha256}, stored ${actual}`);
  }
  if (ref.encrypted) return decrypt(body, encryptionKey, ref.key);
  if (isEncrypted(body)) throw new ArchiveIntegrityError(`archive file ${ref.key} is encrypted but the manifest says it is not`);
  return body;
}
