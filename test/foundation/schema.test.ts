import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../harness/db.ts";

const db = useTestDatabase();

const TABLES = [
  "users", "teams", "team_memberships", "workflows", "workflow_nodes", "workflow_connections", "workflow_triggers",
  "workflow_versions", "executions", "execution_transitions", "execution_node_runs", "execution_metric_samples",
  "event_streams", "events", "event_snapshots", "error_codes",
];

describe("the platform schema", () => {
  it("has the three exposure schemas and the partitions schema", async () => {
    const { rows } = await db.pool.query("select nspname from pg_namespace where nspname like 'app\\_%' order by 1");
    expect(rows.map((r) => r.nspname)).toEqual(expect.arrayContaining(["app_hidden", "app_partitions", "app_private", "app_public"]));
  });

  it("has every core table in app_public", async () => {
    const { rows } = await db.pool.query(
      "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'app_public' and c.relkind in ('r','p')",
    );
    expect(rows.map((r) => r.relname).sort()).toEqual(expect.arrayContaining(TABLES));
  });

  it("enables row-level security on every table of the app schemas", async () => {
    const { rows } = await db.pool.query(`
      select n.nspname || '.' || c.relname as t from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname in ('app_public','app_hidden','app_private') and c.relkind in ('r','p') and not c.relrowsecurity`);
    expect(rows).toEqual([]);
  });

  it("indexes every foreign key (leading columns) and gives each an explicit ON DELETE", async () => {
    const { rows } = await db.pool.query(`
      select con.conname, con.conrelid::regclass::text as tbl
        from pg_constraint con
        join pg_namespace n on n.oid = con.connamespace
       where con.contype = 'f' and n.nspname like 'app\\_%' and con.conparentid = 0
         and not exists (
           select 1 from pg_index i
            where i.indrelid = con.conrelid
              and (i.indkey::int2[])[0:array_length(con.conkey, 1) - 1] @> con.conkey
              and (i.indkey::int2[])[0:array_length(con.conkey, 1) - 1] <@ con.conkey)`);
    expect(rows).toEqual([]);
  });

  it("uses unique constraints (not bare unique indexes) so the API can use them", async () => {
    const { rows } = await db.pool.query(`
      select i.indexrelid::regclass::text as idx from pg_index i
        join pg_class c on c.oid = i.indrelid join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'app_public' and i.indisunique
         and not exists (select 1 from pg_constraint con where con.conindid = i.indexrelid)`);
    expect(rows).toEqual([]);
  });

  it("pins search_path on every SECURITY DEFINER function", async () => {
    const { rows } = await db.pool.query(`
      select p.oid::regprocedure::text as fn from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname like 'app\\_%' and p.prosecdef
         and not exists (select 1 from unnest(p.proconfig) c where c like 'search_path=%')`);
    expect(rows).toEqual([]);
  });

  it("grants EXECUTE on no function to PUBLIC (only where a migration grants a role)", async () => {
    const { rows } = await db.pool.query(`
      select p.oid::regprocedure::text as fn from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname like 'app\\_%'
         and (p.proacl is null or exists (select 1 from aclexplode(p.proacl) a where a.grantee = 0 and a.privilege_type = 'EXECUTE'))`);
    expect(rows).toEqual([]);
  });

  it("documents every table and function with a comment", async () => {
    const { rows } = await db.pool.query(`
      select c.oid::regclass::text as obj from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname in ('app_public','app_hidden','app_private') and c.relkind in ('r','p','v') and obj_description(c.oid, 'pg_class') is null
      union all
      select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname in ('app_public','app_hidden','app_private') and obj_description(p.oid, 'pg_proc') is null`);
    expect(rows).toEqual([]);
  });

  it("grants the visitor no INSERT/UPDATE on whole tables, only on named columns", async () => {
    const { rows } = await db.pool.query(`
      select table_schema || '.' || table_name as t, privilege_type from information_schema.role_table_grants
       where grantee = 'linkflow_visitor' and privilege_type in ('INSERT','UPDATE') and table_schema like 'app\\_%'`);
    expect(rows).toEqual([]);
  });

  it("range-partitions executions, transitions and metric samples with the partition key in the primary key", async () => {
    const { rows } = await db.pool.query(`
      select c.relname, pg_get_partkeydef(c.oid) as key, pg_get_constraintdef(con.oid) as pk
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        join pg_constraint con on con.conrelid = c.oid and con.contype = 'p'
       where n.nspname = 'app_public' and c.relkind = 'p' order by 1`);
    expect(rows).toEqual([
      { relname: "execution_metric_samples", key: "RANGE (recorded_at)", pk: "PRIMARY KEY (execution_id, recorded_at)" },
      { relname: "execution_node_runs", key: "RANGE (execution_created_at)", pk: "PRIMARY KEY (execution_id, execution_created_at, node_name, attempt)" },
      { relname: "execution_transitions", key: "RANGE (execution_created_at)", pk: "PRIMARY KEY (execution_id, execution_created_at, seq)" },
      { relname: "executions", key: "RANGE (created_at)", pk: "PRIMARY KEY (id, created_at)" },
    ]);
  });

  it("carries team_id on every large table, so it can be distributed by team", async () => {
    const { rows } = await db.pool.query(`
      select table_name from information_schema.columns
       where table_schema = 'app_public' and column_name = 'team_id'`);
    const withTeam = rows.map((r) => r.table_name);
    for (const t of ["workflows", "workflow_nodes", "workflow_connections", "workflow_triggers", "workflow_versions",
      "executions", "execution_transitions", "execution_node_runs", "execution_metric_samples", "events", "event_streams"]) {
      expect(withTeam).toContain(t);
    }
  });

  it("generates time-ordered UUIDv7 ids whose embedded time is now", async () => {
    const { rows } = await db.pool.query(`
      select app_public.uuid_generate_v7() as a, app_public.uuid_generate_v7() as b,
             abs(extract(epoch from app_hidden.uuid_v7_time(app_public.uuid_generate_v7()) - clock_timestamp())) as skew`);
    expect(rows[0].a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(rows[0].a < rows[0].b || rows[0].a.slice(0, 13) === rows[0].b.slice(0, 13)).toBe(true);
    expect(Number(rows[0].skew)).toBeLessThan(1);
  });

  it("sets statement and idle-in-transaction timeouts for the application roles", async () => {
    const { rows } = await db.pool.query(`
      select r.rolname, s.setconfig from pg_db_role_setting s join pg_roles r on r.oid = s.setrole
       where r.rolname in ('linkflow_authenticator','linkflow_owner') and s.setdatabase = 0 order by 1`);
    const byRole = Object.fromEntries(rows.map((r) => [r.rolname, (r.setconfig as string[]).join(",")]));
    expect(byRole.linkflow_authenticator).toMatch(/statement_timeout=/);
    expect(byRole.linkflow_authenticator).toMatch(/idle_in_transaction_session_timeout=/);
    expect(byRole.linkflow_owner).toMatch(/idle_in_transaction_session_timeout=/);
    const roles = await db.pool.query("select rolname, rolinherit, rolcanlogin from pg_roles where rolname like 'linkflow\\_%' order by 1");
    expect(roles.rows).toEqual([
      { rolname: "linkflow_anonymous", rolinherit: true, rolcanlogin: false },
      { rolname: "linkflow_authenticator", rolinherit: false, rolcanlogin: true },
      { rolname: "linkflow_owner", rolinherit: true, rolcanlogin: true },
      { rolname: "linkflow_visitor", rolinherit: true, rolcanlogin: false },
    ]);
  });
});
