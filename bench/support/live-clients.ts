// Child process of bench/live.ts: opens the WebSocket subscribers and runs the writers, so
// the server's process measures only the server. Talks to its parent over IPC.
import { createClient } from "graphql-ws";
import { SignJWT } from "jose";
import pg from "pg";
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

async function write(ownerUrl: string, teams: { id: string; workflowId: string }[], rate: number, seconds: number): Promise<number> {
  const pool = new pg.Pool({ connectionString: ownerUrl, max: 16 });
  // Executions to move: 8 per team, cycling queued -> running -> failed -> queued.
  const execs: { id: string; state: string }[] = [];
  for (const t of teams) {
    for (let i = 0; i < 8; i++) {
      const { rows } = await pool.query("select id from app_private.start_execution($1, 'manual', null, null, null, false)", [t.workflowId]);
      execs.push({ id: rows[0].id, state: "pending" });
    }
  }
  const nextState: Record<string, string> = { pending: "queued", queued: "running", running: "failed", failed: "queued" };
  measuring = true;
  const deadline = Date.now() + seconds * 1000;
  let written = 0;
  const workers = 16;
  const perWorker = rate / workers;
  await Promise.all(Array.from({ length: workers }, async (_, w) => {
    const mine = execs.filter((_, i) => i % workers === w);
    let k = 0;
    const started = Date.now();
    while (Date.now() < deadline) {
      const e = mine[k++ % mine.length]!;
      const to = nextState[e.state]!;
      await pool.query("select 1 from app_private.transition_execution($1, $2, null, null, null, false)", [e.id, to]);
      e.state = to;
      written++;
      const due = started + (k / perWorker) * 1000;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }));
  await new Promise((r) => setTimeout(r, 3000)); // let the last events arrive
  measuring = false;
  await pool.end();
  return written;
}

const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! : NaN; };

process.on("message", async (m: any) => {
  if (m.kind === "connect") {
    await connect(m.url, m.secret, m.users);
    process.send!({ ok: true });
  } else if (m.kind === "write") {
    const written = await write(m.ownerUrl, m.teams, m.rate, m.seconds);
    process.send!({ written, delivered, p50: pct(latencies, 50), p99: pct(latencies, 99), sequences: subs });
  }
});
