// Redis key layout. Every logical cache key K (for example `users:id:<uuid>`) lives in ONE Redis hash:
//
//   <namespace>:{K}          hash: field `g` = the load token (invalidation marker), field `s<N>` = the entry
//                            encoded for schema version N (a deploy that changes a shape bumps N and never
//                            reads the old field). Deleting the hash invalidates every version at once.
//   <namespace>:t:{tag}      string: the tag's version counter (tag invalidation is one INCR, O(1)).
//   <namespace>:bus          pub/sub channel: local-tier drop messages.
//
// The braces are Redis Cluster hash tags: everything one operation touches (the hash) is a single key, so no
// command ever spans slots.
import { ValidationError } from "../errors.ts";

export const DEFAULT_NAMESPACE = "lf:cache";

export function checkNamespace(ns: string): string {
  if (!/^[A-Za-z0-9_.:-]{1,100}$/.test(ns)) {
    throw new ValidationError("cache namespace must match [A-Za-z0-9_.:-]{1,100}", { field: "namespace" });
  }
  return ns;
}

export function checkKey(key: string): string {
  if (typeof key !== "string" || key.length === 0 || key.length > 1000) {
    throw new ValidationError("cache key must be a non-empty string of at most 1000 characters", { field: "key" });
  }
  return key;
}

export const entryKey = (ns: string, key: string) => `${ns}:{${key}}`;
export const tagKey = (ns: string, tag: string) => `${ns}:t:{${tag}}`;
export const busChannel = (ns: string) => `${ns}:bus`;
export const versionField = (schemaVersion: number) => `s${schemaVersion}`;

/** The SCAN MATCH pattern for a glob over logical keys (the namespace's own glob characters are escaped). */
export function entryPattern(ns: string, glob: string): string {
  return `${ns.replace(/[*?[\]\\]/g, "\\$&")}:{${glob}}`;
}

/** A glob (`*`, `?`, `[...]`, `\x`) as a RegExp over logical keys, for dropping local-tier entries. */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "\\" && i + 1 < glob.length) re += glob[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    else if (c === "*") re += "[\\s\\S]*";
    else if (c === "?") re += "[\\s\\S]";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 1);
      if (end < 0) { re += "\\["; continue; }
      let body = glob.slice(i + 1, end);
      if (body.startsWith("^")) body = "^" + body.slice(1).replace(/\\/g, "\\\\");
      else body = body.replace(/\\/g, "\\\\");
      re += `[${body}]`;
      i = end;
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}
