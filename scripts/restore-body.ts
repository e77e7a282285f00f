// Prints the `create or replace function` statements that bring functions back to an earlier state, taken from
// the schema dump of that state (scripts/schema-dump.ts), so a down script never carries a hand-copied body.
//
//   node scripts/restore-body.ts 'app_private.append_execution_events(jsonb)' ...
//       from data/schema.sql: the committed state, i.e. the state before the work in progress in
//       migrations/current/ (paste the output into migrations/down/current/NNN-topic.sql)
//   node scripts/restore-body.ts --before N 'app_public.transition_execution' ...
//       from the schema of "up to N-1", built on the fly in a scratch database (ROOT_DATABASE_URL, else
//       TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres)
//   node scripts/restore-body.ts --comments 'app_public.create_team' ...
//       only the COMMENT ON FUNCTION statements (for a down script whose migration changed comments only)
//   node scripts/restore-body.ts --before N --rewrite migrations/down/NNNNNN.sql
//       rewrites, in that down script, every `create [or replace] function` statement with the body the
//       function had before migration N (the statements around them stay as written)
//
// A signature is schema.name(argument types as pg_dump writes them, e.g. `uuid, text, jsonb`), or schema.name
// alone when there is one function of that name. The COMMENT ON FUNCTION of the earlier state follows each one.
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { dumpFreshSchema, SCHEMA_DUMP_FILE } from "./schema-dump.ts";

export interface DumpedFunction {
  /** schema.name(identity argument types) */
  signature: string;
  /** schema.name */
  name: string;
  /** CREATE OR REPLACE FUNCTION ... ; */
  create: string;
  /** COMMENT ON FUNCTION ... ; (absent when the function had none) */
  comment?: string;
}

/** The functions (and procedures) of a normalized schema dump, by signature. */
export function dumpedFunctions(dump: string): Map<string, DumpedFunction> {
  const found = new Map<string, DumpedFunction>();
  // Each object of the dump starts at a "-- Name: <tag>; Type: <type>; Schema: <schema>; Owner: -" line.
  const blocks = dump.split(/^(?=-- Name: )/m);
  for (const block of blocks) {
    const head = /^-- Name: (.*); Type: (FUNCTION|PROCEDURE|COMMENT); Schema: ([^;]+); Owner: .*\n/.exec(block);
    if (!head) continue;
    const [line, tag, type, schema] = head as unknown as [string, string, string, string];
    const statement = block.slice(line.length).trim();
    if (type === "COMMENT") {
      const m = /^(?:FUNCTION|PROCEDURE) ([^(]+)\(/.exec(tag);
      if (!m) continue;
      // the comment follows its function in the dump
      const last = [...found.values()].at(-1);
      if (last && last.name === `${schema}.${m[1]}`) last.comment = statement;
      continue;
    }
    const name = `${schema}.${tag.slice(0, tag.indexOf("("))}`;
    const signature = `${schema}.${tag}`;
    found.set(signature, { signature, name, create: statement.replace(/^CREATE (FUNCTION|PROCEDURE)/, "CREATE OR REPLACE $1") });
  }
  return found;
}

/** Finds one function by full signature, or by schema.name (optionally narrowed by the number of arguments). */
export function findFunction(functions: Map<string, DumpedFunction>, wanted: string, argCount?: number): DumpedFunction {
  const normalized = wanted.replace(/\s+/g, " ").replace(/\( /g, "(").replace(/ \)/g, ")").replace(/ ?, ?/g, ", ");
  const exact = functions.get(normalized);
  if (exact) return exact;
  const name = normalized.includes("(") ? normalized.slice(0, normalized.indexOf("(")) : normalized;
  let candidates = [...functions.values()].filter((f) => f.name.toLowerCase() === name.toLowerCase());
  if (candidates.length > 1 && argCount !== undefined) candidates = candidates.filter((f) => countArguments(f.signature) === argCount);
  if (candidates.length === 1 && !normalized.includes("(")) return candidates[0]!;
  if (candidates.length === 1 && argCount !== undefined) return candidates[0]!;
  const known = [...functions.values()].filter((f) => f.name.toLowerCase() === name.toLowerCase()).map((f) => f.signature);
  throw new Error(known.length
    ? `${wanted}: ${known.length > 1 && !normalized.includes("(") ? "ambiguous" : "no such signature"}; the earlier schema has ${known.join(" | ")}`
    : `${wanted}: no function of that name in the earlier schema`);
}

function countArguments(signature: string): number {
  const inner = signature.slice(signature.indexOf("(") + 1, signature.lastIndexOf(")")).trim();
  return inner ? splitTopLevel(inner).length : 0;
}

function splitTopLevel(list: string): string[] {
  const parts: string[] = [];
  let depth = 0, start = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c === "(" || c === "[") depth++;
    else if (c === ")" || c === "]") depth--;
    else if (c === "," && depth === 0) { parts.push(list.slice(start, i)); start = i + 1; }
  }
  parts.push(list.slice(start));
  return parts.map((p) => p.trim()).filter(Boolean);
}

