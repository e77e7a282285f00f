// Opaque live cursors: the event store's checkpoint pair (transaction_id, global_position) of the last event a
// client received. Any server process can resume from it, because the pair is the global read order itself.
import { ValidationError } from "../errors.ts";
import type { Checkpoint } from "../events/index.ts";

const PREFIX = "lf1:";

export function encodeCursor(c: Checkpoint): string {
  return Buffer.from(`${PREFIX}${c.transactionId}:${c.globalPosition}`, "utf8").toString("base64url");
}

export function decodeCursor(cursor: string, field = "after"): Checkpoint {
  let text: string;
  try {
    text = Buffer.from(cursor, "base64url").toString("utf8");
  } catch {
    throw new ValidationError("invalid cursor", { field });
  }
  const m = /^lf1:(\d{1,20}):(\d{1,19})$/.exec(text);
  if (!m) throw new ValidationError("invalid cursor", { field });
  return { transactionId: BigInt(m[1]!), globalPosition: BigInt(m[2]!) };
}

/** Total order of the global read: (transaction_id, global_position). */
export function compareCheckpoints(a: Checkpoint, b: Checkpoint): number {
  if (a.transactionId !== b.transactionId) return a.transactionId < b.transactionId ? -1 : 1;
  if (a.globalPosition !== b.globalPosition) return a.globalPosition < b.globalPosition ? -1 : 1;
  return 0;
}
