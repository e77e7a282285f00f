// app_private.find_executions: the group commit's read-back of a batch's rows (docs/executions.md, "Group
// commit"): each id once, missing ids left out, no row locked, rows far from their id's time found as well.
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../harness/db.ts";
import { executionsIn, makeWorld, type World } from "./setup.ts";

const db = useTestDatabase();
let w: World;
beforeAll(async () => { w = await makeWorld(db.pool); });

describe("executions: find_executions", () => {
  it("returns each existing execution once, current as of the caller's own writes, and leaves out missing and null ids", async () => {
    const ids = await executionsIn(w.service, w.workflow.id, ["pending", "queued", "running"]);
    const c = await db.pool.connect();
    try {
      await c.query("begin");
      await c.query("select * from app_private.apply_execution_transitions($1::jsonb, null, false)", [JSON.stringify([{ id: ids[0], to_state: "queued" }])]);
      const { rows } = await c.query("select id, state, version from app_private.find_executions($1::uuid[]) order by id",
        [[...ids, ids[0], null, "01900000-0000-7000-8000-000000000000"]]);
      expect(rows).toEqual([...ids].sort().map((id) => ({ id, state: id === ids[0] ? "queued" : id === ids[1] ? "queued" : "running", version: id === ids[2] ? 3 : 2 })));
      await c.query("rollback");
    } finally {
      c.release();
    }
  });

  it("locks nothing: another transaction can lock the rows it returned while the reader's transaction is open", async () => {
    const [id] = await executionsIn(w.service, w.workflow.id, ["queued"]);
    const reader = await db.pool.connect();
    const other = new pg.Client({ connectionString: db.ownerUrl });
    await other.connect();
    try {
      await reader.query("begin");
      expect((await reader.query("select id from app_private.find_executions($1::uuid[])", [[id]])).rowCount).toBe(1);
      await other.query("begin");
      const locked = await other.query("select id from app_public.executions where id = $1 for update nowait", [id]);
      expect(locked.rowCount).toBe(1);
      await other.query("rollback");
      await reader.query("rollback");
    } finally {
      reader.release();
      await other.end();
    }
  });

  it("finds an execution whose row lies days away from its id's UUIDv7 time", async () => {
    const { rows: [row] } = await db.pool.query(`
      insert into app_public.executions (id, created_at, team_id, workflow_id, workflow_version, state, trigger_type, attempt, version)
      select app_private.uuid_v7_at(now() - interval '3 days'), now(), w.team_id, w.id, w.current_version, 'pending', 'manual', 1, 1
        from app_public.workflows w where w.id = $1
      returning id`, [w.workflow.id]);
    const [near] = await executionsIn(w.service, w.workflow.id, ["pending"]);
    const { rows } = await db.pool.query("select id from app_private.find_executions($1::uuid[]) order by id", [[row.id, near]]);
    expect(rows.map((r) => r.id)).toEqual([row.id, near].sort());
  });
});
