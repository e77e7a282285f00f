import { beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../harness/db.ts";
import { WorkflowRepository } from "../../src/workflows/repository.ts";
import type { WorkflowDefinition } from "../../src/workflows/types.ts";
import { chain, teamWithRoles, type TeamSetup } from "./helpers.ts";

const db = useTestDatabase();
let repo: WorkflowRepository;
let t: TeamSetup;

beforeAll(async () => {
  repo = new WorkflowRepository(db.pool);
  t = await teamWithRoles(db.pool);
});

const ed = () => ({ userId: t.editor });

async function counts(): Promise<{ workflows: number; versions: number; events: number }> {
  const { rows } = await db.pool.query(`select (select count(*)::int from app_public.workflows) as workflows,
    (select count(*)::int from app_public.workflow_versions) as versions, (select count(*)::int from app_public.events) as events`);
  return rows[0];
}

describe("workflows validation", () => {
  const cases: [string, WorkflowDefinition | unknown, string][] = [
    ["missing name", { nodes: [] }, "name"],
    ["name not a string", { name: 5 }, "name"],
    ["blank name", { name: "  " }, "name"],
    ["description too long", { name: "x", description: "d".repeat(10001) }, "description"],
    ["settings not an object", { name: "x", settings: [] }, "settings"],
    ["tags not strings", { name: "x", tags: [1] }, "tags"],
    ["nodes not an array", { name: "x", nodes: {} }, "nodes"],
    ["node without name", { name: "x", nodes: [{ type: "a" }] }, "nodes.name"],
    ["node with a bad type", { name: "x", nodes: [{ name: "a", type: "bad type!" }] }, "nodes.type"],
    ["node with a bad type_version", { name: "x", nodes: [{ name: "a", type: "t", type_version: 0 }] }, "nodes.type_version"],
    ["node parameters not an object", { name: "x", nodes: [{ name: "a", type: "t", parameters: "p" }] }, "nodes.parameters"],
    ["node position not a pair", { name: "x", nodes: [{ name: "a", type: "t", position: [1] }] }, "nodes.position"],
    ["duplicate node names", { name: "x", nodes: [{ name: "a", type: "t" }, { name: "a", type: "u" }] }, "nodes.name"],
    ["connection to an unknown node", { name: "x", nodes: [{ name: "a", type: "t" }], connections: [{ source: "a", target: "zzz" }] }, "connections.target"],
    ["connection from an unknown node", { name: "x", nodes: [{ name: "a", type: "t" }], connections: [{ source: "zzz", target: "a" }] }, "connections.source"],
    ["connection with a negative index", { name: "x", nodes: [{ name: "a", type: "t" }], connections: [{ source: "a", target: "a", target_input_index: -1 }] }, "connections.target_input_index"],
    ["duplicate connection", { name: "x", nodes: [{ name: "a", type: "t" }, { name: "b", type: "t" }], connections: [{ source: "a", target: "b" }, { source: "a", target: "b", source_output: "main" }] }, "connections"],
    ["unknown trigger type", { name: "x", triggers: [{ type: "telepathy" }] }, "triggers.type"],
    ["schedule without cron", { name: "x", triggers: [{ type: "schedule", config: {} }] }, "triggers.config"],
    ["schedule with a bad cron", { name: "x", triggers: [{ type: "schedule", config: { cron: "61 * * * *" } }] }, "triggers.config"],
    ["schedule with a bad time zone", { name: "x", triggers: [{ type: "schedule", config: { cron: "* * * * *", timezone: "Mars/Olympus" } }] }, "triggers.config"],
    ["webhook without path", { name: "x", triggers: [{ type: "webhook", config: {} }] }, "triggers.config"],
    ["webhook with a bad method", { name: "x", triggers: [{ type: "webhook", config: { path: "a", method: "FETCH" } }] }, "triggers.config"],
    ["event without event_type", { name: "x", triggers: [{ type: "event", config: {} }] }, "triggers.config"],
    ["trigger on an unknown node", { name: "x", triggers: [{ type: "manual", node: "ghost" }] }, "triggers.node"],
    ["trigger config not an object", { name: "x", triggers: [{ type: "manual", config: 3 }] }, "triggers.config"],
  ];
  it.each(cases)("rejects %s with LFVAL naming the field, writing nothing", async (_label, def, field) => {
    const before = await counts();
    const err = await repo.as(ed()).createWithVersion(t.teamId, def as WorkflowDefinition).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "VALIDATION", sqlState: "LFVAL", field });
    expect(await counts()).toEqual(before);
  });

  it("accepts every trigger type with a valid config", async () => {
    const wf = await repo.as(ed()).createWithVersion(t.teamId, {
      name: "all triggers", nodes: [{ name: "a", type: "t" }],
      triggers: [
        { type: "schedule", config: { cron: "0 9 * * MON-FRI", timezone: "Europe/Paris" } },
        { type: "webhook", config: { path: "hooks/orders", method: "POST" }, node: "a" },
        { type: "event", config: { event_type: "order.created" } },
        { type: "manual", enabled: false },
      ],
    });
    expect((await repo.as(ed()).getWithNodes(wf.id)).triggers).toHaveLength(4);
  });

  it("validates cron expressions in SQL: fields, ranges, lists, steps, names, macros", async () => {
    const valid = ["* * * * *", "*/15 0-23/2 1,15,31 jan-mar,DEC sun-sat", "0 0 * * 7", "5/10 * * * *", "0 12 1 1 0", "59 23 31 12 6", "@daily", " @Hourly ", "0 0 * * MON,wed,Fri"];
    const invalid = ["", "* * * *", "* * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * 32 * *", "* * * 13 *", "* * * * 8",
      "*/0 * * * *", "5-1 * * * *", "* * * foo *", "* * * * mon-", "a b c d e", "1,,2 * * * *", "@often", "* * * jan-feb/ *", "0 0 * * sun-xyz"];
    const { rows } = await db.pool.query(
      "select e, app_public.is_valid_cron_expression(e) as ok from unnest($1::text[]) e", [[...valid, ...invalid]]);
    const result = Object.fromEntries(rows.map((r) => [r.e, r.ok]));
    for (const e of valid) expect([e, result[e]]).toEqual([e, true]);
    for (const e of invalid) expect([e, result[e]]).toEqual([e, false]);
  });

  it("enforces the configurable node-count and definition-size limits with LFLIM (defaults 1,000 nodes and 5 MB)", async () => {
    const { rows } = await db.pool.query("select max_nodes, max_definition_bytes from app_private.workflow_settings");
    expect(rows[0]).toEqual({ max_nodes: 1000, max_definition_bytes: 5 * 1024 * 1024 });
    const before = await counts();
    await expect(repo.as(ed()).createWithVersion(t.teamId, chain(1001, { trigger: false })))
      .rejects.toMatchObject({ code: "LIMIT_EXCEEDED", sqlState: "LFLIM", field: "nodes" });
    const huge = { name: "huge", nodes: [{ name: "a", type: "t", parameters: { blob: "x".repeat(5 * 1024 * 1024) } }] };
    await expect(repo.as(ed()).createWithVersion(t.teamId, huge)).rejects.toMatchObject({ code: "LIMIT_EXCEEDED", field: "definition" });
    expect(await counts()).toEqual(before);
    // 1,000 nodes is allowed
    const big = await repo.as(ed()).createWithVersion(t.teamId, chain(1000));
    expect((await repo.as(ed()).getWithNodes(big.id)).nodes).toHaveLength(1000);
    await db.pool.query("update app_private.workflow_settings set max_nodes = 5, max_definition_bytes = 2048");
    try {
      await expect(repo.as(ed()).save(big.id, 1, chain(6))).rejects.toMatchObject({ code: "LIMIT_EXCEEDED", field: "nodes" });
      await expect(repo.as(ed()).createWithVersion(t.teamId, { name: "x", description: "d".repeat(3000) })).rejects.toMatchObject({ code: "LIMIT_EXCEEDED", field: "definition" });
      expect((await repo.as(ed()).save(big.id, 1, chain(5))).currentVersion).toBe(2);
    } finally {
      await db.pool.query("update app_private.workflow_settings set max_nodes = 1000, max_definition_bytes = 5242880");
    }
  });

  it("stores node parameters and version snapshots with lz4 compression where the server has it", async () => {
    const lz4 = (await db.pool.query("select 'lz4' = any(enumvals) as ok from pg_settings where name = 'default_toast_compression'")).rows[0].ok as boolean;
    const { rows } = await db.pool.query(`select attcompression from pg_attribute
      where (attrelid = 'app_public.workflow_nodes'::regclass and attname = 'parameters') or (attrelid = 'app_public.workflow_versions'::regclass and attname = 'data')`);
    expect(rows.map((r) => r.attcompression)).toEqual(lz4 ? ["l", "l"] : ["", ""]);
    const wf = await repo.as(ed()).createWithVersion(t.teamId, { name: "big params", nodes: [{ name: "a", type: "t", parameters: { text: "lorem ipsum ".repeat(2000) } }] });
    const c = await db.pool.query(`select pg_column_compression(n.parameters) as p, pg_column_compression(v.data) as d
      from app_public.workflow_nodes n join app_public.workflow_versions v on v.workflow_id = n.workflow_id where n.workflow_id = $1`, [wf.id]);
    expect(c.rows[0]).toEqual(lz4 ? { p: "lz4", d: "lz4" } : { p: "pglz", d: "pglz" });
  });
});