/** What restore-body prints for one function: its create statement and its comment. */
export function restoreStatements(f: DumpedFunction): string {
  return f.comment ? `${f.create}\n\n${f.comment}\n` : `${f.create}\n`;
}

/**
 * Replaces each `create [or replace] function <schema.name>(...) ... as $tag$ ... $tag$ ... ;` statement of a
 * down script with the earlier state's statement (comments around it are kept). Functions the earlier state does
 * not have stay as written (`kept`). Returns the new text and the signatures replaced.
 */
export function rewriteDownScript(sql: string, functions: Map<string, DumpedFunction>): { text: string; replaced: string[]; kept: string[] } {
  const replaced: string[] = [];
  const kept: string[] = [];
  const head = /^create (?:or replace )?function ([a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*)\s*\(/gim;
  let out = "";
  let from = 0;
  for (let m = head.exec(sql); m; m = head.exec(sql)) {
    if (m.index < from) continue;
    // the argument list: up to the parenthesis that closes the one the match ends with
    let depth = 1, i = head.lastIndex;
    for (; i < sql.length && depth > 0; i++) {
      if (sql[i] === "(") depth++;
      else if (sql[i] === ")") depth--;
    }
    const args = sql.slice(head.lastIndex, i - 1);
    const quote = /\bas\s+(\$[a-z_]*\$)/gi;
    quote.lastIndex = i;
    const q = quote.exec(sql);
    if (!q) throw new Error(`${m[1]}: no dollar-quoted body after its header`);
    const close = sql.indexOf(q[1]!, q.index + q[0].length);
    const end = sql.indexOf(";", close + q[1]!.length);
    if (close < 0 || end < 0) throw new Error(`${m[1]}: unterminated body`);
    let f: DumpedFunction;
    try {
      f = findFunction(functions, m[1]!, splitTopLevel(args.replace(/--.*$/gm, "")).length);
    } catch (e) {
      // not in the earlier schema (a helper the down script needs for itself): keep it as written
      kept.push(`${m[1]} (${e instanceof Error ? e.message : e})`);
      continue;
    }
    out += sql.slice(from, m.index) + f.create;
    from = end + 1;
    replaced.push(f.signature);
  }
  return { text: out + sql.slice(from), replaced, kept };
}

function rootUrlFromEnv(): string {
  return process.env.ROOT_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
}

async function main(argv: string[]): Promise<void> {
  let before: number | undefined;
  let rewrite: string | undefined;
  let commentsOnly = false;
  const wanted: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--before") before = Number.parseInt(argv[++i] ?? "", 10);
    else if (argv[i] === "--rewrite") rewrite = argv[++i];
    else if (argv[i] === "--comments") commentsOnly = true;
    else wanted.push(argv[i]!);
  }
  if (before !== undefined && !(before >= 1)) throw new Error("--before needs a migration number (>= 1)");
  if (rewrite && before === undefined) throw new Error("--rewrite needs --before N (the migration the down script undoes)");
  if (!rewrite && wanted.length === 0) throw new Error("usage: node scripts/restore-body.ts [--before N] 'schema.name(types)' ...");
  const dump = before === undefined ? await readFile(SCHEMA_DUMP_FILE, "utf8") : await dumpFreshSchema(rootUrlFromEnv(), { upTo: before - 1 });
  const functions = dumpedFunctions(dump);
  if (rewrite) {
    const { text, replaced, kept } = rewriteDownScript(await readFile(rewrite, "utf8"), functions);
    await writeFile(rewrite, text);
    console.log(`${rewrite}: ${replaced.length} function(s) as of migration ${before! - 1}: ${replaced.join(", ")}`);
    if (kept.length) console.log(`  kept as written: ${kept.join("; ")}`);
    return;
  }
  const found = wanted.map((w) => findFunction(functions, w));
  if (commentsOnly) {
    const missing = found.filter((f) => !f.comment).map((f) => f.signature);
    if (missing.length) throw new Error(`no comment in the earlier schema: ${missing.join(", ")} (drop the new one with comment on ... is null)`);
    process.stdout.write(found.map((f) => `${f.comment}\n`).join("\n"));
    return;
  }
  process.stdout.write(found.map(restoreStatements).join("\n"));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
