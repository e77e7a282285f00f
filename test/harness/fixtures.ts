// Small fixtures written as the owner (bypassing the API): users, teams and memberships.
import type pg from "pg";

let seq = 0;
const uniq = () => `${Date.now().toString(36)}${(seq++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;

export async function makeUser(pool: pg.Pool | pg.PoolClient, attrs: { email?: string; name?: string } = {}): Promise<{ id: string; email: string }> {
  const email = attrs.email ?? `user-${uniq()}@example.com`;
  const { rows } = await pool.query("insert into app_public.users (email, name) values ($1, $2) returning id, email", [email, attrs.name ?? "Test User"]);
  return rows[0];
}

export async function makeTeam(pool: pg.Pool | pg.PoolClient, members: { userId: string; role: "owner" | "admin" | "editor" | "viewer" }[] = []): Promise<{ id: string; slug: string }> {
  const slug = `team-${uniq()}`;
  const { rows } = await pool.query("insert into app_public.teams (slug, name) values ($1, $2) returning id, slug", [slug, slug]);
  for (const m of members) {
    await pool.query("insert into app_public.team_memberships (team_id, user_id, role) values ($1, $2, $3)", [rows[0].id, m.userId, m.role]);
  }
  return rows[0];
}

/** A workflow with version 1 (a minimal snapshot), written directly. */
export async function makeWorkflow(pool: pg.Pool | pg.PoolClient, teamId: string, attrs: { name?: string; status?: string } = {}): Promise<{ id: string }> {
  const { rows } = await pool.query(
    "insert into app_public.workflows (team_id, name, status) values ($1, $2, $3) returning id",
    [teamId, attrs.name ?? `wf-${uniq()}`, attrs.status ?? "draft"],
  );
  await pool.query("insert into app_public.workflow_versions (workflow_id, team_id, version, data) values ($1, $2, 1, '{}')", [rows[0].id, teamId]);
  return rows[0];
}
