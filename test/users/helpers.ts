// Shared setup for the users tests: auth settings with a cheap bcrypt cost, and registered users.
import type pg from "pg";
import { configureAuth } from "../../src/users/auth.ts";
import { testConfig } from "../harness/graphql.ts";

export const PASSWORD = "correct-horse-9";

export async function setupAuth(pool: pg.Pool, opts: { restoreWindowDays?: number } = {}): Promise<void> {
  await configureAuth(pool, testConfig().jwt, { bcryptCost: 4, ...opts });
}

let n = 0;
export function uniqueEmail(prefix = "u"): string {
  return `${prefix}-${Date.now().toString(36)}-${(n++).toString(36)}-${Math.random().toString(36).slice(2, 6)}@example.com`;
}

/** Registers a user through the SQL API (as the anonymous visitor would). */
export async function register(pool: pg.Pool, attrs: { email?: string; name?: string; password?: string } = {}): Promise<{ id: string; email: string }> {
  const email = attrs.email ?? uniqueEmail();
  const { rows } = await pool.query("select id, email::text from app_public.register($1, $2, $3)", [email, attrs.name ?? "Test User", attrs.password ?? PASSWORD]);
  return rows[0];
}

/** The typed error a promise rejects with (mapped from SQLSTATE by the caller when needed). */
export async function rejection(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected the promise to reject");
}

/** Closes a test HTTP server. (src/server/http.ts close() releases PostGraphile twice: grafserv's release
 * already releases it, so the second call throws "Release has already been called"; reported to the lead.) */
export async function closeQuietly(app: { close(): Promise<void> }): Promise<void> {
  await app.close().catch((e: Error) => {
    if (!/Release has already been called/.test(e.message)) throw e;
  });
}

/** Runs fn with a restore window of 1 ms (so everything already soft-deleted is past it), then puts 30 days back. */
export async function withRestoreWindow<T>(pool: pg.Pool, fn: () => Promise<T>): Promise<T> {
  await pool.query("update app_private.auth_settings set restore_window = interval '1 millisecond'");
  await new Promise((r) => setTimeout(r, 5));
  try {
    return await fn();
  } finally {
    await pool.query("update app_private.auth_settings set restore_window = interval '30 days'");
  }
}
