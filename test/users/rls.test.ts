import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mapDbError } from "../../src/db/errors.ts";
import { useTestDatabase } from "../harness/db.ts";
import { inProcessGraphQL } from "../harness/graphql.ts";
import { register, rejection, setupAuth } from "./helpers.ts";

const db = useTestDatabase();

// a, b: teammates in t1 (a owner, b editor); e: member of t1, soft-deleted; c: alone in t2; d: in no team.
// t3: a soft-deleted team a owns.
const ids = {} as Record<"a" | "b" | "c" | "d" | "e" | "t1" | "t2" | "t3", string>;
const emails = {} as Record<"a" | "b" | "c" | "d" | "e", string>;
const sql = <T = any>(userId: string | null, text: string, params: unknown[] = []) =>
  db.asUser(userId, async (c) => (await c.query(text, params)).rows as T[]);

beforeAll(async () => {
  await setupAuth(db.pool);
  for (const k of ["a", "b", "c", "d", "e"] as const) {
    const u = await register(db.pool, { name: `User ${k.toUpperCase()}` });
    ids[k] = u.id;
    emails[k] = u.email;
  }
  ids.t1 = (await sql<{ id: string }>(ids.a, "select id from app_public.create_team('rls-one', 'One')"))[0]!.id;
  await sql(ids.a, "select app_public.add_team_member($1, 'editor', $2)", [ids.t1, ids.b]);
  await sql(ids.a, "select app_public.add_team_member($1, 'viewer', $2)", [ids.t1, ids.e]);
  ids.t2 = (await sql<{ id: string }>(ids.c, "select id from app_public.create_team('rls-two', 'Two')"))[0]!.id;
  ids.t3 = (await sql<{ id: string }>(ids.a, "select id from app_public.create_team('rls-three', 'Three')"))[0]!.id;
  await sql(ids.a, "select app_public.delete_team($1)", [ids.t3]);
  await db.pool.query("select app_private.soft_delete_users(array[$1]::uuid[])", [ids.e]);
});

const sorted = (xs: string[]) => [...xs].sort();

describe("users: row-level security through SQL as the visitor", () => {
  it("a user sees themself and their teams' live members, nothing else", async () => {
    expect(sorted((await sql(ids.a, "select id from app_public.users")).map((r) => r.id))).toEqual(sorted([ids.a, ids.b]));
    expect(sorted((await sql(ids.b, "select id from app_public.users")).map((r) => r.id))).toEqual(sorted([ids.a, ids.b]));
    expect((await sql(ids.c, "select id from app_public.users")).map((r) => r.id)).toEqual([ids.c]);
    expect((await sql(ids.d, "select id from app_public.users")).map((r) => r.id)).toEqual([ids.d]);
  });

  it("a user sees the live teams they belong to, and those teams' memberships without deleted users", async () => {
    expect((await sql(ids.a, "select id from app_public.teams")).map((r) => r.id)).toEqual([ids.t1]);
    expect((await sql(ids.c, "select id from app_public.teams")).map((r) => r.id)).toEqual([ids.t2]);
    expect(await sql(ids.d, "select id from app_public.teams")).toEqual([]);
    expect(sorted((await sql(ids.b, "select user_id from app_public.team_memberships")).map((r) => r.user_id))).toEqual(sorted([ids.a, ids.b]));
    expect(await sql(ids.c, "select 1 from app_public.team_memberships where team_id = $1", [ids.t1])).toEqual([]);
  });

  it("refuses direct lookups of others by id or email (empty, not an error)", async () => {
    expect(await sql(ids.a, "select 1 from app_public.users where id = $1", [ids.c])).toEqual([]);
    expect(await sql(ids.a, "select 1 from app_public.users where email = $1", [emails.d])).toEqual([]);
    expect(await sql(ids.c, "select 1 from app_public.teams where id = $1", [ids.t1])).toEqual([]);
  });

  it("a soft-deleted user is gone for everyone, and sees nothing themself", async () => {
    expect(await sql(ids.a, "select 1 from app_public.users where id = $1", [ids.e])).toEqual([]);
    expect(await sql(ids.e, "select id from app_public.users")).toEqual([]);
    expect(await sql(ids.e, "select id from app_public.teams")).toEqual([]);
    expect(await sql(ids.e, "select 1 from app_public.team_memberships")).toEqual([]);
    expect(await sql(ids.e, "select (app_public.current_user()).id")).toEqual([{ id: null }]);
    expect(await sql(ids.a, "select (app_public.current_user()).id")).toEqual([{ id: ids.a }]);
  });

  it("refuses writes outside the SQL API and all reads to anonymous", async () => {
    for (const stmt of [
      ["update app_public.users set name = 'x' where id = $1", [ids.a]],
      ["insert into app_public.team_memberships (team_id, user_id, role) values ($1, $2, 'owner')", [ids.t2, ids.a]],
      ["delete from app_public.team_memberships where team_id = $1", [ids.t1]],
      ["select * from app_private.user_secrets", []],
    ] as const) {
      const e = mapDbError(await rejection(sql(ids.a, stmt[0], [...stmt[1]])));
      expect(e.code).toBe("FORBIDDEN");
    }
    const anon = mapDbError(await rejection(db.asAnonymous((c) => c.query("select * from app_public.users"))));
    expect(anon.code).toBe("FORBIDDEN");
    const priv = mapDbError(await rejection(sql(ids.a, "select app_private.soft_delete_users(array[$1]::uuid[])", [ids.c])));
    expect(priv.code).toBe("FORBIDDEN");
  });
});

