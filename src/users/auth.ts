// Token signing settings live in the database (app_private.auth_settings, owner only) so that
// app_public.authenticate() can sign HS256 JWTs in SQL with the same secret the server verifies with.
// The trusted server writes them at start from its configuration.
import type { Config } from "../config.ts";
import { ConfigError } from "../errors.ts";
import type { Queryable } from "../db/pool.ts";

export interface AuthSettings {
  tokenTtlSeconds?: number;
  /** bcrypt cost (4-15): 10 in production (~70 ms per hash); tests use 4. */
  bcryptCost?: number;
  /** How long soft-deleted users and teams can be restored (default 30 days). */
  restoreWindowDays?: number;
}

export async function configureAuth(owner: Queryable, jwt: Omit<Config["jwt"], "clockSkewS">, settings: AuthSettings = {}): Promise<void> {
  if (!jwt.secret) throw new ConfigError("authenticate() signs HS256 tokens: JWT_SECRET is required");
  await owner.query("select app_private.configure_auth($1, $2, $3, make_interval(secs => $4), $5, make_interval(days => $6))", [
    jwt.secret, jwt.issuer, jwt.audience, settings.tokenTtlSeconds ?? 3600, settings.bcryptCost ?? 10, settings.restoreWindowDays ?? 30,
  ]);
}
