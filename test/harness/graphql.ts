// Calling the GraphQL API from tests: in-process (grafast, no HTTP) and over HTTP (a real server on a free port).
import { SignJWT } from "jose";
import { postgraphile } from "postgraphile";
import { grafast } from "postgraphile/grafast";
import { loadConfig, type Config } from "../../src/config.ts";
import { ROLES } from "../../src/db/roles.ts";
import { makePreset } from "../../src/server/preset.ts";
import { createHttpApp, type HttpApp } from "../../src/server/http.ts";
import type { TestDatabase } from "./db.ts";

export const TEST_JWT_SECRET = "linkflow-test-secret-at-least-32-characters-long";

export function testConfig(overrides: Record<string, string> = {}): Readonly<Config> {
  return loadConfig({ NODE_ENV: "test", JWT_SECRET: TEST_JWT_SECRET, ...overrides });
}

export async function signToken(userId: string, opts: { secret?: string; expiresIn?: string } = {}): Promise<string> {
  return new SignJWT({ user_id: userId })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime(opts.expiresIn ?? "1h")
    .sign(new TextEncoder().encode(opts.secret ?? TEST_JWT_SECRET));
}

export interface GraphQLResult<T = any> { data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] }

/** In-process GraphQL: builds the schema once per client and executes with the given user's pgSettings. */
export function inProcessGraphQL(db: TestDatabase, configOverrides: Record<string, string> = {}) {
  const config = testConfig(configOverrides);
  const pgl = postgraphile(makePreset({ config, authPool: db.authPool }));
  return {
    async query<T = any>(source: string, variableValues?: Record<string, unknown>, userId?: string | null): Promise<GraphQLResult<T>> {
      const { schema, resolvedPreset } = await pgl.getSchemaResult();
      const pgSettings = userId ? { role: ROLES.visitor, "jwt.claims.user_id": userId } : { role: ROLES.anonymous };
      const result = await grafast({
        schema, resolvedPreset, source, variableValues,
        requestContext: { linkflowPgSettings: pgSettings } as never,
      });
      return JSON.parse(JSON.stringify(result)) as GraphQLResult<T>;
    },
    release: () => pgl.release(),
  };
}

/** A real HTTP server on a free port. */
export async function httpGraphQL(db: TestDatabase, configOverrides: Record<string, string> = {}) {
  const config = testConfig(configOverrides);
  const app: HttpApp = await createHttpApp({ config, authPool: db.authPool, ownerPool: db.pool });
  const { url } = await app.listen(0, "127.0.0.1");
  return {
    url,
    app,
    async query<T = any>(source: string, variables?: Record<string, unknown>, token?: string): Promise<{ status: number; body: GraphQLResult<T> }> {
      const res = await fetch(`${url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query: source, variables }),
      });
      return { status: res.status, body: (await res.json()) as GraphQLResult<T> };
    },
    close: () => app.close(),
  };
}
