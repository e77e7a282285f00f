import { beforeAll, describe, expect, it } from "vitest";
import { jwtVerify } from "jose";
import pg from "pg";
import { mapDbError } from "../../src/db/errors.ts";
import { configureAuth } from "../../src/users/auth.ts";
import { useTestDatabase } from "../harness/db.ts";
import { httpGraphQL, inProcessGraphQL, TEST_JWT_SECRET, testConfig } from "../harness/graphql.ts";
import { closeQuietly, PASSWORD, register, rejection, setupAuth, uniqueEmail } from "./helpers.ts";

const db = useTestDatabase();
const sqlError = async (p: Promise<unknown>) => mapDbError(await rejection(p));

describe("users: registration and authentication (SQL API)", () => {
  beforeAll(async () => { await setupAuth(db.pool); });

  it("registers a user with a bcrypt hash kept out of app_public", async () => {
    const u = await register(db.pool, { email: uniqueEmail("reg") });
    const { rows } = await db.pool.query("select password_hash from app_private.user_secrets where user_id = $1", [u.id]);
    expect(rows[0].password_hash).toMatch(/^\$2a\$04\$/);
    const cols = await db.pool.query("select column_name from information_schema.columns where table_schema = 'app_public' and table_name = 'users'");
    expect(cols.rows.map((r) => r.column_name)).not.toContain("password_hash");
  });

  it("treats emails case-insensitively: a second registration with other case is a conflict on email", async () => {
    const email = uniqueEmail("Case");
    await register(db.pool, { email });
    const e = await sqlError(register(db.pool, { email: email.toUpperCase() }));
    expect(e.code).toBe("CONFLICT");
    expect(e.field).toBe("email");
    const { rows } = await db.pool.query("select count(*)::int as n from app_public.users where email = $1::citext", [email]);
    expect(rows[0].n).toBe(1);
  });

  it.each([
    ["short1", "at least 8"],
    ["onlyletters", "mix letters"],
    ["12345678", "mix letters"],
    ["Password1", "too common"],
    ["x".repeat(70) + "é1", "72 bytes"],
  ])("refuses the weak password %j with LFVAL field password and writes nothing", async (password, message) => {
    const email = uniqueEmail("weak");
    const e = await sqlError(register(db.pool, { email, password }));
    expect(e.code).toBe("VALIDATION");
    expect(e.field).toBe("password");
    expect(e.message).toContain(message);
    const { rowCount } = await db.pool.query("select 1 from app_public.users where email = $1", [email]);
    expect(rowCount).toBe(0);
  });

  it("refuses a password equal to the email's local part", async () => {
    const e = await sqlError(register(db.pool, { email: "alice.smith1@example.com", password: "alice.smith1" }));
    expect(e.field).toBe("password");
    expect(e.message).toContain("email");
  });

  it("authenticate returns an HS256 JWT the server's secret verifies, with sub and user_id", async () => {
    const u = await register(db.pool);
    const { rows } = await db.asAnonymous((c) => c.query("select app_public.authenticate($1, $2) as token", [u.email.toUpperCase(), PASSWORD]));
    const { payload, protectedHeader } = await jwtVerify(rows[0].token, new TextEncoder().encode(TEST_JWT_SECRET), { algorithms: ["HS256"] });
    expect(protectedHeader.alg).toBe("HS256");
    expect(payload.sub).toBe(u.id);
    expect(payload.user_id).toBe(u.id);
    expect(payload.exp! - payload.iat!).toBe(3600);
  });

  it("gives the same error for an unknown email, a wrong password, and a suspended or deleted user", async () => {
    const u = await register(db.pool);
    const suspended = await register(db.pool);
    await db.pool.query("update app_public.users set status = 'suspended' where id = $1", [suspended.id]);
    const deleted = await register(db.pool);
    await db.pool.query("update app_public.users set deleted_at = now() where id = $1", [deleted.id]);
    const errors = [];
    for (const [email, pw] of [[uniqueEmail("nobody"), PASSWORD], [u.email, "wrong-password-1"], [suspended.email, PASSWORD], [deleted.email, PASSWORD], [u.email, null]]) {
      errors.push(await rejection(db.asAnonymous((c) => c.query("select app_public.authenticate($1, $2)", [email, pw]))));
    }
    const shapes = errors.map((e) => ({ code: e.code, sqlState: e.sqlState, message: e.message, detail: e.detail }));
    expect(new Set(shapes.map((s) => JSON.stringify(s))).size).toBe(1);
    expect(shapes[0]).toEqual({ code: "FORBIDDEN", sqlState: "LFDNY", message: "invalid email or password", detail: "reason: credentials" });
  });

  it("spends the same bcrypt work on an unknown email as on a wrong password (constant-ish timing)", async () => {
    // Count pgcrypto crypt() calls per path (track_functions = all, a superuser setting, counts C functions).
    const root = new pg.Client({ connectionString: db.rootUrl });
    await root.connect();
    const u = await register(db.pool);
    try {
      const cryptCalls = async (email: string) => {
        await root.query("begin");
        await root.query("set local track_functions = 'all'");
        const before = await root.query("select coalesce(pg_stat_get_xact_function_calls('public.crypt(text,text)'::regprocedure), 0)::int as n");
        await root.query("savepoint a");
        await root.query("select app_public.authenticate($1, 'wrong-password-1')", [email]).catch(() => null);
        await root.query("rollback to savepoint a");
        const after = await root.query("select coalesce(pg_stat_get_xact_function_calls('public.crypt(text,text)'::regprocedure), 0)::int as n");
        await root.query("rollback");
        return after.rows[0].n - before.rows[0].n;
      };
      const unknown = await cryptCalls(uniqueEmail("nobody"));
      const wrong = await cryptCalls(u.email);
      expect(unknown).toBe(1);
      expect(wrong).toBe(1);
    } finally {
      await root.end();
    }
  });

  it("refuses to sign tokens before the server configured the secret", async () => {
    await db.pool.query("update app_private.auth_settings set jwt_secret = null");
    try {
      const u = await register(db.pool);
      const e = await rejection(db.pool.query("select app_public.authenticate($1, $2)", [u.email, PASSWORD]));
      expect(e.message).toContain("not configured");
      expect(mapDbError(e).code).toBe("INTERNAL");
    } finally {
      await setupAuth(db.pool);
    }
    await expect(configureAuth(db.pool, { ...testConfig().jwt, secret: null })).rejects.toMatchObject({ code: "CONFIG" });
  });

  it("changes the password only with the current one, and checks the new one's strength", async () => {
    const u = await register(db.pool);
    const wrong = await rejection(db.asUser(u.id, (c) => c.query("select app_public.change_password('not-it-123', 'another-pass-2')")));
    expect(mapDbError(wrong).code).toBe("FORBIDDEN");
    const weak = await rejection(db.asUser(u.id, (c) => c.query("select app_public.change_password($1, 'weak')", [PASSWORD])));
    expect(mapDbError(weak).field).toBe("password");
    await db.asUser(u.id, (c) => c.query("select app_public.change_password($1, 'another-pass-2')", [PASSWORD]));
    await expect(db.pool.query("select app_public.authenticate($1, $2)", [u.email, PASSWORD])).rejects.toMatchObject({ code: "LFDNY" });
    const { rows } = await db.pool.query("select app_public.authenticate($1, 'another-pass-2') as t", [u.email]);
    expect(rows[0].t.split(".")).toHaveLength(3);
    const anon = await rejection(db.asAnonymous((c) => c.query("select app_public.change_password('a', 'b')")));
    expect(anon).toMatchObject({ code: "FORBIDDEN", sqlState: "42501", message: "permission denied" });
  });

  it("updates the signed-in user's profile with an optional version check", async () => {
    const u = await register(db.pool);
    const { rows } = await db.asUser(u.id, (c) => c.query("select name, version from app_public.update_profile('New Name', 1)"));
    expect(rows[0]).toEqual({ name: "New Name", version: 2 });
    const stale = mapDbError(await rejection(db.asUser(u.id, (c) => c.query("select app_public.update_profile('Other', 1)"))));
    expect(stale.code).toBe("VERSION_CONFLICT");
    expect((stale as any).currentVersion).toBe(2);
    const noUser = mapDbError(await rejection(db.asUser(null, (c) => c.query("select app_public.update_profile('x')"))));
    expect(noUser.code).toBe("FORBIDDEN");
  });
});

