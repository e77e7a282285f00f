import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SignJWT, generateKeyPair, exportSPKI } from "jose";
import { useTestDatabase } from "../harness/db.ts";
import { makeTeam, makeUser, makeWorkflow } from "../harness/fixtures.ts";
import { httpGraphQL, inProcessGraphQL, signToken } from "../harness/graphql.ts";
import { GraphQLError } from "postgraphile/graphql";
import { maskError } from "../../src/server/preset.ts";

const db = useTestDatabase();
let http: Awaited<ReturnType<typeof httpGraphQL>>;
let member: { id: string };
let teamId: string;

beforeAll(async () => {
  member = await makeUser(db.pool, { name: "Member" });
  const t = await makeTeam(db.pool, [{ userId: member.id, role: "owner" }]);
  teamId = t.id;
  await makeWorkflow(db.pool, t.id, { name: "Visible" });
  const other = await makeTeam(db.pool);
  await makeWorkflow(db.pool, other.id, { name: "Hidden" });
  http = await httpGraphQL(db);
});
afterAll(async () => { await http?.close(); });

describe("the GraphQL API", () => {
  it("answers a JWT-authenticated query with the caller's rows only (RLS)", async () => {
    const res = await http.query("{ currentUserId workflows { nodes { name teamId } } }", undefined, await signToken(member.id));
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.currentUserId).toBe(member.id);
    expect(res.body.data.workflows.nodes).toEqual([{ name: "Visible", teamId }]);
  });

  it("refuses a forged token (wrong secret) with 401", async () => {
    const forged = await signToken(member.id, { secret: "some-other-secret-that-is-long-enough-123" });
    const res = await http.query("{ currentUserId }", undefined, forged);
    expect(res.status).toBe(401);
    expect(res.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("refuses expired tokens and tokens without a user id", async () => {
    const expired = await signToken(member.id, { expiresIn: "-1m" });
    expect((await http.query("{ currentUserId }", undefined, expired)).status).toBe(401);
    const noUser = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setExpirationTime("1h")
      .sign(new TextEncoder().encode("linkflow-test-secret-at-least-32-characters-long"));
    expect((await http.query("{ currentUserId }", undefined, noUser)).status).toBe(401);
  });

  it("treats a request without a token as anonymous, with no data access", async () => {
    const res = await http.query("{ workflows { nodes { name } } }");
    expect(res.body.data?.workflows ?? null).toBeNull();
    expect(res.body.errors?.[0]?.message).toMatch(/permission denied|unexpected error/i);
    expect(JSON.stringify(res.body)).not.toMatch(/app_public|select |relation /i);
  });

  it("supports RS256 tokens with a configured public key", async () => {
    const { publicKey, privateKey } = await generateKeyPair("RS256");
    const server = await httpGraphQL(db, { JWT_PUBLIC_KEY: await exportSPKI(publicKey) });
    try {
      const token = await new SignJWT({ user_id: member.id }).setProtectedHeader({ alg: "RS256" }).setExpirationTime("1h").sign(privateKey);
      const res = await server.query("{ currentUserId }", undefined, token);
      expect(res.body.data.currentUserId).toBe(member.id);
    } finally {
      await server.close();
    }
  });

  it("limits page size, query depth and cost", async () => {
    const token = await signToken(member.id);
    const big = await http.query("query($n: Int) { workflows(first: $n) { nodes { name } } }", { n: 100000 }, token);
    expect(big.status).toBe(400);
    expect(JSON.stringify(big.body)).toMatch(/page size/);
    const literal = await http.query("{ workflows(first: 5000) { nodes { name } } }", undefined, token);
    expect(JSON.stringify(literal.body)).toMatch(/page size/);
    const deep = "{ workflows { nodes { team { workflows { nodes { team { workflows { nodes { team { workflows { nodes { name } } } } } } } } } } } }";
    const d = await http.query(deep, undefined, token);
    expect(JSON.stringify(d.body)).toMatch(/depth/);
    const ok = await http.query("{ workflows(first: 100) { nodes { name } } }", undefined, token);
    expect(ok.body.errors).toBeUndefined();
  });

  it("answers in-process (no HTTP) with the same RLS", async () => {
    const gql = inProcessGraphQL(db);
    try {
      const res = await gql.query("{ workflows { nodes { name } } }", undefined, member.id);
      expect(res.data?.workflows.nodes).toEqual([{ name: "Visible" }]);
      const anon = await gql.query("{ workflows { nodes { name } } }");
      expect(anon.data?.workflows ?? null).toBeNull();
    } finally {
      await gql.release();
    }
  });

  it("masks internal errors and keeps typed codes without SQL internals", () => {
    const pgErr = (code: string, message: string, detail?: string) => Object.assign(new Error(message), { code, detail });
    const internal = maskError(new GraphQLError("boom", { originalError: pgErr("XX000", "relation app_private.secret failed") }));
    expect(internal.message).toMatch(/unexpected error occurred \(reference/);
    expect(JSON.stringify(internal)).not.toMatch(/app_private/);
    const typed = maskError(new GraphQLError("stale", { originalError: pgErr("LFVER", "stream s is at version 3", "current_version=3") }));
    expect(typed.extensions).toMatchObject({ code: "VERSION_CONFLICT", detail: "current_version=3" });
    const unique = maskError(new GraphQLError("dup", { originalError: Object.assign(pgErr("23505", "duplicate key value violates unique constraint \"users_email_key\""), { constraint: "users_email_key", table: "users" }) }));
    expect(unique.extensions).toMatchObject({ code: "CONFLICT", field: "email" });
  });

  it("serves /healthz and /readyz", async () => {
    expect((await fetch(`${http.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${http.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready" });
  });
});
