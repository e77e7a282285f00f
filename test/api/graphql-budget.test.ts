// Bounded work per request and fair use of the database, over HTTP against a real server: a time budget that
// cancels the request's database work, per-request and per-caller caps on concurrent database work, per-caller
// rate limits (RATE_LIMITED), so another user's small query keeps its normal latency while a hostile one runs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../harness/db.ts";
import { makeUser } from "../harness/fixtures.ts";
import { httpGraphQL, signToken } from "../harness/graphql.ts";

const db = useTestDatabase();
let hostile: string;
let victim: string;

beforeAll(async () => {
  // a slow function only this test database has
  await db.pool.query(`
    create function app_public.test_slow(seconds float) returns integer language sql stable as 'select 1 from pg_sleep(seconds)';
    comment on function app_public.test_slow(float) is 'test only';
    grant execute on function app_public.test_slow(float) to linkflow_visitor, linkflow_anonymous;`);
  hostile = await signToken((await makeUser(db.pool)).id);
  victim = await signToken((await makeUser(db.pool)).id);
}, 60_000);

const slowAliases = (n: number, seconds: number) => `{ ${Array.from({ length: n }, (_, i) => `s${i}: testSlow(seconds: ${seconds + i / 100000})`).join(" ")} }`;

async function timed<T>(p: Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await p;
  return { ms: performance.now() - t0, value };
}

async function sleepingBackends(): Promise<number> {
  const { rows } = await db.pool.query(
    "select count(*)::int as n from pg_stat_activity where datname = current_database() and query like '%test_slow%' and state = 'active' and pid <> pg_backend_pid()");
  return rows[0].n;
}

describe("the request time budget", () => {
  let http: Awaited<ReturnType<typeof httpGraphQL>>;
  beforeAll(async () => {
    http = await httpGraphQL(db, { GRAPHQL_REQUEST_TIMEOUT_MS: "1000", GRAPHQL_STATEMENT_TIMEOUT_MS: "5000" });
    await http.query("{ __typename }"); // builds the schema
  }, 60_000);
  afterAll(async () => { await http?.close(); });

  it("cancels a request whose database work outlasts the budget, answering TIMEOUT at the deadline", async () => {
    const { ms, value } = await timed(http.query("{ testSlow(seconds: 4) }", undefined, hostile));
    expect(value.body.errors?.[0]?.extensions?.code).toBe("TIMEOUT");
    expect(ms).toBeGreaterThan(900);
    expect(ms).toBeLessThan(2_000);
    // the statement was cancelled in PostgreSQL, not left running
    expect(await sleepingBackends()).toBe(0);
  });

  it("counts all of a request's statements against one budget (not one statement timeout each)", async () => {
    // 10 statements of 0.4 s, at most 2 at a time: 2 s of work for a 1 s budget
    const { ms, value } = await timed(http.query(slowAliases(10, 0.4), undefined, hostile));
    expect(JSON.stringify(value.body.errors ?? [])).toMatch(/TIMEOUT/);
    expect(ms).toBeLessThan(2_000);
    await new Promise((r) => setTimeout(r, 100));
    expect(await sleepingBackends()).toBe(0);
  });
});

describe("fair use of the database", () => {
  let http: Awaited<ReturnType<typeof httpGraphQL>>;
  beforeAll(async () => { http = await httpGraphQL(db); await http.query("{ __typename }"); }, 60_000);
  afterAll(async () => { await http?.close(); });

  it("runs at most GRAPHQL_REQUEST_DB_CONCURRENCY statements of one request at once", async () => {
    let done = false;
    const run = http.query(slowAliases(8, 0.5), undefined, hostile).finally(() => { done = true; });
    let busy = 0;
    while (!done) {
      busy = Math.max(busy, await sleepingBackends());
      await new Promise((r) => setTimeout(r, 50));
    }
    const res = await run;
    expect(res.body.errors).toBeUndefined();
    expect(busy).toBe(2);
  });

  it("keeps another user's small query within its normal latency + 100 ms while a hostile request runs", async () => {
    const { baseline, during } = await victimDuringAttack(http);
    expect(during.errors).toBe(0);
    expect(during.median).toBeLessThan(baseline + 100);
  });
});

