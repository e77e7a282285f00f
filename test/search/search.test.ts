// Execution search: one query language over hot rows and archive files, newest first, one opaque cursor.
// Results are compared with a brute-force filter over the same rows, before and after archiving part of them.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runArchiveWithPool, type ArchiverSettings } from "../../src/archive/archiver.ts";
import { LinkFlowError } from "../../src/errors.ts";
import { ExecutionSearch, setExecutionLabels, type SearchHit, type SearchQuery } from "../../src/search/index.ts";
import { FileSystemStorage } from "../../src/storage/fs.ts";
import { useTestDatabase } from "../harness/db.ts";
import { makeTeam, makeUser } from "../harness/fixtures.ts";
import { seedExecutions, type Seeded } from "../archive/seed.ts";

const db = useTestDatabase();
let dir: string;
let storage: FileSystemStorage;
let search: ExecutionSearch;
const settings: ArchiverSettings = { hotDays: 30, coldDays: 3650, batchSize: 20, rowGroupSize: 10, zstdLevel: 3, encryptionKey: null };

// deterministic pseudo-random numbers
let seed = 17;
const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const REGIONS = ["eu", "us", "ap"];

interface Row { id: string; team_id: string; workflow_id: string; state: string; trigger_type: string; created_at: string; attempt: number;
  duration_ms: number | null; input: any; output: any; error: any; labels: Record<string, string> }

/** Brute-force containment (JSON @> for the shapes the tests use: objects, scalars, arrays of scalars/objects). */
function contains(doc: any, q: any): boolean {
  if (q === null || typeof q !== "object") return doc === q || (typeof doc === "number" && typeof q === "number" && doc === q);
  if (Array.isArray(q)) return Array.isArray(doc) && q.every((x) => doc.some((d: any) => contains(d, x)));
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) return false;
  return Object.entries(q).every(([k, v]) => k in doc && contains(doc[k], v));
}
function bruteForce(rows: Row[], teamId: string, q: SearchQuery): string[] {
  const list = (v: string | string[] | undefined) => (v === undefined ? null : Array.isArray(v) ? v : [v]);
  const inRange = (n: number | null, r: number | { min?: number; max?: number } | undefined) =>
    r === undefined || (n !== null && (typeof r === "number" ? n === r : (r.min === undefined || n >= r.min) && (r.max === undefined || n <= r.max)));
  return rows.filter((r) => r.team_id === teamId
    && (list(q.state)?.includes(r.state) ?? true)
    && (list(q.workflow_id)?.includes(r.workflow_id) ?? true)
    && (list(q.trigger_type)?.includes(r.trigger_type) ?? true)
    && (q.created_from === undefined || r.created_at >= q.created_from)
    && (q.created_before === undefined || r.created_at < q.created_before)
    && inRange(r.attempt, q.attempt) && inRange(r.duration_ms, q.duration_ms)
    && Object.entries(q.labels ?? {}).every(([k, v]) => k in r.labels && (v === null || r.labels[k] === v))
    && (q.input?.contains === undefined || (r.input != null && contains(r.input, q.input.contains)))
    && (q.output?.contains === undefined || (r.output != null && contains(r.output, q.output.contains)))
    && (q.error_text === undefined || (r.error != null && String(r.error.message ?? JSON.stringify(r.error)).toLowerCase().includes(q.error_text.toLowerCase()))))
    .sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : a.id < b.id ? 1 : -1))
    .map((r) => r.id);
}

async function searchAll(teamId: string, q: SearchQuery, limit: number, opts: { includeCold?: boolean } = {}) {
  const items: Omit<SearchHit, "source">[] = [];
  const cursors: (string | null)[] = [];
  let after: string | null = null;
  for (let i = 0; i < 1000; i++) {
    const page = await search.search(teamId, q, { ...opts, after, limit });
    items.push(...page.items.map(({ source: _s, ...rest }) => rest));
    cursors.push(page.next);
    after = page.next;
    if (!after) break;
  }
  return { items, cursors };
}

