// Child process of bench/live.ts: opens the WebSocket subscribers (the writers are a pgbench run of the parent), so
// the server's process measures only the server. Talks to its parent over IPC: connect, measure (count from now
// on), report (stop counting and send the figures).
import { createClient } from "graphql-ws";
import { SignJWT } from "jose";
import WebSocket from "ws";

const QUERY = `subscription ($teamId: UUID!) { executionUpdates(teamId: $teamId) { globalPosition createdAt } }`;

interface Sub { teamId: string; positions: string[] }
const subs: Sub[] = [];
const latencies: number[] = [];
let delivered = 0;
let measuring = false;
/** Events written before this instant (the writers' warm-up: new backends planning their first calls) are counted but not timed. */
let latencyFrom = 0;
const byQuarter = new Map<number, number>();
let cpuAtMeasure = process.cpuUsage();

async function connect(url: string, secret: string, users: { userId: string; teamId: string }[]) {
  const key = new TextEncoder().encode(secret);
  // One WebSocket per subscriber: each is its own signed-in user with its own connection.
  for (const u of users) {
    const token = await new SignJWT({ user_id: u.userId }).setProtectedHeader({ alg: "HS256" }).setIssuedAt().setExpirationTime("1h").sign(key);
    const client = createClient({ url: url.replace(/^http/, "ws") + "/graphql", webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0 });
    const sub: Sub = { teamId: u.teamId, positions: [] };
    subs.push(sub);
    client.subscribe({ query: QUERY, variables: { teamId: u.teamId } }, {
      next: (msg: any) => {
        const e = msg.data?.executionUpdates;
        if (!e) return;
        sub.positions.push(e.globalPosition);
        if (measuring) { delivered++; const now = Date.now(); const created = Date.parse(e.createdAt); const l = now - created; if (created >= latencyFrom) latencies.push(l); if (process.env.BENCH_LIVE_TRACE) { const k = Math.floor(now / 250); byQuarter.set(k, Math.max(byQuarter.get(k) ?? 0, l)); } }
      },
      error: (e: unknown) => { console.error("subscriber error", JSON.stringify(e)); },
      complete: () => {},
    });
  }
}

const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! : NaN; };

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
    process.send!({ clientCpuMs: (cpu.user + cpu.system) / 1000, clientSystemMs: cpu.system / 1000, delivered, p50: pct(latencies, 50), p99: pct(latencies, 99), sequences: subs });
  }
});
process.on("SIGTERM", () => process.exit(0)); // a clean exit (a --cpu-prof run writes its profile)
