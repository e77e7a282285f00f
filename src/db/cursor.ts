// The one keyset-cursor codec of the repositories (users, workflows, executions, archive reads): an opaque
// base64url string of JSON { k: <kind>, v: [<sort key of the last row returned>] }. Clients pass it back
// unchanged; anything else (garbage, a cursor of another listing or ordering, a value of the wrong type) is a
// ValidationError on `after`. (The live API's cursors are event-store checkpoints: src/live/cursor.ts.)
import { ValidationError } from "../errors.ts";

export type CursorValue = string | number;
/** What each position of a cursor's key must be. */
export type CursorField = "string" | "uuid" | "timestamp" | "integer";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const valid: Record<CursorField, (v: unknown) => boolean> = {
  string: (v) => typeof v === "string",
  uuid: (v) => typeof v === "string" && UUID.test(v),
  timestamp: (v) => typeof v === "string" && !Number.isNaN(Date.parse(v)),
  integer: (v) => Number.isSafeInteger(v),
};

export function encodeCursor(kind: string, values: readonly CursorValue[]): string {
  return Buffer.from(JSON.stringify({ k: kind, v: values }), "utf8").toString("base64url");
}

/** The key of a cursor made by encodeCursor(kind, ...) with one value per field; ValidationError (field after) otherwise. */
export function decodeCursor(cursor: string, kind: string, fields: readonly CursorField[]): CursorValue[] {
  let body: { k?: unknown; v?: unknown };
  try {
    if (typeof cursor !== "string" || cursor.length > 4096) throw new Error("not a cursor");
    body = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as typeof body;
  } catch {
    throw new ValidationError("invalid cursor", { field: "after" });
  }
  const v = body?.v;
  if (body?.k !== kind || !Array.isArray(v) || v.length !== fields.length || !fields.every((f, i) => valid[f](v[i]))) {
    throw new ValidationError("invalid cursor (or a cursor of another listing or ordering)", { field: "after" });
  }
  return v as CursorValue[];
}
