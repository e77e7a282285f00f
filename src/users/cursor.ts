// Opaque keyset cursors: base64url JSON of the sort key of the last row returned. Clients pass them back
// unchanged; anything else is a ValidationError on `after`.
import { ValidationError } from "../errors.ts";

export type SearchOrder = "created" | "name";
export interface CursorKey { order: SearchOrder; id: string; name?: string }

export function encodeCursor(key: CursorKey): string {
  const body = key.order === "name" ? { o: "n", i: key.id, n: key.name } : { o: "c", i: key.id };
  return Buffer.from(JSON.stringify(body), "utf8").toString("base64url");
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function decodeCursor(cursor: string, order: SearchOrder): CursorKey {
  let body: { o?: unknown; i?: unknown; n?: unknown };
  try {
    body = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as typeof body;
  } catch {
    throw new ValidationError("invalid cursor", { field: "after" });
  }
  const o = body?.o === "n" ? "name" : body?.o === "c" ? "created" : null;
  if (o !== order || typeof body.i !== "string" || !UUID.test(body.i) || (o === "name" && typeof body.n !== "string")) {
    throw new ValidationError("invalid cursor (or a cursor of another ordering)", { field: "after" });
  }
  return o === "name" ? { order: o, id: body.i, name: body.n as string } : { order: o, id: body.i };
}
