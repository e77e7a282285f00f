// The users search's keyset cursors, in the repositories' one codec (src/db/cursor.ts): the sort key of the
// last row returned, tagged with the ordering, so a cursor of another ordering is refused (field after).
import { decodeCursor as decode, encodeCursor as encode } from "../db/cursor.ts";

export type SearchOrder = "created" | "name";
export interface CursorKey { order: SearchOrder; id: string; name?: string }

const KIND: Record<SearchOrder, string> = { created: "users.search.created", name: "users.search.name" };

export function encodeCursor(key: CursorKey): string {
  return encode(KIND[key.order], key.order === "name" ? [key.id, key.name ?? ""] : [key.id]);
}

export function decodeCursor(cursor: string, order: SearchOrder): CursorKey {
  if (order === "name") {
    const [id, name] = decode(cursor, KIND.name, ["uuid", "string"]) as [string, string];
    return { order, id, name };
  }
  const [id] = decode(cursor, KIND.created, ["uuid"]) as [string];
  return { order, id };
}
