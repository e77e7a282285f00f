// Per-test-file database: cloned from the migrated template, dropped afterwards. Files run in parallel and
// never see each other's rows.
//
//   const db = useTestDatabase();          // in a test file (registers beforeAll/afterAll)
//   await db.pool.query(...)                // as the owner
//   await db.asUser(userId, (c) => c.query(...))   // as linkflow_visitor with jwt.claims.user_id (RLS applies)
import { afterAll, beforeAll, inject } from "vitest";
import pg from "pg";
import { withDatabase } from "../../src/config.ts";
import { createPool } from "../../src/db/pool.ts";
import { withTransaction } from "../../src/db/transaction.ts";
import { ROLES } from "../../src/db/roles.ts";
import { instrumentPool } from "../../src/monitoring/instrument.ts";
import { authUrlFor, ownerUrlFor } from "./template.ts";

export interface TestDatabase {
  name: string;
  /** Superuser URL of this database. */
  rootUrl: string;
  ownerUrl: string;
  authUrl: string;
  /** Owner pool (migrations' role; bypasses nothing: RLS is not forced on the owner). */
  pool: pg.Pool;
  /** Authenticator pool (what PostGraphile uses). */
  authPool: pg.Pool;
  /** Runs fn in a transaction as the visitor role with the given user's claims (null: no user). */
  asUser<T>(userId: string | null, fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  /** Runs fn in a transaction as the anonymous role. */
  asAnonymous<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
}

const poolSettings = { max: 10, idleTimeoutMs: 10_000, connectionTimeoutMs: 10_000, statementTimeoutMs: 60_000, applicationName: "linkflow-test" };

export async function createTestDatabase(): Promise<TestDatabase & { drop(): Promise<void> }> {
  const rootUrl = inject("pgRootUrl");
  const template = inject("pgTemplate");
  const name = `lf_t_${inject("runId")}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const root = new pg.Client({ connectionString: rootUrl });
  await root.connect();
  try {
    // CREATE DATABASE ... TEMPLATE fails if another session is cloning the same template at that instant.
    for (let i = 0; ; i++) {
      try {
        await root.query(`create database ${name} template ${template} owner ${ROLES.owner}`);
        break;
      } catch (e) {
        if ((e as { code?: string }).code !== "55006" || i > 50) throw e;
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
      }
    }
  } finally {
    await root.end();
  }
  const ownerUrl = ownerUrlFor(rootUrl, name);
  const authUrl = authUrlFor(rootUrl, name);
  const pool = createPool(ownerUrl, poolSettings, "test-owner", { instrument: instrumentPool });
  const authPool = createPool(authUrl, poolSettings, "test-auth", { instrument: instrumentPool });
  // The template may be older than today: keep partitions current.
  await pool.query("select count(*) from app_private.ensure_partitions()");
  return {
    name, rootUrl: withDatabase(rootUrl, name), ownerUrl, authUrl, pool, authPool,
    asUser: (userId, fn) => withTransaction(pool, fn, { asUser: { userId, role: ROLES.visitor } }),
    asAnonymous: (fn) => withTransaction(pool, fn, { asUser: { userId: null, role: ROLES.anonymous } }),
    async drop() {
      await Promise.all([pool.end(), authPool.end()]);
      const c = new pg.Client({ connectionString: rootUrl });
      await c.connect();
      try { await c.query(`drop database if exists ${name} with (force)`); } finally { await c.end(); }
    },
  };
}

/** Registers a per-file database; the returned object is filled in by beforeAll. */
export function useTestDatabase(): TestDatabase {
  const handle = {} as TestDatabase & { drop?: () => Promise<void> };
  beforeAll(async () => { Object.assign(handle, await createTestDatabase()); }, 60_000);
  afterAll(async () => { await handle.drop?.(); }, 60_000);
  return handle;
}

/** Redis URL for tests, or null (then skip, loudly: see global-setup). */
export function testRedisUrl(): string | null {
  return inject("redisUrl");
}
