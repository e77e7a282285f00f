// withTransaction: the one transaction helper every repository uses.
// - retries serialization failures (40001) and deadlocks (40P01) with jittered exponential backoff;
// - nested calls (same pool, same async context) reuse the outer transaction's client;
// - errors leave as typed LinkFlowErrors;
// - afterCommit(pool, fn) runs fn once the outermost transaction has committed (cache invalidation).
import { AsyncLocalStorage } from "node:async_hooks";
import type pg from "pg";
import { logger } from "../logger.ts";
import { mapDbError } from "./errors.ts";

export type IsolationLevel = "read committed" | "repeatable read" | "serializable";
export interface TransactionOptions {
  isolation?: IsolationLevel;
  readOnly?: boolean;
  maxRetries?: number;
  /** Run the transaction as the visitor role with these JWT claims (RLS applies). */
  asUser?: { userId: string | null; role?: string };
}

const current = new AsyncLocalStorage<Map<pg.Pool, pg.PoolClient>>();
/** Callbacks to run after the outermost transaction of a client commits (see afterCommit). */
const commitHooks = new WeakMap<pg.PoolClient, (() => unknown)[]>();
const RETRYABLE = new Set(["40001", "40P01"]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
  const outer = current.getStore()?.get(pool);
  if (outer) return fn(outer);
  const maxRetries = opts.maxRetries ?? 5;
  for (let attempt = 0; ; attempt++) {
    const client = await pool.connect().catch((e: unknown) => { throw mapDbError(e); });
    let failure: unknown;
    let broken = false;
    // The backend may die while fn awaits something else: the client then emits 'error', which must not
    // crash the process (the next query fails and the transaction is retried or reported as usual).
    const onError = () => { broken = true; };
    client.on("error", onError);
    try {
      await client.query(
        `begin${opts.isolation ? ` isolation level ${opts.isolation}` : ""}${opts.readOnly ? " read only" : ""}`,
      );
      if (opts.asUser) {
        await client.query("select set_config('role', $1, true), set_config('jwt.claims.user_id', $2, true)", [
          opts.asUser.role ?? "linkflow_visitor",
          opts.asUser.userId ?? "",
        ]);
      }
      const store = new Map(current.getStore() ?? []);
      store.set(pool, client);
      const hooks: (() => unknown)[] = [];
      commitHooks.set(client, hooks);
      let result: T;
      try {
        result = await current.run(store, () => fn(client));
        await client.query("commit");
      } finally {
        commitHooks.delete(client);
      }
      await runHooks(hooks);
      return result;
    } catch (e) {
      failure = e;
      try { await client.query("rollback"); } catch { broken = true; }
    } finally {
      client.off("error", onError);
      client.release(broken);
    }
    const code = (failure as { code?: string }).code;
    if (!(code && RETRYABLE.has(code) && attempt < maxRetries)) throw mapDbError(failure);
    await sleep(Math.min(1000, 5 * 2 ** attempt) * (0.5 + Math.random()));
  }
}

async function runHooks(hooks: (() => unknown)[]): Promise<void> {
  for (const hook of hooks) {
    try { await hook(); } catch (e) {
      logger.warn({ err: { message: (e as Error).message } }, "after-commit hook failed");
    }
  }
}

/**
 * Runs fn after the transaction in progress on this pool commits (never before; not at all on rollback or
 * on a retried attempt). Outside a transaction, the work is already committed: fn runs now. Hook errors are
 * logged, never thrown: the transaction's result stands.
 */
export async function afterCommit(pool: pg.Pool, fn: () => unknown): Promise<void> {
  const client = current.getStore()?.get(pool);
  const hooks = client ? commitHooks.get(client) : undefined;
  if (hooks) hooks.push(fn);
  else await runHooks([fn]);
}

/** The client of the transaction in progress on this pool, if any. */
export function currentClient(pool: pg.Pool): pg.PoolClient | undefined {
  return current.getStore()?.get(pool);
}