let a: Seeded;
let b: Seeded;
let rows: Row[];
let queries: SearchQuery[];
let before: Map<number, Awaited<ReturnType<typeof searchAll>>>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "lf-search-"));
  storage = new FileSystemStorage(dir);
  search = new ExecutionSearch({ pool: db.pool, storage, encryptionKey: null });
  // team a: 8 old days (archivable: older than 30 days) and 3 recent days; team b: the same content
  a = await seedExecutions(db.pool, { workflows: 3, daysAgo: [40, 39, 38, 37, 36, 35, 34, 33], perDay: 30 });
  for (const d of [3, 2, 1]) await seedExecutions(db.pool, { teamId: a.teamId, daysAgo: [d], perDay: 30, inputExtra: { region: pick(REGIONS), recent: true } });
  for (const d of [41, 42]) await seedExecutions(db.pool, { teamId: a.teamId, daysAgo: [d], perDay: 30, inputExtra: { region: pick(REGIONS), tags: ["x", pick(["y", "z"])] } });
  b = await seedExecutions(db.pool, { workflows: 2, daysAgo: [40, 39, 2], perDay: 30 });
  // variety the seed does not give: attempts, trigger types, durations, distinctive errors (redaction lets the owner edit)
  await db.pool.query(`
    do $$ begin
      alter table app_public.executions disable trigger _200_terminal_immutable;
      update app_public.executions set attempt = 1 + (abs(hashtext(id::text)) % 3), trigger_type = (array['webhook','schedule','manual'])[1 + abs(hashtext(id::text || 't')) % 3],
             duration_ms = abs(hashtext(id::text || 'd')) % 5000;
      update app_public.executions set error = jsonb_build_object('message', 'Timeout after ' || (abs(hashtext(id::text)) % 90) || 's calling order service', 'node', 'http')
       where state = 'failed' and abs(hashtext(id::text || 'e')) % 3 = 0;
      alter table app_public.executions enable trigger _200_terminal_immutable;
    end $$`);
  // labels on a random third of team a's executions, and one unique label
  const ids = (await db.pool.query("select id from app_public.executions where team_id = $1 order by id", [a.teamId])).rows.map((r) => r.id as string);
  for (const id of ids) {
    if (rnd() < 0.33) await setExecutionLabels(db.pool, id, { customer: pick(["acme", "globex", "initech"]), ...(rnd() < 0.5 ? { priority: pick(["high", "low"]) } : {}) });
  }
  await setExecutionLabels(db.pool, ids[5]!, { order: "4711" });
  await db.pool.query("analyze app_public.executions, app_public.execution_labels");
  rows = (await db.pool.query(`
    select e.id, e.team_id, e.workflow_id, e.state, e.trigger_type, app_private.archive_iso(e.created_at) as created_at, e.attempt, e.duration_ms,
           e.input, e.output, e.error, app_public.executions_labels(e) as labels from app_public.executions e`)).rows;
  const day35 = new Date(Date.now() - 35 * 86400_000).toISOString();
  const day20 = new Date(Date.now() - 20 * 86400_000).toISOString();
  queries = [
    {},
    { state: "failed" },
    { state: ["failed", "succeeded"], workflow_id: a.workflowIds[1]! },
    { labels: { customer: "acme" } },
    { labels: { customer: "globex", priority: null } },
    { labels: { order: "4711" } },
    { input: { contains: { customer: { email: "c3@example.com" } } } },
    { input: { contains: { order: 7 } } },
    { input: { contains: { items: [{ sku: "SKU-4" }] } }, state: "succeeded" },
    { input: { contains: { tags: ["z"] } } },
    { error_text: "timeout after 1" },
    { error_text: "502" },
    { output: { contains: { ok: false } }, attempt: { min: 2 } },
    { trigger_type: ["schedule", "manual"], duration_ms: { min: 1000, max: 3000 } },
    { created_from: day35, created_before: day20 },
    { attempt: 3, labels: { priority: "high" } },
  ];
  before = new Map();
}, 300_000);
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

