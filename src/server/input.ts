// Input checks on GraphQL variables before anything else reads them: strings with NUL characters (PostgreSQL
// text cannot hold U+0000: SQLSTATE 22021/22P05), strings that are not well-formed UTF-16 (lone surrogates,
// which cannot be encoded as UTF-8), and JSON nested deeper than GRAPHQL_MAX_VARIABLE_DEPTH (deep values would
// overflow the stack while encoding). Each is a VALIDATION error naming the variable path (the field).
// Iterative: no input can overflow the checker's own stack.
import { ValidationError } from "../errors.ts";

function pathOf(parts: (string | number)[]): string {
  return parts.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

/** A UTF-16 surrogate without its partner: cannot be encoded as UTF-8. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function checkString(s: string, path: (string | number)[]): void {
  if (s.includes("\u0000")) throw new ValidationError(`${pathOf(path)} contains a NUL character (U+0000), which text cannot hold`, { field: pathOf(path) });
  if (LONE_SURROGATE.test(s)) throw new ValidationError(`${pathOf(path)} is not valid Unicode (lone surrogate)`, { field: pathOf(path) });
}

export function checkVariables(variables: Record<string, unknown> | null | undefined, maxDepth: number): void {
  if (!variables || typeof variables !== "object") return;
  const stack: { value: unknown; path: (string | number)[]; depth: number }[] = [];
  for (const [k, v] of Object.entries(variables)) stack.push({ value: v, path: [k], depth: 0 });
  while (stack.length) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === "string") { checkString(value, path); continue; }
    if (value === null || typeof value !== "object") continue;
    if (depth >= maxDepth) {
      throw new ValidationError(`${pathOf(path)} is nested more than ${maxDepth} levels deep`, { field: pathOf([path[0]!]) });
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) stack.push({ value: value[i], path: [...path, i], depth: depth + 1 });
    } else {
      for (const [k, v] of Object.entries(value)) {
        checkString(k, [...path, k]);
        stack.push({ value: v, path: [...path, k], depth: depth + 1 });
      }
    }
  }
}

/** NUL characters written into the document itself (as an escape or raw). */
export function checkDocumentText(query: string): void {
  if (query.includes("\u0000") || /\\u0000|\\u\{0+\}/i.test(query)) {
    throw new ValidationError("the document contains a NUL character (U+0000), which text cannot hold");
  }
  if (LONE_SURROGATE.test(query)) throw new ValidationError("the document is not valid Unicode (lone surrogate)");
}
