// Who a repository call acts for, and how it reaches the database: the one caller model of every repository
// (users, workflows, executions, events; docs/library.md "Repositories").
//
//  - A signed-in user ({ userId }, kind "user" optional): the call runs as linkflow_visitor with the user's JWT
//    claims, so row-level security and the role checks of the SQL API apply exactly as they do for GraphQL.
//  - The service path ({ kind: "service", actorId? }): trusted server code (engines, workers, admin tools) on the
//    owner pool: the app_private functions, no role checks; actorId is recorded where the SQL API records one.
//
// Joining a transaction is the same for both: inside withTransaction(pool, ...) a call joins that transaction
// (it commits or rolls back with the caller's work). A user call that joins switches the transaction's role and
// claims for its own statements and restores them after, so RLS applies to it and not to the caller's other work.
import type pg from "pg";
import { ForbiddenError, ValidationError } from "../errors.ts";
import { mapDbError } from "./errors.ts";
import type { Queryable } from "./pool.ts";
import { currentClient, withTransaction } from "./transaction.ts";

export interface UserCaller {
  kind?: "user";
  userId: string;
  /** Optional ids copied into the metadata of the events the call appends. */
  correlationId?: string;
  causationId?: string;
  traceId?: string;
}
export interface ServiceCaller { kind: "service"; actorId?: string | null }
export type Caller = UserCaller | ServiceCaller;

export const SERVICE: Readonly<ServiceCaller> = Object.freeze({ kind: "service", actorId: null });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUser(caller: Caller): caller is UserCaller {
  return caller.kind !== "service";
}

/** The caller checked: a user caller needs a UUID userId (ValidationError field userId otherwise). */
export function checkCaller(caller: Caller): Readonly<Caller> {
  if (caller === null || typeof caller !== "object") throw new ValidationError("caller must be { userId } or { kind: 'service' }", { field: "caller" });
  if (isUser(caller) && (typeof caller.userId !== "string" || !UUID.test(caller.userId))) {
    throw new ValidationError("caller.userId must be a UUID", { field: "userId" });
  }
  return Object.freeze({ ...caller });
}

/** The actor a service call records (null for user callers: the SQL API takes the user from the claims). */
export function actorOf(caller: Caller): string | null {
  return isUser(caller) ? null : (caller.actorId ?? null);
}

/** Refuses a caller kind a repository method does not serve, with a typed error saying which one it needs. */
export function requireKind(caller: Caller, kind: "user" | "service", what: string): void {
  if ((kind === "user") !== isUser(caller)) {
    throw new ForbiddenError(kind === "user"
      ? `${what} acts for a signed-in user: call it on repository.asUser(userId)`
      : `${what} is a service operation: call it on the service repository (asService())`, { field: "caller" });
  }
}

/** Where a service-path statement runs: the given client, else the caller's open transaction on pool, else pool. */
export function serviceQueryable(pool: pg.Pool, client?: pg.ClientBase): pg.ClientBase | pg.Pool {
  return client ?? currentClient(pool) ?? pool;
}

export interface RunOptions {
  readOnly?: boolean;
  /** Service path outside a transaction: fn's one statement runs as its own autocommit statement (one round trip). */
  singleStatement?: boolean;
}

const CLAIMS_SQL = "select set_config('role', $1, true), set_config('jwt.claims.user_id', $2, true), "
  + "set_config('linkflow.correlation_id', $3, true), set_config('linkflow.causation_id', $4, true), set_config('linkflow.trace_id', $5, true)";
const SAVE_SQL = "select current_setting('role') as role, coalesce(current_setting('jwt.claims.user_id', true), '') as user_id, "
  + "coalesce(current_setting('linkflow.correlation_id', true), '') as c, coalesce(current_setting('linkflow.causation_id', true), '') as k, "
  + "coalesce(current_setting('linkflow.trace_id', true), '') as t";

function claimsOf(u: UserCaller): unknown[] {
  return ["linkflow_visitor", u.userId, u.correlationId ?? "", u.causationId ?? "", u.traceId ?? ""];
}