describe("users: row-level security through GraphQL", () => {
  let gql: ReturnType<typeof inProcessGraphQL>;
  beforeAll(() => { gql = inProcessGraphQL(db); });
  afterAll(() => gql.release());
  const emailsSeen = async (userId: string | null) => {
    const r = await gql.query(`{ users(orderBy: EMAIL_ASC) { nodes { email } } }`, {}, userId);
    return r;
  };

  it("lists only self and teammates", async () => {
    expect((await emailsSeen(ids.a)).data.users.nodes.map((n: { email: string }) => n.email)).toEqual(sorted([emails.a, emails.b]));
    expect((await emailsSeen(ids.c)).data.users.nodes.map((n: { email: string }) => n.email)).toEqual([emails.c]);
    expect((await emailsSeen(ids.e)).data.users.nodes).toEqual([]);
  });

  it("returns null for another team's user and team, and the members of one's own team", async () => {
    const r = await gql.query(`query($e: String!, $s: String!) { userByEmail(email: $e) { id } teamBySlug(slug: $s) { name teamMemberships { totalCount } } }`,
      { e: emails.c, s: "rls-one" }, ids.a);
    expect(r.data.userByEmail).toBeNull();
    expect(r.data.teamBySlug).toEqual({ name: "One", teamMemberships: { totalCount: 2 } });
    const c = await gql.query(`query($s: String!) { teamBySlug(slug: $s) { name } }`, { s: "rls-one" }, ids.c);
    expect(c.data.teamBySlug).toBeNull();
    const deleted = await gql.query(`{ teamBySlug(slug: "rls-three") { name } }`, {}, ids.a);
    expect(deleted.data.teamBySlug).toBeNull();
  });

  it("refuses anonymous reads and member management by a non-admin; allows it to the owner", async () => {
    const anon = await emailsSeen(null);
    // (In-process execution has no grafserv error masking: the messages are the database's.)
    expect(anon.errors?.[0]?.message).toMatch(/permission denied/);
    const m = `mutation($t: UUID!, $u: UUID!, $r: String!) { addTeamMember(input: {teamId: $t, userId: $u, role: $r}) { teamMembership { role } } }`;
    const byEditor = await gql.query(m, { t: ids.t1, u: ids.d, r: "viewer" }, ids.b);
    expect(byEditor.errors?.[0]?.message).toBe("only owners and admins manage members");
    const byOutsider = await gql.query(m, { t: ids.t1, u: ids.d, r: "viewer" }, ids.c);
    expect(byOutsider.errors?.[0]?.message).toBe("team not found");
    const byOwner = await gql.query(m, { t: ids.t1, u: ids.d, r: "viewer" }, ids.a);
    expect(byOwner.errors).toBeUndefined();
    expect(byOwner.data.addTeamMember.teamMembership.role).toBe("viewer");
    // d now sees the team and its members.
    expect((await emailsSeen(ids.d)).data.users.nodes.map((n: { email: string }) => n.email)).toEqual(sorted([emails.a, emails.b, emails.d]));
    const lastOwner = await gql.query(`mutation($t: UUID!) { leaveTeam(input: {teamId: $t}) { teamLeft } }`, { t: ids.t1 }, ids.a);
    expect(lastOwner.errors?.[0]?.message).toBe("a team must keep at least one owner");
  });

  it("creates a team and updates the profile through GraphQL mutations", async () => {
    const r = await gql.query(`mutation { createTeam(input: {slug: "gql-team", name: "GQL"}) { team { slug } } }`, {}, ids.d);
    expect(r.data.createTeam.team.slug).toBe("gql-team");
    const p = await gql.query(`mutation { updateProfile(input: {name: "Dee"}) { user { name version } } }`, {}, ids.d);
    expect(p.data.updateProfile.user).toEqual({ name: "Dee", version: 2 });
    const stale = await gql.query(`mutation { updateProfile(input: {name: "Dee2", expectedVersion: 1}) { user { name } } }`, {}, ids.d);
    expect(stale.errors?.[0]?.message).toBe("profile changed since version 1");
  });
});
