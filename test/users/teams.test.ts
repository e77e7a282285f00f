import { beforeAll, describe, expect, it } from "vitest";
import type pg from "pg";
import { mapDbError } from "../../src/db/errors.ts";
import { useTestDatabase } from "../harness/db.ts";
import { register, rejection, setupAuth, uniqueEmail, withRestoreWindow } from "./helpers.ts";

const db = useTestDatabase();
const as = <T>(userId: string, sql: string, params: unknown[] = []) =>
  db.asUser(userId, async (c) => (await c.query(sql, params)).rows as T[]);
const fails = async (userId: string, sql: string, params: unknown[] = []) => mapDbError(await rejection(as(userId, sql, params)));
const roles = async (teamId: string) => Object.fromEntries((await db.pool.query(
  "select user_id, role from app_public.team_memberships where team_id = $1", [teamId])).rows.map((r) => [r.user_id, r.role]));

async function teamOf(ownerId: string): Promise<string> {
  const [t] = await as<{ id: string }>(ownerId, "select id from app_public.create_team($1, 'Team')", [`t-${Math.random().toString(36).slice(2, 10)}`]);
  return t!.id;
}
async function add(callerId: string, teamId: string, userId: string, role: string) {
  return as(callerId, "select * from app_public.add_team_member($1, $2, $3)", [teamId, role, userId]);
}

