import { describe, expect, it } from "vitest";
import { mapDbError } from "../../src/db/errors.ts";
import { useTestDatabase } from "../harness/db.ts";
import { makeTeam, makeUser, makeWorkflow } from "../harness/fixtures.ts";

const db = useTestDatabase();

async function rejects(sql: string, params: unknown[] = []) {
  try {
    await db.pool.query(sql, params);
  } catch (e) {
    return mapDbError(e);
  }
  throw new Error(`expected the statement to fail: ${sql}`);
}

describe("constraints reject bad rows with clear, typed errors", () => {
  it("refuses malformed and duplicate emails (case-insensitively)", async () => {
    const bad = await rejects("insert into app_public.users (email, name) values ('not-an-email', 'x')");
    expect(bad.code).toBe("VALIDATION");
    expect(bad.message).toMatch(/users_email_shape/);
    await makeUser(db.pool, { email: "Dup@Example.com" });
    const dup = await rejects("insert into app_public.users (email, name) values ('dup@example.COM', 'y')");
    expect(dup.code).toBe("CONFLICT");
    expect(dup.message).toMatch(/users_email_key/);
  });

  it("checks name lengths, known statuses and roles", async () => {
    expect((await rejects("insert into app_public.users (email, name) values ('a@b.co', '')")).message).toMatch(/users_name_length/);
    expect((await rejects("insert into app_public.users (email, name, status) values ('c@b.co', 'c', 'zombie')")).message).toMatch(/users_status_known/);
    const u = await makeUser(db.pool);
    const t = await makeTeam(db.pool);
    const role = await rejects("insert into app_public.team_memberships (team_id, user_id, role) values ($1, $2, 'god')", [t.id, u.id]);
    expect(role.code).toBe("VALIDATION");
    expect(role.field).toBe("role");
  });

  it("refuses references to unknown rows", async () => {
    const e = await rejects("insert into app_public.workflows (team_id, name) values (app_public.uuid_generate_v7(), 'w')");
    expect(e.code).toBe("VALIDATION");
    expect(e.message).toMatch(/workflows_team_id_fkey/);
  });

  it("refuses connections between nodes of different workflows", async () => {
    const t = await makeTeam(db.pool);
    const a = await makeWorkflow(db.pool, t.id);
    const b = await makeWorkflow(db.pool, t.id);
    const na = (await db.pool.query("insert into app_public.workflow_nodes (workflow_id, team_id, name, type) values ($1, $2, 'A', 'http') returning id", [a.id, t.id])).rows[0].id;
    const nb = (await db.pool.query("insert into app_public.workflow_nodes (workflow_id, team_id, name, type) values ($1, $2, 'B', 'http') returning id", [b.id, t.id])).rows[0].id;
    const e = await rejects(
      "insert into app_public.workflow_connections (workflow_id, team_id, source_node_id, target_node_id) values ($1, $2, $3, $4)",
      [a.id, t.id, na, nb],
    );
    expect(e.message).toMatch(/workflow_connections_target_fkey/);
    const dupName = await rejects("insert into app_public.workflow_nodes (workflow_id, team_id, name, type) values ($1, $2, 'A', 'http')", [a.id, t.id]);
    expect(dupName.code).toBe("CONFLICT");
  });

  it("refuses executions that finish before they start, negative durations and unknown states", async () => {
    const t = await makeTeam(db.pool);
    const w = await makeWorkflow(db.pool, t.id);
    const base = "insert into app_public.executions (team_id, workflow_id, workflow_version, state, started_at, finished_at, duration_ms) values ($1, $2, 1, $3, $4, $5, $6)";
    const now = new Date();
    const before = new Date(now.getTime() - 60_000);
    expect((await rejects(base, [t.id, w.id, "succeeded", now, before, 1])).message).toMatch(/executions_finished_after_started/);
    expect((await rejects(base, [t.id, w.id, "succeeded", before, now, -5])).message).toMatch(/executions_duration_non_negative/);
    expect((await rejects(base, [t.id, w.id, "exploded", null, null, null])).message).toMatch(/executions_state_known/);
    expect((await rejects(base, [t.id, w.id, "pending", null, null, null].map((v, i) => (i === 1 ? "not-a-uuid" : v)))).code).toBe("VALIDATION");
  });

  it("keeps workflow versions immutable except for anonymising the author", async () => {
    const u = await makeUser(db.pool);
    const t = await makeTeam(db.pool);
    const w = await makeWorkflow(db.pool, t.id);
    await db.pool.query("update app_public.workflow_versions set author_id = $2 where workflow_id = $1", [w.id, u.id]).catch(() => {});
    const e = await rejects("update app_public.workflow_versions set message = 'rewritten' where workflow_id = $1", [w.id]);
    expect(e.code).toBe("IMMUTABLE");
  });

  it("keeps events immutable and appends atomically with version checks", async () => {
    const r = await db.pool.query("select * from app_private.append_events('s-1', 'test', 0, '[{\"type\":\"A\"},{\"type\":\"B\"}]')");
    expect(r.rows.map((x) => Number(x.stream_version))).toEqual([1, 2]);
    const stale = await rejects("select * from app_private.append_events('s-1', 'test', 0, '[{\"type\":\"C\"}]')");
    expect(stale.code).toBe("VERSION_CONFLICT");
    expect((stale as { currentVersion?: number }).currentVersion).toBe(2);
    expect((await rejects("update app_public.events set type = 'X'")).code).toBe("IMMUTABLE");
    expect((await rejects("delete from app_public.events")).code).toBe("IMMUTABLE");
    expect((await rejects("select * from app_private.append_events('s-2', 'test', null, '{\"not\":\"an array\"}')")).code).toBe("VALIDATION");
    expect((await rejects("select * from app_private.append_events('s-2', 'test', null, '[{\"type\":\"A\"}'::text::jsonb)")).code).toBe("VALIDATION");
    const count = await db.pool.query("select count(*)::int as n from app_public.events");
    expect(count.rows[0].n).toBe(2);
  });
});