describe("search: executions by query, newest first, one cursor across hot and cold", { timeout: 300_000 }, () => {
  it("returns what a brute-force filter over the same rows returns, page after page (hot)", async () => {
    for (const [i, q] of queries.entries()) {
      const limit = 1 + (i % 4) * 6; // 1, 7, 13, 19
      const got = await searchAll(a.teamId, q, limit);
      expect(got.items.map((x) => x.id), JSON.stringify(q)).toEqual(bruteForce(rows, a.teamId, q));
      expect(new Set(got.items.map((x) => x.id)).size).toBe(got.items.length);
      before.set(i, got);
    }
    // a query that matches many rows was checked, and some matched nothing
    expect(before.get(0)!.items.length).toBe(rows.filter((r) => r.team_id === a.teamId).length);
  });

  it("never returns another team's executions, even for identical content", async () => {
    for (const q of queries) {
      const got = await searchAll(b.teamId, q, 50);
      expect(got.items.every((x) => x.team_id === b.teamId)).toBe(true);
      expect(got.items.map((x) => x.id)).toEqual(bruteForce(rows, b.teamId, q));
    }
  });

  it("gives identical pages and cursors after the matching executions are archived, reading only candidate files", async () => {
    const report = await runArchiveWithPool(db.pool, { storage, settings });
    expect(report.deletedBatches).toBeGreaterThan(10);
    const cold = Number((await db.pool.query("select count(*) as n from app_private.archived_executions a join app_private.archive_batches b on b.id = a.batch_id and b.state = 'deleted' where a.team_id = $1", [a.teamId])).rows[0].n);
    expect(cold).toBeGreaterThan(200);
    for (const [i, q] of queries.entries()) {
      const limit = 1 + (i % 4) * 6;
      const got = await searchAll(a.teamId, q, limit);
      expect(got.items, JSON.stringify(q)).toEqual(before.get(i)!.items);
      expect(got.cursors).toEqual(before.get(i)!.cursors);
    }
    // hot-only searches now miss exactly the archived rows
    const hotOnly = await searchAll(a.teamId, {}, 100, { includeCold: false });
    expect(hotOnly.items.length).toBe(before.get(0)!.items.length - cold);
    // selective predicates read few of the files in range
    for (const q of [{ labels: { order: "4711" } }, { input: { contains: { order: 7, region: "nowhere" } } }, { error_text: "timeout after 17s" }] as SearchQuery[]) {
      const page = await search.search(a.teamId, q, { limit: 50 });
      expect(page.items.map((x) => x.id)).toEqual(bruteForce(rows, a.teamId, q).slice(0, 50));
      expect(page.cold.batchesInRange).toBeGreaterThan(10);
      expect(page.cold.batchesRead, JSON.stringify(q)).toBeLessThanOrEqual(Math.ceil(page.cold.batchesInRange * 0.1) + 1);
    }
  });

  it("keeps pages exact across the hot/cold boundary: no skip, no repeat, at every page size", async () => {
    const want = bruteForce(rows, a.teamId, {});
    for (const limit of [1, 2, 29, 30, 31, 97]) {
      const got = await searchAll(a.teamId, {}, limit);
      expect(got.items.map((x) => x.id)).toEqual(want);
    }
  });

  it("refuses malformed queries with typed validation errors naming the field", async () => {
    const cases: [unknown, string][] = [
      [{ stat: "failed" }, "query.stat"],
      [{ state: "exploded" }, "query.state"],
      [{ state: [] }, "query.state"],
      [{ input: { matches: "$.order ==" } }, "query.input.matches"],
      [{ input: { exists: "$$.a" } }, "query.input.exists"],
      [{ output: { contain: {} } }, "query.output.contain"],
      [{ input: { contains: "x" } }, "query.input.contains"],
      [{ attempt: { min: -1 } }, "query.attempt.min"],
      [{ attempt: { min: 3, max: 1 } }, "query.attempt"],
      [{ duration_ms: "long" }, "query.duration_ms"],
      [{ created_from: "yesterday" }, "query.created_from"],
      [{ workflow_id: "not-a-uuid" }, "query.workflow_id"],
      [{ labels: { a: 1 } }, "query.labels.a"],
      [{ error_text: "" }, "query.error_text"],
      [["state"], "query"],
    ];
    for (const [q, field] of cases) {
      const e = await search.search(a.teamId, q as SearchQuery).then(() => null, (x) => x);
      expect(e, JSON.stringify(q)).toBeInstanceOf(LinkFlowError);
      expect(e.code).toBe("VALIDATION");
      expect(e.field ?? e.detail).toContain(field);
    }
    const bad = await search.search(a.teamId, {}, { after: "bm90LWEtY3Vyc29y" }).then(() => null, (x) => x);
    expect(bad?.code).toBe("VALIDATION");
    const sql = await db.pool.query("select * from app_public.search_executions($1, '{}', 'garbage', 10)", [a.teamId]).then(() => null, (x) => x);
    expect(sql?.code).toBe("LFVAL");
  });

  it("answers members only: outsiders get an empty page, not an error", async () => {
    const outsider = await makeUser(db.pool);
    const viewer = await makeUser(db.pool);
    await db.pool.query("insert into app_public.team_memberships (team_id, user_id, role) values ($1, $2, 'viewer')", [a.teamId, viewer.id]);
    const mine = await search.search(a.teamId, { state: "failed" }, { userId: viewer.id, limit: 5 });
    expect(mine.items.length).toBe(5);
    const none = await search.search(a.teamId, { state: "failed" }, { userId: outsider.id, limit: 5 });
    expect(none.items).toEqual([]);
    // the SQL API under RLS: the same for the visitor role
    const page = await db.asUser(viewer.id, (c) => c.query("select e.id, app_public.executions_search_cursor(e) as cursor from app_public.search_executions($1, $2, null, 3) e", [a.teamId, { state: "failed" }]));
    const page2 = await db.asUser(viewer.id, (c) => c.query("select e.id from app_public.search_executions($1, $2, $3, 3) e", [a.teamId, { state: "failed" }, page.rows[2].cursor]));
    // the SQL API reads hot rows: the same order as the repository's hot-only search, and the same cursors
    const hot = await search.search(a.teamId, { state: "failed" }, { limit: 6, includeCold: false });
    expect([...page.rows, ...page2.rows].map((r) => r.id)).toEqual(hot.items.map((x) => x.id));
    expect(page.rows[2].cursor).toBe((await search.search(a.teamId, { state: "failed" }, { limit: 3, includeCold: false })).next);
    const other = await db.asUser(outsider.id, (c) => c.query("select count(*)::int as n from app_public.search_executions($1, '{}', null, 3)", [a.teamId]));
    expect(other.rows[0].n).toBe(0);
    const big = await db.asUser(viewer.id, (c) => c.query("select * from app_public.search_executions($1, '{}', null, 101)", [a.teamId])).then(() => null, (x) => x);
    expect(big?.sqlState ?? big?.code).toBe("LFVAL");
  });
});

