import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { ConflictError, IllegalTransitionError, LinkFlowError } from "../../src/errors.ts";
import { ExecutionsRepository } from "../../src/executions/index.ts";
import { useTestDatabase } from "../harness/db.ts";
import { makeWorld, type World } from "./setup.ts";

const db = useTestDatabase();
let w: World;
beforeAll(async () => { w = await makeWorld(db.pool); });

describe("executions: start_execution", () => {
  it("starts a pending execution pinned to the workflow's current version, created_at = the id's UUIDv7 time", async () => {
    await db.pool.query("insert into app_public.workflow_versions (workflow_id, team_id, version, data) values ($1, $2, 2, '{}')", [w.workflow.id, w.team.id]);
    await db.pool.query("update app_public.workflows set current_version = 2 where id = $1", [w.workflow.id]);
    const e = await w.service.start({ workflowId: w.workflow.id, triggerType: "webhook", input: { a: 1 } });
    expect(e).toMatchObject({ state: "pending", workflowVersion: 2, attempt: 1, version: 1, triggerType: "webhook", input: { a: 1 }, teamId: w.team.id });
    const { rows } = await db.pool.query("select app_hidden.uuid_v7_time($1::uuid) = $2::timestamptz as same", [e.id, e.createdAt]);
    expect(rows[0].same).toBe(true);
    const history = await w.service.transitions(e.id);
    expect(history).toEqual([expect.objectContaining({ seq: 1, fromState: null, toState: "pending" })]);
  });

  it("refuses workflows that are not active (LFSTA naming the status) and unknown ones (LFNTF), writing nothing", async () => {
    const count = async () => Number((await db.pool.query("select count(*) from app_public.executions")).rows[0].count);
    const before = await count();
    const err = await w.service.start({ workflowId: w.draft.id }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IllegalTransitionError);
    expect((err as IllegalTransitionError).currentState).toBe("draft");
    expect(((await w.service.start({ workflowId: "0190a0a0-0000-7000-8000-000000000000" }).catch((e: unknown) => e)) as LinkFlowError).code).toBe("NOT_FOUND");
    expect(((await w.service.start({ workflowId: w.workflow.id, triggerType: "carrier-pigeon" as never }).catch((e: unknown) => e)) as LinkFlowError).code).toBe("VALIDATION");
    expect(await count()).toBe(before);
  });

  it("returns the same execution for the same idempotency key, and refuses the key on another workflow", async () => {
    const a = await w.service.start({ workflowId: w.workflow.id, idempotencyKey: "order-1" });
    const b = await w.service.start({ workflowId: w.workflow.id, idempotencyKey: "order-1", input: { different: true } });
    expect(b.id).toBe(a.id);
    const other = await db.pool.query("insert into app_public.workflows (team_id, name, status) values ($1, 'other', 'active') returning id", [w.team.id]);
    await db.pool.query("insert into app_public.workflow_versions (workflow_id, team_id, version, data) values ($1, $2, 1, '{}')", [other.rows[0].id, w.team.id]);
    await expect(w.service.start({ workflowId: other.rows[0].id, idempotencyKey: "order-1" })).rejects.toBeInstanceOf(ConflictError);
    // keys are per team: another team may use the same key
    const c = await w.service.start({ workflowId: w.otherWorkflow.id, idempotencyKey: "order-1" });
    expect(c.id).not.toBe(a.id);
    const { rows } = await db.pool.query("select count(*)::int as n from app_public.executions where idempotency_key = 'order-1'");
    expect(rows[0].n).toBe(2);
  });

  it("is idempotent under parallel calls with the same key from separate connections", async () => {
    const clients = await Promise.all(Array.from({ length: 8 }, async () => {
      const c = new pg.Client({ connectionString: db.ownerUrl });
      await c.connect();
      return c;
    }));
    try {
      for (let round = 0; round < 3; round++) {
        const key = `parallel-${round}`;
        // all sessions hold an open transaction, then insert at once: the first commit wins, the rest wait and return it
        await Promise.all(clients.map((c) => c.query("begin")));
        const ids = await Promise.all(clients.map(async (c) => {
          const { rows } = await c.query("select id from app_private.start_execution($1, 'manual', null, $2, null, false)", [w.workflow.id, key]);
          await c.query("commit");
          return rows[0].id as string;
        }));
        expect(new Set(ids).size).toBe(1);
        const n = await db.pool.query("select count(*)::int as n from app_public.executions where idempotency_key = $1", [key]);
        expect(n.rows[0].n).toBe(1);
        const ev = await db.pool.query("select count(*)::int as n from app_public.events where stream_id = $1", [`execution-${ids[0]}`]);
        expect(ev.rows[0].n).toBe(1);
      }
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });

  it("is idempotent through the repository with concurrent pooled calls", async () => {
    const repo = new ExecutionsRepository(db.pool);
    const results = await Promise.all(Array.from({ length: 10 }, () => repo.start({ workflowId: w.workflow.id, idempotencyKey: "pooled" })));
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
  });
});
