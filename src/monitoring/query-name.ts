// Stable, low-cardinality names for SQL statements: the label of every query metric and slow-query log line.
//
//   /* name: workflows.list */ select ...            -> workflows.list           (an explicit name always wins)
//   select * from app_public.save_workflow($1, $2)   -> app_public.save_workflow (the SQL function called)
//   select pg_sleep($1)                              -> pg_sleep
//   select id from app_public.users where id = $1    -> select app_public.users  (kind + first relation)
//   insert into app_public.events (...) values (...) -> insert app_public.events
//   begin / commit / set_config / 1                  -> begin / commit / ... / select
//
// Never raw SQL and never ids: literals and quoted strings are dropped before anything is read, and any run of
// 6+ digits or 8+ hex digits inside an identifier (daily partitions, temp tables) becomes `*`.

const NAME_COMMENT = /\/\*\s*name:\s*([A-Za-z0-9_.:\-]{1,80})\s*\*\//;
const IDENT = "[a-z_][a-z0-9_$]*";
const QUALIFIED_CALL = new RegExp(`(?<![a-z0-9_$.])(?<!\\binto )(?<!\\btable )(${IDENT})\\.(${IDENT})\\s*\\(`);
const LEADING_CALL = new RegExp(`^select\\s+(?:distinct\\s+)?(?:\\*\\s+from\\s+)?(${IDENT})\\s*\\(`);
const RELATION_AFTER = (kw: string) => new RegExp(`\\b${kw}\\s+(?:only\\s+)?(?:lateral\\s+)?(${IDENT}(?:\\.${IDENT})?)`);
const FROM_REL = RELATION_AFTER("(?:from|join)");
const INTO_REL = RELATION_AFTER("into");
const UPDATE_REL = RELATION_AFTER("update");
const COPY_REL = new RegExp(`^copy\\s+(${IDENT}(?:\\.${IDENT})?)`);
const DDL_OBJECT = /^(create|alter|drop)\s+(?:or\s+replace\s+)?(?:unique\s+|temp\s+|temporary\s+|unlogged\s+|materialized\s+)*([a-z]+)/;
// Functions that say nothing about what a statement does (aggregates, json builders, casts).
const GENERIC = new Set([
  "count", "sum", "min", "max", "avg", "coalesce", "nullif", "greatest", "least", "exists", "array", "row",
  "to_json", "to_jsonb", "json_build_object", "jsonb_build_object", "json_agg", "jsonb_agg", "array_agg",
  "row_to_json", "cast", "case", "now", "json_build_array", "jsonb_build_array", "string_agg", "unnest",
]);
const KIND_ALIASES: Record<string, string> = { start: "begin", end: "commit", abort: "rollback" };
const KEEP_KIND = new Set([
  "begin", "commit", "rollback", "savepoint", "release", "set", "reset", "show", "listen", "unlisten", "notify",
  "lock", "truncate", "vacuum", "analyze", "explain", "do", "prepare", "execute", "deallocate", "discard",
  "declare", "fetch", "close", "move", "grant", "revoke", "comment", "refresh", "cluster", "reindex", "checkpoint",
]);

/** Drops comments, string literals, dollar-quoted bodies and identifier quotes; lowercases; collapses spaces. */
export function normaliseSql(sql: string): string {
  return sql
    .replace(/\/\*[\s\S]*?\*\//g, " ")
    .replace(/--[^\n]*/g, " ")
    .replace(/\$([a-zA-Z_]*)\$[\s\S]*?\$\1\$/g, "$$$$")
    .replace(/[eE]?'(?:[^']|'')*'/g, "''")
    .replace(/"((?:[^"]|"")*)"/g, (_m, id: string) => id.replace(/""/g, "\""))
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim();
}

function clean(name: string): string {
  return name
    .replace(/[0-9a-f]{8,}|\d{6,}/g, "*")
    .replace(/[^a-z0-9_.$* ]/g, "")
    .slice(0, 100);
}

export function deriveQueryName(sql: string): string {
  const explicit = NAME_COMMENT.exec(sql);
  if (explicit) return explicit[1]!;
  const s = normaliseSql(sql);
  const first = /^[a-z]+/.exec(s)?.[0];
  if (!first) return s.startsWith("(") ? "select" : "unknown";
  const kind = KIND_ALIASES[first] ?? first;
  switch (kind) {
    case "select":
    case "with":
    case "call":
    case "values":
    case "table": {
      const call = QUALIFIED_CALL.exec(s);
      if (call) return clean(`${call[1]}.${call[2]}`);
      const lead = kind === "select" ? LEADING_CALL.exec(s) : null;
      if (lead && !GENERIC.has(lead[1]!)) return clean(lead[1]!);
      const rel = FROM_REL.exec(s) ?? (kind === "with" ? INTO_REL.exec(s) ?? UPDATE_REL.exec(s) : null);
      return rel ? clean(`${kind} ${rel[1]}`) : kind;
    }
    case "insert":
    case "merge": {
      const rel = INTO_REL.exec(s);
      return rel ? clean(`${kind} ${rel[1]}`) : kind;
    }
    case "update": {
      const rel = UPDATE_REL.exec(s);
      return rel ? clean(`update ${rel[1]}`) : kind;
    }
    case "delete": {
      const rel = FROM_REL.exec(s);
      return rel ? clean(`delete ${rel[1]}`) : kind;
    }
    case "copy": {
      const rel = COPY_REL.exec(s);
      return rel ? clean(`copy ${rel[1]}`) : kind;
    }
    case "create":
    case "alter":
    case "drop": {
      const ddl = DDL_OBJECT.exec(s);
      return ddl ? `${kind} ${ddl[2]}` : kind;
    }
    default:
      return KEEP_KIND.has(kind) ? kind : "other";
  }
}

const cache = new Map<string, string>();
const CACHE_MAX = 5000;

/** deriveQueryName with a bounded memo (statements repeat: the hot path is one Map lookup). */
export function queryName(sql: string): string {
  let name = cache.get(sql);
  if (name === undefined) {
    name = deriveQueryName(sql);
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(sql, name);
  }
  return name;
}

/** SQL for a log line: comments and string literals removed (no values), whitespace collapsed, truncated. */
export function redactSqlForLog(sql: string, maxChars: number): string {
  const flat = sql
    .replace(/\/\*[\s\S]*?\*\//g, " ")
    .replace(/--[^\n]*/g, " ")
    .replace(/\$([a-zA-Z_]*)\$[\s\S]*?\$\1\$/g, "$$$$")
    .replace(/[eE]?'(?:[^']|'')*'/g, "'?'")
    .replace(/\s+/g, " ")
    .trim();
  return flat.length > maxChars ? `${flat.slice(0, maxChars)}…` : flat;
}
