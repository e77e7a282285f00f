import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../harness/db.ts";
import { makeTeam, makeUser, makeWorkflow } from "../harness/fixtures.ts";

const db = useTestDatabase();

const TABLES = [
  "users", "teams", "team_memberships", "workflows", "workflow_nodes", "workflow_connections", "workflow_triggers",
  "workflow_versions", "executions", "execution_transitions", "execution_node_runs", "execution_metric_samples",
  "event_streams", "events", "event_snapshots",
];

describe("row-level security defaults", () => {
  it("shows a visitor with no team membership nothing but themself", async () => {
    const member = await makeUser(db.pool);
    const outsider = await makeUser(db.pool);
    const t = await makeTeam(db.pool, [{ userId: member.id, role: "owner" }]);
    await makeWorkflow(db.pool, t.id);
    await db.pool.query("select * from app_private.append_events('team-x', 'test', null, '[{\"type\":\"A\"}]', $1)", [t.id]);
    for (const table of TABLES) {
      const { rows } = await db.asUser(outsider.id, (c) => c.query(`select * from app_public.${table}`));
      if (table === "users") expect(rows.map((r) => r.id)).toEqual([outsider.id]);
      else expect({ table, rows }).toEqual({ table, rows: [] });
    }
  });

  it("shows members their team's rows", async () => {
    const member = await makeUser(db.pool);
    const mate = await makeUser(db.pool);
    const t = await makeTeam(db.pool, [{ userId: member.id, role: "viewer" }, { userId: mate.id, role: "editor" }]);
    const w = await makeWorkflow(db.pool, t.id);
    const seen = await db.asUser(member.id, async (c) => ({
      teams: (await c.query("select id from app_public.teams")).rows.map((r) => r.id),
      users: (await c.query("select id from app_public.users")).rows.map((r) => r.id).sort(),
      workflows: (await c.query("select id from app_public.workflows")).rows.map((r) => r.id),
    }));
    expect(seen.teams).toEqual([t.id]);
    expect(seen.users).toEqual([member.id, mate.id].sort());
    expect(seen.workflows).toEqual([w.id]);
  });

  it("shows the anonymous role nothing and lets it write nothing", async () => {
    await makeUser(db.pool);
    for (const table of TABLES) {
      await expect(db.asAnonymous((c) => c.query(`select * from app_public.${table}`))).rejects.toMatchObject({ code: "FORBIDDEN" });
    }
  });

  it("lets no visitor write to tables directly", async () => {
    const u = await makeUser(db.pool);
    await expect(db.asUser(u.id, (c) => c.query("insert into app_public.teams (slug, name) values ('hack', 'hack')"))).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(db.asUser(u.id, (c) => c.query("update app_public.users set name = 'x'"))).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(db.asUser(u.id, (c) => c.query("select * from app_private.user_secrets"))).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(db.asUser(u.id, (c) => c.query("select * from app_private.append_events('s', 't', null, '[]')"))).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("hides soft-deleted users and teams", async () => {
    const a = await makeUser(db.pool);
    const b = await makeUser(db.pool);
    const t = await makeTeam(db.pool, [{ userId: a.id, role: "owner" }, { userId: b.id, role: "viewer" }]);
    await db.pool.query("update app_public.users set deleted_at = now() where id = $1", [b.id]);
    const users = await db.asUser(a.id, (c) => c.query("select id from app_public.users"));
    expect(users.rows.map((r) => r.id)).toEqual([a.id]);
    await db.pool.query("update app_public.teams set deleted_at = now() where id = $1", [t.id]);
    const teams = await db.asUser(a.id, (c) => c.query("select id from app_public.teams"));
    expect(teams.rows).toEqual([]);
  });
});
