// The archive side of a search: read one candidate batch file (checked against the manifest's sha256) as
// execution summaries, the top-level columns only (a search never needs the nested history to match).
import type { Storage } from "../storage/storage.ts";
import { readVerified, type FileRef } from "./files.ts";
import { readParquetSummaries, type ExecutionSummary } from "./format.ts";

export type { ExecutionSummary, FileRef };

/** Every execution of a batch file, in file order (newest first), without transitions and node runs. */
export async function readBatchSummaries(storage: Storage, ref: FileRef, encryptionKey: Buffer | null): Promise<ExecutionSummary[]> {
  return readParquetSummaries(await readVerified(storage, ref, encryptionKey));
}
