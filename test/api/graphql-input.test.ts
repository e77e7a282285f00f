// Hostile input over HTTP: NUL bytes, invalid Unicode and over-deep JSON are VALIDATION errors naming the field,
// never a masked INTERNAL error; tokens issued in the future are refused.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SignJWT } from "jose";
import { GraphQLError } from "postgraphile/graphql";
import { useTestDatabase } from "../harness/db.ts";
import { makeTeam, makeUser } from "../harness/fixtures.ts";
import { httpGraphQL, signToken, TEST_JWT_SECRET } from "../harness/graphql.ts";
import { maskError } from "../../src/server/preset.ts";

const db = useTestDatabase();
let http: Awaited<ReturnType<typeof httpGraphQL>>;
let userId: string;
let token: string;
let teamId: string;

beforeAll(async () => {
  userId = (await makeUser(db.pool)).id;
  teamId = (await makeTeam(db.pool, [{ userId, role: "owner" }])).id;
  token = await signToken(userId);
  http = await httpGraphQL(db);
  await http.query("{ __typename }"); // builds the schema
}, 60_000);
afterAll(async () => { await http?.close(); });

const UPDATE_PROFILE = "mutation($name: String!) { updateProfile(input: { name: $name }) { clientMutationId } }";
const CREATE_WORKFLOW = "mutation($teamId: UUID!, $definition: JSON!) { createWorkflow(input: { teamId: $teamId, definition: $definition }) { clientMutationId } }";

function firstError(body: { errors?: { message: string; extensions?: Record<string, unknown> }[] }) {
  return body.errors?.[0];
}

describe("input errors", () => {
  it("a NUL character in a string variable is VALIDATION naming the field", async () => {
    const res = await http.query(UPDATE_PROFILE, { name: "bad\u0000name" }, token);
    expect(firstError(res.body)?.extensions).toMatchObject({ code: "VALIDATION", field: "name" });
    const { rows } = await db.pool.query("select name from app_public.users where id = $1", [userId]);
    expect(rows[0].name).not.toContain("bad");
  });

  it("a NUL character written into the document is VALIDATION", async () => {
    const res = await http.query('mutation { updateProfile(input: { name: "bad\\u0000name" }) { clientMutationId } }', undefined, token);
    expect(firstError(res.body)?.extensions?.code).toBe("VALIDATION");
  });

  it("a NUL character inside JSON is VALIDATION naming the field", async () => {
    const definition = { name: "x", nodes: [{ name: "Start", type: "trigger.manual", parameters: { note: "a\u0000b" } }], connections: [] };
    const res = await http.query(CREATE_WORKFLOW, { teamId, definition }, token);
    expect(firstError(res.body)?.extensions).toMatchObject({ code: "VALIDATION", field: "definition.nodes[0].parameters.note" });
  });

  it("a string that is not valid Unicode (lone surrogate) is VALIDATION", async () => {
    const body = `{"query":${JSON.stringify(UPDATE_PROFILE)},"variables":{"name":"bad\\ud800name"}}`;
    const res = await fetch(`${http.url}/graphql`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body });
    const json = await res.json() as { errors?: { extensions?: Record<string, unknown> }[] };
    expect(json.errors?.[0]?.extensions).toMatchObject({ code: "VALIDATION", field: "name" });
  });

  it("JSON variables nested thousands deep are VALIDATION, not a stack overflow", async () => {
    const depth = 5000;
    const deep = `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
    const body = `{"query":${JSON.stringify(CREATE_WORKFLOW)},"variables":{"teamId":"${teamId}","definition":${deep}}}`;
    const res = await fetch(`${http.url}/graphql`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body });
    const json = await res.json() as { errors?: { extensions?: Record<string, unknown> }[] };
    expect(json.errors?.[0]?.extensions).toMatchObject({ code: "VALIDATION", field: "definition" });
  });

  it("database input errors (22021, 22001, other class 22) map to VALIDATION, not INTERNAL", () => {
    const pgErr = (code: string, message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { code, ...extra });
    const nul = maskError(new GraphQLError("x", { originalError: pgErr("22021", 'invalid byte sequence for encoding "UTF8": 0x00') }));
    expect(nul.extensions).toMatchObject({ code: "VALIDATION", sqlState: "22021" });
    const long = maskError(new GraphQLError("x", { originalError: pgErr("22001", "value too long for type character varying(10)", { column: "name" }) }));
    expect(long.extensions).toMatchObject({ code: "VALIDATION", field: "name" });
    const esc = maskError(new GraphQLError("x", { originalError: pgErr("22025", "invalid escape sequence") }));
    expect(esc.extensions?.code).toBe("VALIDATION");
  });
});

describe("tokens", () => {
  const sign = (claims: Record<string, unknown>) => new SignJWT({ user_id: userId, ...claims }).setProtectedHeader({ alg: "HS256" })
    .sign(new TextEncoder().encode(TEST_JWT_SECRET));
  const now = () => Math.floor(Date.now() / 1000);

  it("refuses a validly signed token issued in the future beyond the clock skew", async () => {
    const future = await sign({ iat: now() + 3600, exp: now() + 7200 });
    const res = await http.query("{ currentUserId }", undefined, future);
    expect(res.status).toBe(401);
    expect(firstError(res.body)?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("accepts a token issued a few seconds ahead (within JWT_CLOCK_SKEW_S)", async () => {
    const soon = await sign({ iat: now() + 5, exp: now() + 3600 });
    const res = await http.query("{ currentUserId }", undefined, soon);
    expect(res.body.data?.currentUserId).toBe(userId);
  });

  it("refuses a token not yet valid (nbf in the future) and one without exp", async () => {
    const nbf = await sign({ iat: now(), nbf: now() + 3600, exp: now() + 7200 });
    expect((await http.query("{ currentUserId }", undefined, nbf)).status).toBe(401);
    const noExp = await sign({ iat: now() });
    expect((await http.query("{ currentUserId }", undefined, noExp)).status).toBe(401);
  });
});