describe("users: teams and membership rules (SQL API as the visitor)", () => {
  let owner: string, admin: string, editor: string, outsider: string, other: string;
  beforeAll(async () => {
    await setupAuth(db.pool);
    const ids = (await Promise.all([1, 2, 3, 4, 5].map(() => register(db.pool)))).map((u) => u.id);
    [owner, admin, editor, outsider, other] = ids as [string, string, string, string, string];
  });

  it("create_team makes the creator its owner; a taken slug is a conflict on slug; anonymous cannot", async () => {
    const slug = `acme-${Date.now().toString(36)}`;
    const [t] = await as<{ id: string }>(owner, "select id from app_public.create_team($1, 'Acme')", [slug]);
    expect(await roles(t!.id)).toEqual({ [owner]: "owner" });
    const dup = await fails(admin, "select app_public.create_team($1, 'Other')", [slug]);
    expect(dup).toMatchObject({ code: "CONFLICT", field: "slug" });
    const anon = mapDbError(await rejection(db.asAnonymous((c) => c.query("select app_public.create_team('anon-team', 'x')"))));
    expect(anon.code).toBe("FORBIDDEN");
    const noUser = await fails(null as never, "select app_public.create_team('no-user-team', 'x')");
    expect(noUser.code).toBe("FORBIDDEN");
  });

  it("owners and admins add members; editors, viewers and outsiders cannot", async () => {
    const t = await teamOf(owner);
    await add(owner, t, admin, "admin");
    await add(admin, t, editor, "editor");
    expect(await roles(t)).toEqual({ [owner]: "owner", [admin]: "admin", [editor]: "editor" });
    expect((await fails(editor, "select app_public.add_team_member($1, 'viewer', $2)", [t, other])).code).toBe("FORBIDDEN");
    // A non-member learns nothing about the team: not found.
    expect((await fails(outsider, "select app_public.add_team_member($1, 'viewer', $2)", [t, other])).code).toBe("NOT_FOUND");
    expect((await fails(owner, "select app_public.add_team_member($1, 'viewer', $2)", [t, admin])).code).toBe("CONFLICT");
    expect(await fails(owner, "select app_public.add_team_member($1, 'chief', $2)", [t, other])).toMatchObject({ code: "VALIDATION", field: "role" });
    expect(await fails(owner, "select app_public.add_team_member($1, 'viewer')", [t])).toMatchObject({ code: "VALIDATION", field: "user_id" });
    expect((await fails(owner, "select app_public.add_team_member($1, 'viewer', $2)", [t, "00000000-0000-7000-8000-000000000000"])).code).toBe("NOT_FOUND");
    expect(await roles(t)).toEqual({ [owner]: "owner", [admin]: "admin", [editor]: "editor" });
  });

  it("invites by email: an unknown email becomes an invited user, a known one is added", async () => {
    const t = await teamOf(owner);
    const email = uniqueEmail("invitee");
    const [m] = await as<{ user_id: string; role: string }>(owner, "select user_id, role from app_public.add_team_member($1, 'editor', null, $2)", [t, email]);
    const { rows } = await db.pool.query("select status, email::text from app_public.users where id = $1", [m!.user_id]);
    expect(rows[0]).toEqual({ status: "invited", email });
    const known = await register(db.pool);
    const [m2] = await as<{ user_id: string }>(owner, "select user_id from app_public.add_team_member($1, 'viewer', null, $2)", [t, known.email.toUpperCase()]);
    expect(m2!.user_id).toBe(known.id);
  });

  it("admins cannot make owners, change an owner's role or remove an owner", async () => {
    const t = await teamOf(owner);
    await add(owner, t, admin, "admin");
    await add(owner, t, editor, "editor");
    expect((await fails(admin, "select app_public.add_team_member($1, 'owner', $2)", [t, other])).code).toBe("FORBIDDEN");
    expect((await fails(admin, "select app_public.change_member_role($1, $2, 'owner')", [t, editor])).code).toBe("FORBIDDEN");
    expect((await fails(admin, "select app_public.change_member_role($1, $2, 'owner')", [t, admin])).code).toBe("FORBIDDEN");
    expect((await fails(admin, "select app_public.change_member_role($1, $2, 'viewer')", [t, owner])).code).toBe("FORBIDDEN");
    expect((await fails(admin, "select app_public.remove_team_member($1, $2)", [t, owner])).code).toBe("FORBIDDEN");
    expect((await fails(editor, "select app_public.change_member_role($1, $2, 'viewer')", [t, admin])).code).toBe("FORBIDDEN");
    expect((await fails(editor, "select app_public.remove_team_member($1, $2)", [t, admin])).code).toBe("FORBIDDEN");
    expect((await fails(owner, "select app_public.change_member_role($1, $2, 'viewer')", [t, outsider])).code).toBe("NOT_FOUND");
    expect((await fails(owner, "select app_public.remove_team_member($1, $2)", [t, outsider])).code).toBe("NOT_FOUND");
    // What admins may do: change and remove non-owners.
    await as(admin, "select app_public.change_member_role($1, $2, 'viewer')", [t, editor]);
    expect((await roles(t))[editor]).toBe("viewer");
    await as(admin, "select app_public.remove_team_member($1, $2)", [t, editor]);
    expect(await roles(t)).toEqual({ [owner]: "owner", [admin]: "admin" });
    // Owners can promote to owner.
    await as(owner, "select app_public.change_member_role($1, $2, 'owner')", [t, admin]);
    expect((await roles(t))[admin]).toBe("owner");
  });

  it("a team always keeps an owner: the last owner cannot demote, remove themself or leave", async () => {
    const t = await teamOf(owner);
    await add(owner, t, editor, "editor");
    const demote = await fails(owner, "select app_public.change_member_role($1, $2, 'admin')", [t, owner]);
    expect(demote).toMatchObject({ code: "CONFLICT", field: "role" });
    expect((await fails(owner, "select app_public.remove_team_member($1, $2)", [t, owner])).code).toBe("CONFLICT");
    expect((await fails(owner, "select app_public.leave_team($1)", [t])).code).toBe("CONFLICT");
    expect(await roles(t)).toEqual({ [owner]: "owner", [editor]: "editor" });
    // Others can leave; with a second owner the first can leave too.
    await as(editor, "select app_public.leave_team($1)", [t]);
    await add(owner, t, other, "owner");
    await as(owner, "select app_public.leave_team($1)", [t]);
    expect(await roles(t)).toEqual({ [other]: "owner" });
    expect((await fails(owner, "select app_public.leave_team($1)", [t])).code).toBe("NOT_FOUND");
  });

  it("concurrent demotions of the last two owners: the team row lock serializes them and one owner remains", async () => {
    const a = (await register(db.pool)).id;
    const b = (await register(db.pool)).id;
    const t = await teamOf(a);
    await add(a, t, b, "owner");
    const open = async (userId: string): Promise<pg.PoolClient> => {
      const c = await db.pool.connect();
      await c.query("begin");
      await c.query("select set_config('role', 'linkflow_visitor', true), set_config('jwt.claims.user_id', $1, true)", [userId]);
      return c;
    };
    const c1 = await open(a);
    const c2 = await open(b);
    try {
      await c1.query("select app_public.change_member_role($1, $2, 'admin')", [t, b]); // a demotes b, holds the lock
      const pid2 = (await c2.query("select pg_backend_pid() as pid")).rows[0].pid;
      const second = c2.query("select app_public.change_member_role($1, $2, 'admin')", [t, a]).then(() => "ok", (e) => e);
      // b's transaction really waits on the team row lock while a's is open.
      for (let i = 0; ; i++) {
        const { rows } = await db.pool.query("select wait_event_type from pg_stat_activity where pid = $1", [pid2]);
        if (rows[0]?.wait_event_type === "Lock") break;
        if (i > 200) throw new Error("second transaction never waited on the lock");
        await new Promise((r) => setTimeout(r, 20));
      }
      await c1.query("commit");
      const outcome = await second;
      expect(outcome).not.toBe("ok");
      expect(["FORBIDDEN", "CONFLICT"]).toContain(mapDbError(outcome).code);
      await c2.query("rollback");
    } finally {
      c1.release();
      c2.release();
    }
    expect(await roles(t)).toEqual({ [a]: "owner", [b]: "admin" });
  });

  it("soft-deletes a team (owners only) and restores it within the window", async () => {
    const t = await teamOf(owner);
    await add(owner, t, admin, "admin");
    expect((await fails(admin, "select app_public.delete_team($1)", [t])).code).toBe("FORBIDDEN");
    await as(owner, "select app_public.delete_team($1)", [t]);
    expect(await as(owner, "select id from app_public.teams where id = $1", [t])).toEqual([]);
    expect((await fails(owner, "select app_public.add_team_member($1, 'viewer', $2)", [t, other])).code).toBe("NOT_FOUND");
    expect((await fails(admin, "select app_public.restore_team($1)", [t])).code).toBe("NOT_FOUND");
    await as(owner, "select app_public.restore_team($1)", [t]);
    expect(await as(owner, "select id from app_public.teams where id = $1", [t])).toEqual([{ id: t }]);
    await as(owner, "select app_public.delete_team($1)", [t]);
    await withRestoreWindow(db.pool, async () => {
      expect(await fails(owner, "select app_public.restore_team($1)", [t])).toMatchObject({ code: "ILLEGAL_TRANSITION", currentState: "expired" });
    });
  });
});
