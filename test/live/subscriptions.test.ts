// The live API over real WebSockets (graphql-ws) against the real server: delivery in order, resume by cursor
// across disconnects, restarts and server processes, rolled-back writes never delivered, membership enforced.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExecutionsRepository } from "../../src/executions/index.ts";
import { useTestDatabase } from "../harness/db.ts";
import { makeTeam, makeUser, makeWorkflow } from "../harness/fixtures.ts";
import { httpGraphQL, signToken } from "../harness/graphql.ts";
import { EXECUTION_UPDATES, liveClient, TEAM_ACTIVITY, until, WORKFLOW_CHANGES, type LiveClient } from "./helpers.ts";

const db = useTestDatabase();
// The log exposes a transaction once every older one in the cluster has finished, so under a loaded cluster an
// event can become readable seconds after its commit: waits are generous and checks look at this test's rows.
const WAIT = 90_000;
const T = 180_000;
const of = <E extends { data: any }>(rec: { events: E[] }, ids: string[]): E[] => rec.events.filter((e) => ids.includes(e.data.execution_id));

describe("live API: GraphQL subscriptions over the event log", () => {
  let server: Awaited<ReturnType<typeof httpGraphQL>>;
  let repo: ExecutionsRepository;
  let team: { id: string }; let otherTeam: { id: string };
  let workflow: { id: string }; let otherWorkflow: { id: string };
  let member: { id: string }; let outsider: { id: string };
  const clients: LiveClient[] = [];
  const open = async (userId: string | null) => {
    const c = liveClient(server.url, userId ? await signToken(userId) : undefined);
    clients.push(c);
    return c;
  };

  /** Waits until the server's hub has n subscribers (a subscription is registered at the live end). */
  const subscribed = (n: number, srv = server) => until(() => (srv.app.live?.subscriberCount ?? 0) >= n, WAIT, `${n} subscribers`);

  /** Starts an execution and moves it through queued and running: 3 events. */
  const runOne = async (wf = workflow) => {
    const e = await repo.start({ workflowId: wf.id });
    await repo.transition(e.id, "queued");
    await repo.transition(e.id, "running");
    return e.id;
  };

  beforeAll(async () => {
    member = await makeUser(db.pool); outsider = await makeUser(db.pool);
    team = await makeTeam(db.pool, [{ userId: member.id, role: "editor" }]);
    otherTeam = await makeTeam(db.pool, [{ userId: outsider.id, role: "owner" }]);
    workflow = await makeWorkflow(db.pool, team.id, { status: "active" });
    otherWorkflow = await makeWorkflow(db.pool, otherTeam.id, { status: "active" });
    repo = new ExecutionsRepository(db.pool);
    server = await httpGraphQL(db, { LIVE_POLL_MS: "20" });
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await server?.close();
  }, T);

  it("delivers a member's team events live, in order, each once, and never another team's", async () => {
    const c = await open(member.id);
    const base = server.app.live!.subscriberCount;
    const { rec } = c.subscribe(EXECUTION_UPDATES, { teamId: team.id });
    await subscribed(base + 1); // registered at the live end
    const id = await runOne();
    const foreign = await runOne(otherWorkflow);
    const marker = await runOne();
    await until(() => of(rec, [marker]).length >= 3, WAIT, "3 events");
    expect(rec.errors).toEqual([]);
    const mine = of(rec, [id]);
    expect(mine.map((e) => e.type)).toEqual(["ExecutionCreated", "ExecutionStateChanged", "ExecutionStateChanged"]);
    expect(mine.map((e) => e.data.to_state ?? "created")).toEqual(["created", "queued", "running"]);
    expect(rec.events.every((e) => e.data.team_id === team.id)).toBe(true);
    expect(of(rec, [foreign])).toEqual([]);
    const positions = rec.events.map((e) => BigInt(e.globalPosition));
    expect(new Set(positions).size).toBe(positions.length);
  }, T);

  it("delivers the same messages whether a selection is served directly (built once per event) or by grafast", async () => {
    // A plain list of LiveEvent fields (aliases and __typename included) is built once per event and shape and
    // written straight to the socket; a selection with a fragment is executed by grafast per event. Same answer.
    const all = "cursor globalPosition eventId type streamId streamType streamVersion teamId data metadata createdAt";
    const direct = `subscription ($teamId: UUID!) { u: executionUpdates(teamId: $teamId) { __typename kind: type ${all} at: createdAt } }`;
    const viaGrafast = `subscription ($teamId: UUID!) { u: executionUpdates(teamId: $teamId) { ...F } }
      fragment F on LiveEvent { __typename kind: type ${all} at: createdAt }`;
    const c = await open(member.id);
    const base = server.app.live!.subscriberCount;
    const { rec: a, stop: stopA } = c.subscribe(direct, { teamId: team.id });
    const { rec: b, stop: stopB } = c.subscribe(viaGrafast, { teamId: team.id });
    await subscribed(base + 2);
    const id = await runOne();
    await until(() => of(a, [id]).length >= 3 && of(b, [id]).length >= 3, WAIT, "3 events each");
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
    expect(of(a, [id])).toEqual(of(b, [id]));
    expect(Object.keys(of(a, [id])[0]!)).toEqual(["__typename", "kind", ...all.split(" "), "at"]);
    const first = of(a, [id])[0] as unknown as { createdAt: string };
    expect(first.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/); // ISO 8601, milliseconds kept
    stopA(); stopB(); // the client completes both: the hub lets both go
    await until(() => server.app.live!.subscriberCount === base, WAIT, "both subscriptions released");
  }, T);

  it("filters by workflow and execution", async () => {
    const other = await makeWorkflow(db.pool, team.id, { status: "active" });
    const c = await open(member.id);
    const base = server.app.live!.subscriberCount;
    const byWorkflow = c.subscribe(EXECUTION_UPDATES, { teamId: team.id, workflowId: other.id }).rec;
    await subscribed(base + 1);
    await runOne();
    const id = await runOne(other);
    await until(() => byWorkflow.events.length >= 3, WAIT, "workflow events");
    const byExecution = c.subscribe(EXECUTION_UPDATES, { teamId: team.id, executionId: id, after: byWorkflow.events[0]!.cursor }).rec;
    await until(() => byExecution.events.length >= 2, WAIT, "execution events");
    await new Promise((r) => setTimeout(r, 300));
    expect(byWorkflow.events.every((e) => e.data.workflow_id === other.id)).toBe(true);
    expect(byExecution.events.map((e) => e.data.to_state)).toEqual(["queued", "running"]);
  }, T);

  it("resumes after a cursor with exactly the missed events, once, in order (also on another server process)", async () => {
    const c1 = await open(member.id);
    const base = server.app.live!.subscriberCount;
    const first = c1.subscribe(TEAM_ACTIVITY, { teamId: team.id });
    await subscribed(base + 1);
    const seen = await runOne();
    await until(() => of(first.rec, [seen]).length >= 3, WAIT, "first events");
    const cursor = of(first.rec, [seen])[2]!.cursor;
    const cursorPosition = BigInt(of(first.rec, [seen])[2]!.globalPosition);
    await c1.close(); // disconnect
    // Missed while away: 2 executions (6 events), plus another team's.
    const missed = [await runOne(), await runOne()];
    await runOne(otherWorkflow);
    // Resume on a second server process (its own reader and hub) with the cursor.
    const second = await httpGraphQL(db, { LIVE_POLL_MS: "20" });
    try {
      const c2 = liveClient(second.url, await signToken(member.id));
      clients.push(c2);
      const resumed = c2.subscribe(TEAM_ACTIVITY, { teamId: team.id, after: cursor }).rec;
      await until(() => of(resumed, missed).length >= 6, WAIT, "resumed events");
      const live = await runOne();
      await until(() => of(resumed, [live]).length >= 3, WAIT, "live after resume");
      expect(resumed.errors).toEqual([]);
      expect(of(resumed, [...missed, live]).map((e) => e.data.execution_id)).toEqual([...Array(3).fill(missed[0]), ...Array(3).fill(missed[1]), ...Array(3).fill(live)]);
      expect(of(resumed, [seen])).toEqual([]);
      const positions = resumed.events.map((e) => BigInt(e.globalPosition));
      expect(new Set(positions).size).toBe(positions.length);
      expect(positions.every((p) => p > cursorPosition)).toBe(true);
      expect(resumed.events.every((e) => e.data.team_id === team.id)).toBe(true);
    } finally {
      await second.close();
    }
  }, T);

  it("resumes across a restart of the server", async () => {
    const c = await open(member.id);
    const base = server.app.live!.subscriberCount;
    const a = c.subscribe(WORKFLOW_CHANGES, { teamId: team.id }).rec;
    await subscribed(base + 1);
    await db.pool.query("select app_private.append_events('workflow-' || $1, 'workflow', null, $2::jsonb, $3)",
      [workflow.id, JSON.stringify([{ type: "WorkflowSaved", data: { workflow_id: workflow.id, team_id: team.id, version: 2 } }]), team.id]);
    await until(() => a.events.some((e) => e.data.version === 2), WAIT, "first workflow change");
    const cursor = a.events.find((e) => e.data.version === 2)!.cursor;
    await c.close();
    await server.close();
    await db.pool.query("select app_private.append_events('workflow-' || $1, 'workflow', null, $2::jsonb, $3)",
      [workflow.id, JSON.stringify([{ type: "WorkflowSaved", data: { workflow_id: workflow.id, team_id: team.id, version: 3 } }]), team.id]);
    server = await httpGraphQL(db, { LIVE_POLL_MS: "20" });
    const c2 = await open(member.id);
    const b = c2.subscribe(WORKFLOW_CHANGES, { teamId: team.id, after: cursor }).rec;
    await until(() => b.events.some((e) => e.data.version === 3), WAIT, "resumed workflow change");
    expect(b.events.filter((e) => e.data.workflow_id === workflow.id).map((e) => e.data.version)).toEqual([3]);
  }, T);

  it("never delivers events of rolled-back transactions, also among concurrent committed writers", async () => {
    const c = await open(member.id);
    const base = server.app.live!.subscriberCount;
    const { rec } = c.subscribe(EXECUTION_UPDATES, { teamId: team.id });
    await subscribed(base + 1);
    const committed: string[] = [];
    const rolledBack: string[] = [];
    await Promise.all(Array.from({ length: 8 }, async (_, i) => {
      const client = await db.pool.connect();
      try {
        await client.query("begin");
        const { rows } = await client.query("select id from app_private.start_execution($1, 'manual', null, null, null, false)", [workflow.id]);
        if (i % 2 === 0) { await client.query("rollback"); rolledBack.push(rows[0].id); } else { await client.query("commit"); committed.push(rows[0].id); }
      } finally { client.release(); }
    }));
    const marker = await runOne();
    await until(() => of(rec, [marker]).length >= 3, WAIT, "committed events");
    expect(of(rec, committed).map((e) => e.data.execution_id).sort()).toEqual([...committed].sort());
    expect(of(rec, rolledBack)).toEqual([]);
  }, T);

  it("refuses anonymous callers, forged tokens and non-members with typed errors", async () => {
    const anon = await open(null);
    const a = anon.subscribe(EXECUTION_UPDATES, { teamId: team.id }).rec;
    const forged = liveClient(server.url, await signToken(member.id, { secret: "x".repeat(40) }));
    clients.push(forged);
    const f = forged.subscribe(EXECUTION_UPDATES, { teamId: team.id }).rec;
    const other = await open(outsider.id);
    const o = other.subscribe(EXECUTION_UPDATES, { teamId: team.id }).rec;
    const bad = (await open(member.id)).subscribe(EXECUTION_UPDATES, { teamId: team.id, after: "not-a-cursor" }).rec;
    await until(() => a.errors.length > 0 && f.errors.length > 0 && o.errors.length > 0 && bad.errors.length > 0, WAIT, "errors");
    await runOne();
    await new Promise((r) => setTimeout(r, 300));
    expect(a.errors[0]!.extensions?.code).toBe("UNAUTHENTICATED");
    expect(f.errors[0]!.extensions?.code).toBe("UNAUTHENTICATED");
    expect(o.errors[0]!.extensions?.code).toBe("FORBIDDEN");
    expect(bad.errors[0]!.extensions?.code).toBe("VALIDATION");
    expect([a, f, o, bad].every((r) => r.events.length === 0)).toBe(true);
  }, T);

  it("ends a removed member's subscription at once with FORBIDDEN, and keeps the others", async () => {
    const leaving = await makeUser(db.pool);
    await db.pool.query("insert into app_public.team_memberships (team_id, user_id, role) values ($1, $2, 'viewer')", [team.id, leaving.id]);
    const base = server.app.live!.subscriberCount;
    const gone = (await open(leaving.id)).subscribe(EXECUTION_UPDATES, { teamId: team.id }).rec;
    const stays = (await open(member.id)).subscribe(EXECUTION_UPDATES, { teamId: team.id }).rec;
    await subscribed(base + 2);
    const before = await runOne();
    await until(() => of(gone, [before]).length >= 3 && of(stays, [before]).length >= 3, WAIT, "events before removal");
    await db.pool.query("delete from app_public.team_memberships where team_id = $1 and user_id = $2", [team.id, leaving.id]);
    await until(() => gone.errors.length > 0, 5_000, "removal error");
    const after = await runOne();
    await until(() => of(stays, [after]).length >= 3, WAIT, "events after removal");
    expect(gone.errors[0]!.extensions?.code).toBe("FORBIDDEN");
    expect(of(gone, [after])).toEqual([]);
  });
});
