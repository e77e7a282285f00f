// The graph tables' keys: each node, edge and trigger is checked against its workflow (or, for an edge, its two
// nodes of that workflow) and nothing else, so a 200-node create runs one foreign-key check per node and two per
// edge instead of four. A graph row's team is its workflow's; a team's deletion still removes every graph row of
// its workflows (through workflows, on delete cascade), and an edge still cannot join nodes of two workflows.
import { beforeAll, describe, expect, it } from "vitest";
import { WorkflowRepository } from "../../src/workflows/repository.ts";
import { useTestDatabase } from "../harness/db.ts";
import { chain, teamWithRoles, type TeamSetup } from "./helpers.ts";

const db = useTestDatabase();
let t: TeamSetup;

beforeAll(async () => {
  t = await teamWithRoles(db.pool);
});

async function foreignKeys(table: string): Promise<{ name: string; references: string; onDelete: string; indexed: boolean }[]> {
  const { rows } = await db.pool.query(`
    select c.conname as name, c.confrelid::regclass::text as references, c.confdeltype as on_delete,
           exists (select 1 from pg_index i where i.indrelid = c.conrelid
                      and (i.indkey::int2[])[0:cardinality(c.conkey) - 1] = c.conkey) as indexed
      from pg_constraint c where c.conrelid = $1::regclass and c.contype = 'f' order by c.conname`, [table]);
  return rows.map((r) => ({ name: r.name, references: r.references, onDelete: r.on_delete, indexed: r.indexed }));
}

describe("graph table keys", () => {
  it("check nodes and triggers against their workflow and edges against their two nodes only, each on delete cascade and indexed", async () => {
    expect(await foreignKeys("app_public.workflow_nodes")).toEqual([
      { name: "workflow_nodes_workflow_id_fkey", references: "app_public.workflows", onDelete: "c", indexed: true },
    ]);
    expect(await foreignKeys("app_public.workflow_connections")).toEqual([
      { name: "workflow_connections_source_fkey", references: "app_public.workflow_nodes", onDelete: "c", indexed: true },
      { name: "workflow_connections_target_fkey", references: "app_public.workflow_nodes", onDelete: "c", indexed: true },
    ]);
    expect(await foreignKeys("app_public.workflow_triggers")).toEqual([
      { name: "workflow_triggers_node_fkey", references: "app_public.workflow_nodes", onDelete: "c", indexed: true },
      { name: "workflow_triggers_workflow_id_fkey", references: "app_public.workflows", onDelete: "c", indexed: true },
    ]);
  });

  it("give every graph row its workflow's team", async () => {
    const wf = await new WorkflowRepository(db.pool).asUser(t.editor).createWithVersion(t.teamId, chain(5));
    const { rows } = await db.pool.query(`
      select (select count(*) from app_public.workflow_nodes where workflow_id = $1 and team_id <> $2)
           + (select count(*) from app_public.workflow_connections where workflow_id = $1 and team_id <> $2)
           + (select count(*) from app_public.workflow_triggers where workflow_id = $1 and team_id <> $2) as other_team,
             (select count(*) from app_public.workflow_connections where workflow_id = $1) as edges`, [wf.id, t.teamId]);
    expect(rows[0]).toEqual({ other_team: "0", edges: "4" });
  });

  it("remove a deleted team's graph rows with its workflows", async () => {
    const team = await teamWithRoles(db.pool);
    const wf = await new WorkflowRepository(db.pool).asUser(team.editor).createWithVersion(team.teamId, chain(20));
    await db.pool.query("delete from app_public.teams where id = $1", [team.teamId]);
    const { rows } = await db.pool.query(`
      select (select count(*) from app_public.workflow_nodes where workflow_id = $1 or team_id = $2)
           + (select count(*) from app_public.workflow_connections where workflow_id = $1 or team_id = $2)
           + (select count(*) from app_public.workflow_triggers where workflow_id = $1 or team_id = $2) as left_over`, [wf.id, team.teamId]);
    expect(rows[0].left_over).toBe("0");
  });
});
