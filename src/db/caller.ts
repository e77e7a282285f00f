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