/**
 * The victim's small query (`{ currentUserId }`, one statement) before and during an attack: twelve hostile
 * requests at once, each of 40 statements of 1 s (without limits: 480 statements queued for a pool of 10).
 */
async function victimDuringAttack(server: Awaited<ReturnType<typeof httpGraphQL>>) {
  const small = () => timed(server.query("{ currentUserId }", undefined, victim));
  await small();
  const normal: number[] = [];
  for (let i = 0; i < 5; i++) normal.push((await small()).ms);
  normal.sort((a, b) => a - b);
  const baseline = normal[2]!;
  const attacks = Array.from({ length: 12 }, () => server.query(slowAliases(40, 1), undefined, hostile));
  await new Promise((r) => setTimeout(r, 300));
  const times: number[] = [];
  let errors = 0;
  for (let i = 0; i < 5; i++) {
    const { ms, value } = await small();
    if (value.body.errors) errors++;
    times.push(ms);
  }
  times.sort((a, b) => a - b);
  await Promise.allSettled(attacks);
  return { baseline, during: { median: times[2]!, errors } };
}

describe("the pool without the fair-use limits (the control: the attack above is real)", () => {
  let open: Awaited<ReturnType<typeof httpGraphQL>>;
  beforeAll(async () => {
    open = await httpGraphQL(db, {
      GRAPHQL_REQUEST_TIMEOUT_MS: "3000", GRAPHQL_STATEMENT_TIMEOUT_MS: "5000",
      GRAPHQL_REQUEST_DB_CONCURRENCY: "1000", GRAPHQL_CALLER_DB_CONCURRENCY: "1000",
    });
    await open.query("{ __typename }");
  }, 60_000);
  afterAll(async () => { await open?.close(); });

  it("lets the same attack starve another user's small query when per-request and per-caller database concurrency are unbounded", async () => {
    const { baseline, during } = await victimDuringAttack(open);
    expect(during.errors > 0 || during.median >= baseline + 100).toBe(true);
  });
});

describe("per-caller limits", () => {
  it("refuse a caller's requests beyond GRAPHQL_CALLER_MAX_CONCURRENT with RATE_LIMITED (429), others unaffected", { timeout: 60_000 }, async () => {
    const http = await httpGraphQL(db, { GRAPHQL_CALLER_MAX_CONCURRENT: "2" });
    try {
      await http.query("{ __typename }");
      const burst = await Promise.all([0, 1, 2, 3, 4].map(() => http.query("{ testSlow(seconds: 0.3) }", undefined, hostile)));
      const limited = burst.filter((r) => r.status === 429);
      expect(limited.length).toBe(3);
      expect(limited[0]!.body.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
      expect(burst.filter((r) => r.status === 200).length).toBe(2);
      const other = await http.query("{ currentUserId }", undefined, victim);
      expect(other.status).toBe(200);
    } finally {
      await http.close();
    }
  });

  it("refuse a caller beyond GRAPHQL_CALLER_RATE_PER_SEC/GRAPHQL_CALLER_BURST, anonymous callers keyed by IP", { timeout: 60_000 }, async () => {
    const http = await httpGraphQL(db, { GRAPHQL_CALLER_RATE_PER_SEC: "1", GRAPHQL_CALLER_BURST: "3" });
    try {
      await http.query("{ __typename }", undefined, hostile); // builds the schema (another caller)
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await http.query("{ __typename }")).status);
      expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
      expect(statuses.slice(3)).toEqual([429, 429]);
      const res = await fetch(`${http.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ __typename }" }) });
      expect(res.status).toBe(429);
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      // a signed-in user is another caller
      expect((await http.query("{ __typename }", undefined, victim)).status).toBe(200);
    } finally {
      await http.close();
    }
  });
});