describe("users: authentication through GraphQL and the HTTP server", () => {
  beforeAll(async () => { await setupAuth(db.pool); });

  it("registers and authenticates over HTTP as anonymous; the token then works as a Bearer token", async () => {
    const http = await httpGraphQL(db);
    try {
      const email = uniqueEmail("http");
      const reg = await http.query(`mutation($e: String!, $p: String!) { register(input: {email: $e, name: "Http", password: $p}) { user { id email } } }`, { e: email, p: PASSWORD });
      expect(reg.body.errors).toBeUndefined();
      const id = reg.body.data.register.user.id;
      const auth = await http.query(`mutation($e: String!, $p: String!) { authenticate(input: {email: $e, password: $p}) { jwtToken } }`, { e: email, p: PASSWORD });
      const token = auth.body.data.authenticate.jwtToken as string;
      const me = await http.query(`{ currentUser { id email name } }`, {}, token);
      expect(me.status).toBe(200);
      expect(me.body.data.currentUser).toEqual({ id, email, name: "Http" });
      const bad = await http.query(`mutation($e: String!) { authenticate(input: {email: $e, password: "wrong-pass-1"}) { jwtToken } }`, { e: email });
      expect(bad.body.errors?.[0]).toMatchObject({ message: "invalid email or password", extensions: { code: "FORBIDDEN" } });
      const weak = await http.query(`mutation { register(input: {email: "weak-http@example.com", name: "W", password: "weak"}) { user { id } } }`);
      expect(weak.body.errors?.[0]?.extensions).toMatchObject({ code: "VALIDATION", field: "password" });
      const anonymous = await http.query(`{ currentUser { id } }`);
      expect(anonymous.body).toEqual({ data: { currentUser: null } });
      const forged = await http.query(`{ currentUser { id } }`, {}, token.slice(0, -2) + (token.endsWith("AA") ? "BB" : "AA"));
      expect(forged.status).toBe(401);
    } finally {
      await closeQuietly(http);
    }
  });

  it("signs iss and aud when configured, and the server configured with them accepts the token", async () => {
    const jwt = testConfig({ JWT_ISSUER: "linkflow", JWT_AUDIENCE: "linkflow-api" }).jwt;
    await configureAuth(db.pool, jwt, { bcryptCost: 4 });
    const http = await httpGraphQL(db, { JWT_ISSUER: "linkflow", JWT_AUDIENCE: "linkflow-api" });
    try {
      const u = await register(db.pool);
      const { rows } = await db.pool.query("select app_public.authenticate($1, $2) as t", [u.email, PASSWORD]);
      const me = await http.query(`{ currentUser { email } }`, {}, rows[0].t);
      expect(me.body.data.currentUser.email).toBe(u.email);
      const plain = await httpGraphQL(db);
      try {
        // A server without the issuer/audience configuration still verifies the signature.
        const me2 = await plain.query(`{ currentUser { email } }`, {}, rows[0].t);
        expect(me2.body.data.currentUser.email).toBe(u.email);
      } finally {
        await closeQuietly(plain);
      }
    } finally {
      await closeQuietly(http);
      await setupAuth(db.pool);
    }
  });

  it("exposes no secrets: user_secrets and auth_settings are out of the GraphQL schema", async () => {
    const gql = inProcessGraphQL(db);
    try {
      const r = await gql.query(`{ __schema { types { name } } }`);
      const names = r.data.__schema.types.map((t: { name: string }) => t.name);
      expect(names).not.toContain("UserSecret");
      expect(names).not.toContain("AuthSetting");
      const fields = await gql.query(`{ __type(name: "User") { fields { name } } }`);
      expect(fields.data.__type.fields.map((f: { name: string }) => f.name)).not.toContain("passwordHash");
    } finally {
      await gql.release();
    }
  });
});