describe("workflows RLS by team role", () => {
  it("viewers read but cannot create, save, activate or archive", async () => {
    const wf = await repo.as(ed()).createWithVersion(t.teamId, chain(2));
    const v = { userId: t.viewer };
    expect((await repo.as(v).getWithNodes(wf.id)).nodes).toHaveLength(2);
    expect(await repo.as(v).listVersions(wf.id)).toHaveLength(1);
    await expect(repo.as(v).createWithVersion(t.teamId, chain(1))).rejects.toMatchObject({ code: "FORBIDDEN", sqlState: "LFDNY" });
    await expect(repo.as(v).save(wf.id, 1, chain(1))).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(repo.as(v).restore(wf.id, 1, 1)).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(repo.as(v).activate(wf.id)).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(repo.as(v).archive(wf.id)).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("editors create and save but cannot archive or delete; admins and owners can", async () => {
    const wf = await repo.as(ed()).createWithVersion(t.teamId, chain(2));
    await repo.as(ed()).save(wf.id, 1, chain(3));
    await expect(repo.as(ed()).archive(wf.id)).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(repo.as(ed()).delete(wf.id)).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect((await repo.as({ userId: t.admin }).archive(wf.id)).status).toBe("archived");
    await repo.as({ userId: t.owner }).delete(wf.id);
  });

  it("non-members see nothing and cannot write (not found, not forbidden: existence is not revealed)", async () => {
    const wf = await repo.as(ed()).createWithVersion(t.teamId, chain(2));
    const o = { userId: t.outsider };
    await expect(repo.as(o).getWithNodes(wf.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await repo.as(o).listVersions(wf.id)).toEqual([]);
    await expect(repo.as(o).getVersion(wf.id, 1)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(repo.as(o).diff(wf.id, 1, 1)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(repo.as(o).save(wf.id, 1, chain(1))).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(repo.as(o).delete(wf.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(repo.as(o).createWithVersion(t.teamId, chain(1))).rejects.toMatchObject({ code: "NOT_FOUND" });
    const visible = await db.asUser(t.outsider, async (c) => {
      const r = await c.query(`select (select count(*) from app_public.workflows)::int + (select count(*) from app_public.workflow_nodes)::int
        + (select count(*) from app_public.workflow_connections)::int + (select count(*) from app_public.workflow_triggers)::int
        + (select count(*) from app_public.workflow_versions)::int + (select count(*) from app_public.workflow_activations)::int as n`);
      return r.rows[0].n;
    });
    expect(visible).toBe(0);
  });

  it("the visitor has no direct write privilege on the workflow tables", async () => {
    const wf = await repo.as(ed()).createWithVersion(t.teamId, chain(1));
    await expect(db.asUser(t.owner, (c) => c.query("update app_public.workflows set name = 'x' where id = $1", [wf.id])))
      .rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(db.asUser(t.owner, (c) => c.query("delete from app_public.workflow_versions where workflow_id = $1", [wf.id])))
      .rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(db.asUser(t.owner, (c) => c.query("insert into app_public.workflow_nodes (workflow_id, team_id, name, type) values ($1, $2, 'n', 't')", [wf.id, t.teamId])))
      .rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});

describe("workflow version retention", () => {
  it("keeps everything by default", async () => {
    const wf = await repo.as(ed()).createWithVersion(t.teamId, chain(1));
    for (let v = 1; v <= 5; v++) await repo.as(ed()).save(wf.id, v, chain(1, { seed: v }));
    const { rows } = await db.pool.query("select * from app_private.apply_workflow_version_retention(null, $1)", [wf.id]);
    expect(rows).toEqual([]);
    expect(await repo.as(ed()).listVersions(wf.id)).toHaveLength(6);
  });

  it("keep last N keeps every version that was ever active and every version pinned by an execution", async () => {
    const wf = await repo.as(ed()).createWithVersion(t.teamId, chain(2));
    for (let v = 1; v <= 3; v++) await repo.as(ed()).save(wf.id, v, chain(2, { seed: v })); // v4
    await repo.as(ed()).activate(wf.id); // v4 active
    await repo.as(ed()).save(wf.id, 4, chain(2, { seed: 9 })); // v5 saved while active: live too
    await repo.as(ed()).deactivate(wf.id);
    for (let v = 5; v <= 9; v++) await repo.as(ed()).save(wf.id, v, chain(2, { seed: 10 + v })); // v6..v10
    await db.pool.query("insert into app_public.executions (team_id, workflow_id, workflow_version) values ($1, $2, 2)", [t.teamId, wf.id]);
    const { rows } = await db.pool.query("select workflow_id, deleted, skipped from app_private.apply_workflow_version_retention(3, $1)", [wf.id]);
    expect(rows).toEqual([{ workflow_id: wf.id, deleted: 4, skipped: false }]); // 1, 3, 6, 7
    const kept = (await repo.as(ed()).listVersions(wf.id)).map((v) => v.version);
    expect(kept).toEqual([10, 9, 8, 5, 4, 2]);
    // the policy from settings, applied to every workflow, is idempotent
    await db.pool.query("update app_private.workflow_settings set retention_keep_last = 3");
    try {
      await db.pool.query("select * from app_private.apply_workflow_version_retention()");
      expect((await repo.as(ed()).listVersions(wf.id)).map((v) => v.version)).toEqual([10, 9, 8, 5, 4, 2]);
    } finally {
      await db.pool.query("update app_private.workflow_settings set retention_keep_last = null");
    }
    // a pruned version is gone for diff/restore, kept ones still restore
    await expect(repo.as(ed()).restore(wf.id, 3, 10)).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await repo.as(ed()).restore(wf.id, 4, 10)).currentVersion).toBe(11);
  });

  it("a pinned version cannot be deleted, even directly by the owner", async () => {
    const wf = await repo.as(ed()).createWithVersion(t.teamId, chain(1));
    await db.pool.query("insert into app_public.executions (team_id, workflow_id, workflow_version) values ($1, $2, 1)", [t.teamId, wf.id]);
    await expect(db.pool.query("delete from app_public.workflow_versions where workflow_id = $1", [wf.id])).rejects.toMatchObject({ code: "23503" });
    // deleting the whole workflow still works (executions go with it)
    await repo.as({ userId: t.admin }).delete(wf.id);
  });

  it("the retention task file runs the policy", async () => {
    const task = (await import("../../tasks/workflow_version_retention.ts")).default;
    const wf = await repo.as(ed()).createWithVersion(t.teamId, chain(1));
    for (let v = 1; v <= 3; v++) await repo.as(ed()).save(wf.id, v, chain(1, { seed: v }));
    const logs: string[] = [];
    const helpers = { query: (sql: string, params: unknown[]) => db.pool.query(sql, params), logger: { info: (m: string) => logs.push(m) } };
    await task({ keep_last: 1, workflow_id: wf.id }, helpers as never);
    expect((await repo.as(ed()).listVersions(wf.id)).map((v) => v.version)).toEqual([4]);
    expect(logs.join()).toMatch(/deleted 3 versions/);
  });
});
