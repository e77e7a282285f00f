// The users repository with the cache in front of its point reads (docs/cache.md): GetByID and GetByEmail are
// cache-aside (tiered: local LRU + Redis, single-flight, guarded sets, negative caching of not-found); every
// write goes to PostgreSQL through UserRepository and invalidates the affected keys after the commit. Writes
// that bypass TypeScript are invalidated by the SQL triggers (migration 000003) through the worker.
//
// Reads here are the owner's (no RLS): callers authorize (e.g. team membership) before returning data.
import type pg from "pg";
import { cached, cacheKeys, dateJsonCodec, invalidateAfterCommit, policies, userKeys, type Cache, type CachedFunction } from "../cache/index.ts";
import { withTransaction } from "../db/transaction.ts";
import { UserRepository, type CreateUserInput, type User, type UserPatch } from "./repository.ts";

export class CachedUserRepository {
  readonly repo: UserRepository;
  readonly getById: CachedFunction<[string], User>;
  readonly getByEmail: CachedFunction<[string], User>;
  private readonly pool: pg.Pool;
  private readonly cache: Cache;

  constructor(pool: pg.Pool, cache: Cache, repo: UserRepository = new UserRepository(pool)) {
    this.pool = pool;
    this.cache = cache;
    this.repo = repo;
    const options = { ...policies.user, codec: dateJsonCodec, notFound: "throw" as const };
    this.getById = cached(cache, (id: string) => orNull(repo.getById(id)), { key: cacheKeys.userById, ...options });
    this.getByEmail = cached(cache, (email: string) => orNull(repo.getByEmail(email)), { key: cacheKeys.userByEmail, ...options });
  }

  create(input: CreateUserInput): Promise<User> {
    // a cached "not found" for this email must go
    return this.write(() => this.repo.create(input), (u) => userKeys(u));
  }

  async update(id: string, patch: UserPatch, opts: { expectedVersion?: number } = {}): Promise<User> {
    let previousEmail: string | null = null;
    return this.write(async () => {
      previousEmail = (await this.repo.getById(id).catch(() => null))?.email ?? null;
      return this.repo.update(id, patch, opts);
    }, (u) => userKeys(u, previousEmail));
  }

  async softDelete(id: string): Promise<void> {
    const before = await this.repo.getById(id).catch(() => null);
    await this.write(() => this.repo.softDelete(id), () => userKeys({ id, email: before?.email ?? null }));
  }

  async restore(id: string): Promise<User> {
    return this.write(() => this.repo.restore(id), (u) => userKeys(u));
  }

  /** One transaction: the write, then (only once it committed) the invalidation. */
  private write<R>(fn: () => Promise<R>, keys: (r: R) => string[]): Promise<R> {
    return withTransaction(this.pool, async () => {
      const r = await fn();
      const k = keys(r);
      // user:<id> is the tag of what derives from the user (e.g. cached team memberships)
      const tags = k.filter((x) => x.startsWith("users:id:")).map((x) => `user:${x.slice("users:id:".length)}`);
      await invalidateAfterCommit(this.pool, this.cache, { keys: k, tags });
      return r;
    });
  }
}

async function orNull(p: Promise<User>): Promise<User | null> {
  try {
    return await p;
  } catch (e) {
    if ((e as { code?: string }).code === "NOT_FOUND") return null;
    throw e;
  }
}
