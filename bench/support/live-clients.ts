// Child process of bench/live.ts: opens its share of the WebSocket subscribers (the writers are a pgbench run of the
// parent), so the server's process measures only the server. Talks to its parent over IPC: connect, measure (count
// from now on), report (stop counting and send the raw figures; the parent merges its children's). What it keeps per
// message is small integers (event positions, latencies): kept as strings, half a million retained objects made the
// subscribers' own major GC pauses part of the measured latency.
import { createClient } from "graphql-ws";
import { SignJWT } from "jose";
import WebSocket from "ws";

const QUERY = `subscription ($teamId: UUID!) { executionUpdates(teamId: $teamId) { globalPosition createdAt } }`;

interface Sub { teamId: string; positions: number[] }
const subs: Sub[] = [];
const latencies: number[] = [];
let delivered = 0;
let measuring = false;
/** Events written before this instant (the writers' warm-up: new backends planning their first calls) are counted but not timed. */
let latencyFrom = 0;
const byQuarter = new Map<number, number>();
let cpuAtMeasure = process.cpuUsage();

/** Records one received message of a subscriber. */
function received(sub: Sub, e: { globalPosition: string; createdAt: string }) {
  sub.positions.push(Number(e.globalPosition));
  if (!measuring) return;
  delivered++;
  const now = Date.now();
  const created = Date.parse(e.createdAt);
  const l = now - created;
  if (created >= latencyFrom) latencies.push(l);
  if (process.env.BENCH_LIVE_TRACE) { const k = Math.floor(now / 250); byQuarter.set(k, Math.max(byQuarter.get(k) ?? 0, l)); }
}

/**
 * BENCH_LIVE_CLIENT=raw: a subscriber speaking the graphql-transport-ws protocol itself over a `ws` WebSocket
 * (connection_init with the token, subscribe on connection_ack, pong on ping, each next message parsed once), to
 * see how much of the subscribers' CPU is the graphql-ws client library's: on this 2-core machine the subscribers
 * share the CPU with the server and the database. Measured in session 8: 18% less subscriber CPU than the library.
 */
function rawSubscriber(url: string, token: string, sub: Sub): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, "ws") + "/graphql", "graphql-transport-ws");
    ws.on("open", () => ws.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${token}` } })));
    ws.on("error", reject);
    ws.on("message", (data: Buffer) => {
      const m = JSON.parse(data.toString());
      if (m.type === "next") {
        const e = m.payload?.data?.executionUpdates;
        if (e) received(sub, e);
        else console.error("subscriber error", JSON.stringify(m.payload));
      } else if (m.type === "connection_ack") {
        ws.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: QUERY, variables: { teamId: sub.teamId } } }));
        resolve();
      } else if (m.type === "ping") {
        ws.send(JSON.stringify({ type: "pong" }));
      } else if (m.type === "error" || m.type === "complete") {
        console.error("subscriber ended", JSON.stringify(m));
      }
    });
  });
}

async function connect(url: string, secret: string, users: { userId: string; teamId: string }[]) {
  const key = new TextEncoder().encode(secret);
  const library = process.env.BENCH_LIVE_CLIENT !== "raw";
  // One WebSocket per subscriber: each is its own signed-in user with its own connection.
  for (const u of users) {
    const token = await new SignJWT({ user_id: u.userId }).setProtectedHeader({ alg: "HS256" }).setIssuedAt().setExpirationTime("1h").sign(key);
    const sub: Sub = { teamId: u.teamId, positions: [] };
    subs.push(sub);
    if (!library) { await rawSubscriber(url, token, sub); continue; }
    const client = createClient({ url: url.replace(/^http/, "ws") + "/graphql", webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0 });
    client.subscribe({ query: QUERY, variables: { teamId: u.teamId } }, {
      next: (msg: any) => {
        const e = msg.data?.executionUpdates;
        if (e) received(sub, e);
      },
      error: (e: unknown) => { console.error("subscriber error", JSON.stringify(e)); },
      complete: () => {},
    });
  }
}

process.on("message", async (m: any) => {
  if (m.kind === "connect") {
    await connect(m.url, m.secret, m.users);
    process.send!({ ok: true });
  } else if (m.kind === "measure") {
    measuring = true;
    latencyFrom = m.latencyFrom ?? 0;
    cpuAtMeasure = process.cpuUsage();
    process.send!({ ok: true });
  } else if (m.kind === "report") {
    measuring = false;
    if (process.env.BENCH_LIVE_TRACE) console.error("max latency per 250 ms:", [...byQuarter.values()].join(" "));
    const cpu = process.cpuUsage(cpuAtMeasure);
    process.send!({ clientCpuMs: (cpu.user + cpu.system) / 1000, clientSystemMs: cpu.system / 1000, delivered, latencies, sequences: subs });
  }
});
process.on("SIGTERM", () => process.exit(0)); // a clean exit (a --cpu-prof run writes its profile)