describe("search: labels", () => {
  let team: { id: string };
  let editor: { id: string };
  let viewer: { id: string };
  let outsider: { id: string };
  let execId: string;
  beforeAll(async () => {
    editor = await makeUser(db.pool);
    viewer = await makeUser(db.pool);
    outsider = await makeUser(db.pool);
    team = await makeTeam(db.pool, [{ userId: editor.id, role: "editor" }, { userId: viewer.id, role: "viewer" }]);
    const s = await seedExecutions(db.pool, { teamId: team.id, workflows: 1, daysAgo: [1], perDay: 2 });
    execId = (await db.pool.query("select id from app_public.executions where team_id = $1 limit 1", [s.teamId])).rows[0].id;
  });

  it("round-trips through start and update: set in the starting transaction, merged, removed with null", async () => {
    await db.pool.query("update app_public.workflows set status = 'active' where team_id = $1", [team.id]).catch(() => undefined);
    const started = await db.asUser(editor.id, async (c) => {
      const wf = (await c.query("select id from app_public.workflows where team_id = $1 limit 1", [team.id])).rows[0].id;
      const { rows: [e] } = await c.query("select id from app_public.start_execution($1, 'webhook', '{\"order\": 4711}')", [wf]);
      const { rows: [l] } = await c.query("select app_public.set_execution_labels($1, $2) as labels", [e.id, { order: "4711", env: "prod" }]);
      return { id: e.id as string, labels: l.labels };
    }).catch((e) => ({ error: e }));
    if ("error" in started) throw started.error;
    expect(started.labels).toEqual({ env: "prod", order: "4711" });
    const merged = await db.asUser(editor.id, (c) => c.query("select app_public.set_execution_labels($1, $2) as labels", [started.id, { env: null, tier: "gold" }]));
    expect(merged.rows[0].labels).toEqual({ order: "4711", tier: "gold" });
    const seen = await db.asUser(viewer.id, (c) => c.query("select app_public.executions_labels(e) as labels from app_public.executions e where e.id = $1", [started.id]));
    expect(seen.rows[0].labels).toEqual({ order: "4711", tier: "gold" });
    const found = await search.search(team.id, { labels: { order: "4711" } });
    expect(found.items.map((x) => [x.id, x.labels])).toEqual([[started.id, { order: "4711", tier: "gold" }]]);
    const hidden = await db.asUser(outsider.id, (c) => c.query("select count(*)::int as n from app_public.execution_labels where execution_id = $1", [started.id]));
    expect(hidden.rows[0].n).toBe(0);
  });

  it("validates keys, values and counts with typed errors and writes nothing on error", async () => {
    const cases: [unknown, string, string][] = [
      [["a"], "LFVAL", "labels"],
      [{ "-bad": "x" }, "LFVAL", "labels.-bad"],
      [{ "has space": "x" }, "LFVAL", "labels.has space"],
      [{ ["k".repeat(64)]: "x" }, "LFVAL", "labels.k"],
      [{ n: 5 }, "LFVAL", "labels.n"],
      [{ ok: "fine", long: "v".repeat(257) }, "LFLIM", "labels.long"],
      [Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, "v"])), "LFLIM", "labels"],
    ];
    for (const [labels, code, field] of cases) {
      const e = await db.pool.query("select app_private.set_execution_labels($1, $2, null, false)", [execId, JSON.stringify(labels)]).then(() => null, (x) => x);
      expect(e?.code, JSON.stringify(labels).slice(0, 40)).toBe(code);
      expect(e.detail).toContain(`field: ${field}`);
    }
    const n = await db.pool.query("select count(*)::int as n from app_public.execution_labels where execution_id = $1", [execId]);
    expect(n.rows[0].n).toBe(0);
    // the limit counts what the execution ends up with: 32 is fine, one more is refused
    await setExecutionLabels(db.pool, execId, Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`k${i}`, "v"])));
    const over = await setExecutionLabels(db.pool, execId, { k99: "v" }).then(() => null, (x) => x);
    expect(over?.code).toBe("LIMIT_EXCEEDED");
    expect(Object.keys(await setExecutionLabels(db.pool, execId, { k99: "v", k0: null })).length).toBe(32);
  });

  it("lets editors label, refuses viewers (FORBIDDEN) and outsiders (NOT_FOUND)", async () => {
    await db.pool.query("delete from app_public.execution_labels where execution_id = $1", [execId]);
    const asRole = (u: { id: string }) => db.asUser(u.id, (c) => c.query("select app_public.set_execution_labels($1, '{\"x\": \"1\"}')", [execId])).then(() => "ok", (e) => e.sqlState ?? e.code);
    expect(await asRole(editor)).toBe("ok");
    expect(await asRole(viewer)).toBe("LFDNY");
    expect(await asRole(outsider)).toBe("LFNTF");
  });

  it("serializes concurrent label writes of one execution so the count limit holds", async () => {
    await db.pool.query("delete from app_public.execution_labels where execution_id = $1", [execId]);
    const writes = Array.from({ length: 8 }, (_, w) =>
      setExecutionLabels(db.pool, execId, Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`w${w}_${i}`, "v"]))).then(() => "ok", (e) => e.code));
    const results = await Promise.all(writes);
    const n = (await db.pool.query("select count(*)::int as n from app_public.execution_labels where execution_id = $1", [execId])).rows[0].n;
    expect(n).toBeLessThanOrEqual(32);
    expect(results.filter((r) => r === "ok").length * 5).toBe(n);
    expect(results.filter((r) => r !== "ok").every((r) => r === "LIMIT_EXCEEDED")).toBe(true);
  });
});
