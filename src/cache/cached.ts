// cached(): turns a repository read into a cache-aside read with one line, keeping its signature.
//
//   const getUserById = cached(cache, (id: string) => usersRepo.getById(id), {
//     key: cacheKeys.userById, ...policies.user, notFound: "throw" });
//
// and writeThrough(): wraps a repository write so the cache is invalidated after the commit, never before.
import type pg from "pg";
import { afterCommit, withTransaction } from "../db/transaction.ts";
import { NotFoundError } from "../errors.ts";
import type { Cache, EntryOptions, InvalidateTargets } from "./types.ts";

export interface CachedOptions<A extends unknown[]> extends Omit<EntryOptions, "tags"> {
  /** The logical cache key of a call; null bypasses the cache for that call. */
  key: (...args: A) => string | null;
  tags?: (...args: A) => readonly string[];
  /**
   * "null" (default): not-found is null. "throw": the loader's NotFoundError is cached as a not-found, and a
   * cached not-found is thrown again as NotFoundError (for repositories that throw instead of returning null).
   */
  notFound?: "null" | "throw";
}

export type CachedFunction<A extends unknown[], R> = ((...args: A) => Promise<R>) & {
  /** Invalidates the entry of these arguments (every tier, every process). */
  invalidate(...args: A): Promise<void>;
  keyOf(...args: A): string | null;
};

export function cached<A extends unknown[], R>(
  cache: Cache,
  loader: (...args: A) => Promise<R>,
  opts: CachedOptions<A> & { notFound: "throw" },
): CachedFunction<A, Exclude<R, null | undefined>>;
export function cached<A extends unknown[], R>(
  cache: Cache,
  loader: (...args: A) => Promise<R>,
  opts: CachedOptions<A>,
): CachedFunction<A, R | null>;
export function cached<A extends unknown[], R>(cache: Cache, loader: (...args: A) => Promise<R>, opts: CachedOptions<A>): CachedFunction<A, unknown> {
  const { key, tags, notFound = "null", ...entry } = opts;
  const fn = async (...args: A) => {
    const k = key(...args);
    if (k === null) return loader(...args);
    const value = await cache.getOrSet(k, async () => {
      if (notFound === "null") return loader(...args);
      try {
        return await loader(...args);
      } catch (e) {
        if (e instanceof NotFoundError) return null;
        throw e;
      }
    }, { ...entry, tags: tags?.(...args) ?? [] });
    if (value === null && notFound === "throw") throw new NotFoundError(`not found: ${k}`);
    return value;
  };
  return Object.assign(fn, {
    invalidate: async (...args: A) => {
      const k = key(...args);
      if (k !== null) await cache.delete(k);
    },
    keyOf: (...args: A) => key(...args),
  });
}

/**
 * Runs fn after the transaction in progress on `pool` commits (immediately when there is none) and
 * invalidates the targets then. Best effort: a Redis failure is recorded, and the SQL triggers' jobs retry.
 */
export async function invalidateAfterCommit(pool: pg.Pool, cache: Cache, targets: InvalidateTargets): Promise<void> {
  await afterCommit(pool, () => cache.invalidate(targets));
}

/**
 * Wraps a repository write: it runs inside a transaction on `pool` (the repository's own withTransaction
 * nests into it), and the targets computed from its result are invalidated after the outermost commit.
 */
export function writeThrough<A extends unknown[], R>(
  pool: pg.Pool,
  cache: Cache,
  write: (...args: A) => Promise<R>,
  targets: (result: R, ...args: A) => InvalidateTargets,
): (...args: A) => Promise<R> {
  return (...args: A) => withTransaction(pool, async () => {
    const result = await write(...args);
    await invalidateAfterCommit(pool, cache, targets(result, ...args));
    return result;
  });
}