/** Runs fn for the caller on pool (see the top of this file). Errors leave as typed LinkFlowErrors. */
export async function runAs<T>(pool: pg.Pool, caller: Caller, fn: (q: Queryable) => Promise<T>, opts: RunOptions = {}): Promise<T> {
  const outer = currentClient(pool);
  if (!isUser(caller)) {
    if (!outer && !opts.singleStatement) return withTransaction(pool, fn, { readOnly: opts.readOnly });
    try {
      return await fn(serviceQueryable(pool));
    } catch (e) {
      throw mapDbError(e);
    }
  }
  if (!outer) {
    return withTransaction(pool, async (c) => {
      await c.query(CLAIMS_SQL, claimsOf(caller));
      return fn(c);
    }, { readOnly: opts.readOnly });
  }
  // Joining the caller's transaction: this call's statements run with the user's role and claims, then the
  // transaction's own settings come back (on error the transaction is aborted and its rollback resets them).
  try {
    const saved = (await outer.query<{ role: string; user_id: string; c: string; k: string; t: string }>(SAVE_SQL)).rows[0]!;
    await outer.query(CLAIMS_SQL, claimsOf(caller));
    const result = await fn(outer);
    await outer.query(CLAIMS_SQL, [saved.role, saved.user_id, saved.c, saved.k, saved.t]);
    return result;
  } catch (e) {
    throw mapDbError(e);
  }
}

// --- one statement in one round trip ---------------------------------------------------------------------------

const RETRYABLE = new Set(["40001", "40P01"]);

/** A string as an SQL literal, as pg.escapeLiteral writes it (quotes doubled; with a backslash, an E'' string
 *  with backslashes doubled, right whatever standard_conforming_strings says), in two native passes: pg's
 *  character loop takes ~1 ms for a 70 KB workflow definition. */
function quote(s: string): string {
  // a simple-protocol message is a C string: a NUL would end it mid-literal (and desynchronise the connection);
  // the extended protocol refuses it too (22021), so it is the same typed error
  if (s.includes("\u0000")) throw new ValidationError("invalid text (NUL character)", { sqlState: "22021" });
  const body = s.replaceAll("'", "''");
  return s.includes("\\") ? ` E'${body.replaceAll("\\", "\\\\")}'` : `'${body}'`;
}

/** A parameter as an SQL literal of unknown type: what the extended protocol sends (text the server casts). */
function literal(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return quote(v);
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean") return quote(String(v));
  if (v instanceof Date) return quote(v.toISOString());
  throw new TypeError("queryAs takes strings, numbers, booleans, dates and null as parameters (stringify JSON first)");
}

/** The statement with its $n parameters written as literals (text must have no $ outside its placeholders). */
function inline(text: string, values: readonly unknown[]): string {
  return text.replace(/\$(\d+)/g, (_, n: string) => {
    const i = Number(n) - 1;
    if (i < 0 || i >= values.length) throw new RangeError(`queryAs: no value for $${n}`);
    return literal(values[i]);
  });
}

/**
 * Runs one statement for the caller (see the top of this file), in one round trip where it can: a user caller
 * outside a transaction sends its claims and the statement as one simple-protocol message, which PostgreSQL
 * runs as one implicit transaction (the claims are local to it; a failure rolls back both; read-only when
 * asked), instead of begin, claims, statement, commit: four round trips. Query metrics name the message by its
 * statement (src/monitoring/instrument.ts names long texts from their head, uncached). The parameters travel as literals of
 * unknown type, as the extended protocol sends them; `text` must have no `$` outside its placeholders.
 * Serialization failures and deadlocks are retried like withTransaction does. Inside withTransaction(pool, ...)
 * the statement joins the caller's transaction (runAs); a service caller runs it as one autocommit statement.
 */
export async function queryAs<R extends pg.QueryResultRow = any>(pool: pg.Pool, caller: Caller, text: string, values: readonly unknown[] = [],
  opts: { readOnly?: boolean } = {}): Promise<pg.QueryResult<R>> {
  if (!isUser(caller) || currentClient(pool)) {
    return runAs(pool, caller, (q) => q.query<R>(text, values as unknown[]), { readOnly: opts.readOnly, singleStatement: true });
  }
  // read-only is set inside the claims statement (allowed at any point of a transaction, unlike read-write), so the
  // message reads as its statement does: "select ..., then the statement" (query metrics name it by the statement)
  const claims = inline(CLAIMS_SQL, claimsOf(caller));
  const message = `${opts.readOnly ? claims.replace(/^select /, "select set_config('transaction_read_only', 'on', true), ") : claims}; ${inline(text, values)}`;
  for (let attempt = 0; ; attempt++) {
    try {
      const res = (await pool.query(message)) as unknown as pg.QueryResult<R> | pg.QueryResult<R>[];
      return Array.isArray(res) ? res[res.length - 1]! : res;
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (!(code && RETRYABLE.has(code) && attempt < 5)) throw mapDbError(e);
      await new Promise((r) => setTimeout(r, Math.min(1000, 5 * 2 ** attempt) * (0.5 + Math.random())));
    }
  }
}
