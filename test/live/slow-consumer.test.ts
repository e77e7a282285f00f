// A slow WebSocket consumer under direct delivery: the subscriber whose socket stops reading ends alone with
// LIMIT_EXCEEDED and the cursor of the last event written to it, after every message before that cursor; the
// other subscribers of the team get everything, and resuming from the cursor yields exactly the rest.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { useTestDatabase } from "../harness/db.ts";
import { makeTeam, makeUser, makeWorkflow } from "../harness/fixtures.ts";
import { httpGraphQL, signToken } from "../harness/graphql.ts";
import { liveClient, until, WORKFLOW_CHANGES, type LiveClient } from "./helpers.ts";

const db = useTestDatabase();
const WAIT = 120_000;
const T = 240_000;
const EVENTS = 40_000;
const PAGE = 4_000;

/** A hand-driven graphql-ws client whose TCP socket can stop reading (the library client cannot). */
function rawSubscriber(httpUrl: string, token: string, variables: Record<string, unknown>) {
  const ws = new WebSocket(httpUrl.replace(/^http/, "ws") + "/graphql", "graphql-transport-ws");
  const got: { events: { cursor: string; globalPosition: string }[]; errors: any[]; complete: boolean } = { events: [], errors: [], complete: false };
  ws.on("open", () => ws.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${token}` } })));
  ws.on("message", (raw: Buffer) => {
    const m = JSON.parse(String(raw));
    if (m.type === "connection_ack") ws.send(JSON.stringify({ id: "slow", type: "subscribe", payload: { query: WORKFLOW_CHANGES, variables } }));
    else if (m.type === "next") got.events.push(m.payload.data.workflowChanges);
    else if (m.type === "error") got.errors.push(...m.payload);
    else if (m.type === "complete") got.complete = true;
  });
  const tcp = () => (ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  return { ws, got, pause: () => tcp().pause(), resume: () => tcp().resume() };
}

describe("live API: a slow WebSocket consumer", () => {
  let server: Awaited<ReturnType<typeof httpGraphQL>>;
  let team: { id: string }; let workflow: { id: string }; let member: { id: string };
  const clients: LiveClient[] = [];

  beforeAll(async () => {
    member = await makeUser(db.pool);
    team = await makeTeam(db.pool, [{ userId: member.id, role: "viewer" }]);
    workflow = await makeWorkflow(db.pool, team.id, { status: "active" });
    server = await httpGraphQL(db, { LIVE_POLL_MS: "20", LIVE_MAX_SOCKET_BUFFER_BYTES: "1024" });
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await server?.close();
  }, T);

  it("overflows alone with the cursor of the last message it was sent; the resume yields exactly the rest", async () => {
    const token = await signToken(member.id);
    const fastClient = liveClient(server.url, token);
    clients.push(fastClient);
    const base = server.app.live!.subscriberCount;
    const fast = fastClient.subscribe(WORKFLOW_CHANGES, { teamId: team.id }).rec;
    const slow = rawSubscriber(server.url, token, { teamId: team.id });
    await until(() => server.app.live!.subscriberCount >= base + 2, WAIT, "2 subscribers");
    slow.pause();
    // ~20 MB of messages: more than the loopback socket buffers of both ends hold, so the server's socket backs up.
    const pad = "x".repeat(400);
    for (let i = 0; i < EVENTS; i += PAGE) {
      const events = Array.from({ length: PAGE }, (_, k) => ({ type: "WorkflowSaved", data: { workflow_id: workflow.id, team_id: team.id, n: i + k, pad } }));
      await db.pool.query("select app_private.append_events('workflow-' || $1, 'workflow', null, $2::jsonb, $3)", [workflow.id, JSON.stringify(events), team.id]);
    }
    await until(() => fast.events.filter((e) => e.data.n !== undefined).length >= EVENTS, WAIT, "the fast subscriber's events");
    expect(fast.errors).toEqual([]);
    await until(() => server.app.live!.subscriberCount === base + 1, WAIT, "the slow subscriber to be dropped");
    slow.resume();
    await until(() => slow.got.errors.length > 0, WAIT, "the slow subscriber's error");
    slow.ws.close();

    const all = fast.events.filter((e) => e.data.n !== undefined);
    expect(all.map((e) => e.data.n)).toEqual(Array.from({ length: EVENTS }, (_, n) => n));
    const err = slow.got.errors[0];
    expect(err.extensions.code).toBe("LIMIT_EXCEEDED");
    const cursor: string = err.extensions.cursor;
    // What it received is a prefix of the stream, ending exactly at the cursor.
    const received = slow.got.events.map((e) => e.globalPosition);
    expect(received.length).toBeLessThan(EVENTS);
    const fastPositions = fast.events.map((e) => e.globalPosition);
    expect(received).toEqual(fastPositions.slice(0, received.length));
    const upTo = received.length ? slow.got.events[received.length - 1]!.cursor : null;
    if (upTo) expect(cursor).toBe(upTo);

    // Resuming from the cursor gives exactly the rest, once, in order.
    const again = liveClient(server.url, token);
    clients.push(again);
    const rest = again.subscribe(WORKFLOW_CHANGES, { teamId: team.id, after: cursor }).rec;
    const expected = fastPositions.slice(received.length);
    await until(() => rest.events.length >= expected.length, WAIT, "the resumed rest");
    expect(rest.errors).toEqual([]);
    expect(rest.events.map((e) => e.globalPosition)).toEqual(expected);
  }, T);
});
