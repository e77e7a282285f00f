// One repository shape (docs/library.md "Repositories"): users, workflows, executions and the event store take
// the same caller model (a signed-in user under RLS, or the service path), join a caller's transaction the same
// way, page with one cursor codec and refuse what they do not serve with typed errors.
import { beforeAll, describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor } from "../../src/db/cursor.ts";
import { withTransaction } from "../../src/db/transaction.ts";
import { EventStore } from "../../src/events/index.ts";
import { ExecutionsRepository } from "../../src/executions/index.ts";
import { UserRepository } from "../../src/users/index.ts";
import { WorkflowRepository } from "../../src/workflows/index.ts";
import { useTestDatabase } from "../harness/db.ts";
import { makeTeam, makeUser } from "../harness/fixtures.ts";

const db = useTestDatabase();
let editor: { id: string; email: string };
let teammate: { id: string; email: string };
let outsider: { id: string; email: string };
let teamId: string;
let workflowId: string;

const rejection = (p: Promise<unknown>) => p.then(() => { throw new Error("expected a rejection"); }, (e: unknown) => e);

beforeAll(async () => {
  editor = await makeUser(db.pool);
  teammate = await makeUser(db.pool);
  outsider = await makeUser(db.pool);
  teamId = (await makeTeam(db.pool, [{ userId: editor.id, role: "editor" }, { userId: teammate.id, role: "viewer" }])).id;
  const wf = await new WorkflowRepository(db.pool).asUser(editor.id).createWithVersion(teamId, { name: "Shape" });
  workflowId = wf.id;
  await db.pool.query("update app_public.workflows set status = 'active' where id = $1", [workflowId]);
});

