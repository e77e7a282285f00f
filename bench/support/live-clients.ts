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
        if (measuring) { delivered++; latencies.push(Date.now() - Date.parse(e.createdAt)); }
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
    process.send!({ ok: true });
  } else if (m.kind === "report") {
    measuring = false;
    process.send!({ delivered, p50: pct(latencies, 50), p99: pct(latencies, 99), sequences: subs });
  }
});