describe("the repository shape", () => {
  it("every repository is bound to a caller: service by default, re-targeted with as()/asUser()", () => {
    const users = new UserRepository(db.pool);
    const workflows = new WorkflowRepository(db.pool);
    const executions = new ExecutionsRepository(db.pool, undefined, { groupCommit: false });
    const events = new EventStore(db.pool);
    for (const r of [users, workflows, executions, events]) expect(r.caller).toEqual({ kind: "service", actorId: null });
    expect(users.asUser(editor.id).caller).toEqual({ userId: editor.id });
    expect(workflows.asUser(editor.id, { traceId: "t-1" }).caller).toEqual({ userId: editor.id, traceId: "t-1" });
    expect(executions.as({ userId: editor.id }).caller).toEqual({ userId: editor.id });
    expect(executions.asUser(editor.id).asService("engine-1").caller).toEqual({ kind: "service", actorId: "engine-1" });
  });

  it("a signed-in user reads under RLS in every repository that serves users", async () => {
    const users = new UserRepository(db.pool);
    expect((await users.asUser(teammate.id).getById(editor.id)).email).toBe(editor.email);
    expect(await rejection(users.asUser(outsider.id).getById(editor.id))).toMatchObject({ code: "NOT_FOUND" });
    const found = await users.asUser(outsider.id).search({ query: editor.email });
    expect(found.items).toEqual([]);
    expect(await rejection(new WorkflowRepository(db.pool).asUser(outsider.id).getWithNodes(workflowId))).toMatchObject({ code: "NOT_FOUND" });
    const executions = new ExecutionsRepository(db.pool, undefined, { groupCommit: false });
    const started = await executions.asUser(editor.id).start({ workflowId });
    expect(await rejection(executions.asUser(outsider.id).get(started.id))).toMatchObject({ code: "NOT_FOUND" });
  });

  it("refuses a caller kind it does not serve with FORBIDDEN, writing nothing", async () => {
    const before = (await db.pool.query("select count(*)::int as n from app_public.users")).rows[0].n;
    expect(await rejection(new UserRepository(db.pool).asUser(editor.id).create({ email: "nope@example.com", name: "No" })))
      .toMatchObject({ code: "FORBIDDEN", field: "caller" });
    expect((await db.pool.query("select count(*)::int as n from app_public.users")).rows[0].n).toBe(before);
    expect(await rejection(new WorkflowRepository(db.pool).createWithVersion(teamId, { name: "No" }))).toMatchObject({ code: "FORBIDDEN" });
    expect(() => new EventStore(db.pool).as({ userId: editor.id })).toThrow(expect.objectContaining({ code: "FORBIDDEN" }));
    expect(() => new WorkflowRepository(db.pool, { userId: "not-a-uuid" })).toThrow(expect.objectContaining({ code: "VALIDATION", field: "userId" }));
  });

  it("joins the caller's transaction: a user call inside it runs under RLS, then the transaction's role comes back; a rollback undoes both", async () => {
    const workflows = new WorkflowRepository(db.pool);
    const executions = new ExecutionsRepository(db.pool, undefined, { groupCommit: false });
    const marker = `join-${Date.now()}`;
    const err = await rejection(withTransaction(db.pool, async (c) => {
      const started = await executions.asUser(editor.id).start({ workflowId, idempotencyKey: marker });
      // the user's call ran as the visitor; the transaction is the owner's again
      expect((await c.query("select current_user as u")).rows[0].u).toBe("linkflow_owner");
      expect(await rejection(executions.asUser(outsider.id).get(started.id))).toMatchObject({ code: "NOT_FOUND" });
      await workflows.asUser(editor.id).save(workflowId, 1, { name: "Shape 2" });
      // the owner sees the uncommitted writes of both calls in its transaction
      expect((await c.query("select current_version from app_public.workflows where id = $1", [workflowId])).rows[0].current_version).toBe(2);
      expect((await c.query("select count(*)::int as n from app_public.executions where idempotency_key = $1", [marker])).rows[0].n).toBe(1);
      throw new Error("roll back");
    }));
    expect(((err as Error).cause as Error).message).toBe("roll back"); // not a failed expectation inside
    expect((await db.pool.query("select current_version from app_public.workflows where id = $1", [workflowId])).rows[0].current_version).toBe(1);
    expect((await db.pool.query("select count(*)::int as n from app_public.executions where idempotency_key = $1", [marker])).rows[0].n).toBe(0);
  });

  it("pages with one cursor codec: a cursor of one listing is refused by another, garbage is refused, both as VALIDATION on after", async () => {
    const users = new UserRepository(db.pool);
    const workflows = new WorkflowRepository(db.pool).asUser(editor.id);
    const executions = new ExecutionsRepository(db.pool, undefined, { groupCommit: false });
    const workflowCursor = encodeCursor("workflows.list", [new Date().toISOString(), workflowId]);
    expect(await rejection(users.search({ after: workflowCursor }))).toMatchObject({ code: "VALIDATION", field: "after" });
    expect(await rejection(executions.history({ teamId, after: workflowCursor }))).toMatchObject({ code: "VALIDATION", field: "after" });
    expect(await rejection(workflows.list({ teamId, after: "not a cursor" }))).toMatchObject({ code: "VALIDATION", field: "after" });
    expect(() => decodeCursor(encodeCursor("workflows.list", ["yesterday", workflowId]), "workflows.list", ["timestamp", "uuid"]))
      .toThrow(expect.objectContaining({ field: "after" }));
    // an executions page hands out the same position as an object and as an opaque cursor
    for (let i = 0; i < 3; i++) await executions.start({ workflowId });
    const page = await executions.history({ teamId, limit: 2 });
    expect(page.endCursor).toEqual(expect.any(String));
    const byCursor = await executions.history({ teamId, limit: 2, after: page.endCursor! });
    const byKey = await executions.history({ teamId, limit: 2, after: page.next! });
    expect(byCursor.items.map((e) => e.id)).toEqual(byKey.items.map((e) => e.id));
    expect(byCursor.items.map((e) => e.id)).not.toContain(page.items[0]!.id);
  });
});
