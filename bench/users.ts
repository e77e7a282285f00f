// Users repository benchmark: 100,000+ users generated in SQL, then through the repository (owner pool):
// GetByID and GetByEmail p50/p99, search p99 (trigram text search, first page of 20), bulk create rows/s
// (10,000-row calls), each beside a plain primary-key SELECT measured in the same run on the same pool; bulk create
// beside a plain COPY of the same rows into a copy of the users table with the same indexes (copy_rows_per_s,
// bulk_ratio). BENCH_SCALE (default 1) scales the users seeded and the lookups (e.g. 0.01 for a smoke run).
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { from as copyFrom } from "pg-copy-streams";
import pg from "pg";
import { currentMigrationSql } from "../src/db/migrate.ts";
import { createPool } from "../src/db/pool.ts";
import { UserRepository } from "../src/users/repository.ts";
import { configureAuth } from "../src/users/auth.ts";
import { freshBenchDatabase, latencies, percentile, printBench } from "./lib.ts";

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const USERS = Number(process.env.BENCH_USERS ?? Math.max(1_000, Math.round(100_000 * SCALE)));
const LOOKUPS = Number(process.env.BENCH_LOOKUPS ?? Math.max(100, Math.round(5_000 * SCALE)));
const SEARCHES = Number(process.env.BENCH_SEARCHES ?? Math.max(20, Math.round(500 * SCALE)));
const BULK_CALLS = Number(process.env.BENCH_BULK_CALLS ?? 5);
const BULK_ROWS = Number(process.env.BENCH_BULK_ROWS ?? Math.max(500, Math.round(10_000 * Math.min(1, SCALE * 10))));
const FIRST = ["Ada", "Alan", "Grace", "Linus", "Barbara", "Ken", "Dennis", "Margaret", "Edsger", "Donald", "Frances", "John",
  "Radia", "Tim", "Sophie", "Guido", "Bjarne", "Anita", "Leslie", "Niklaus", "Hedy", "Katherine", "Claude", "Shafi", "Yukihiro"];
const LAST = ["Lovelace", "Turing", "Hopper", "Torvalds", "Liskov", "Thompson", "Ritchie", "Hamilton", "Dijkstra", "Knuth",
  "Allen", "McCarthy", "Perlman", "Berners", "Wilson", "Rossum", "Stroustrup", "Borg", "Lamport", "Wirth", "Lamarr",
  "Johnson", "Shannon", "Goldwasser", "Matsumoto", "Anderson", "Nakamura", "Okafor", "Schmidt", "Fernandez"];

const ms = (n: number) => Number(n.toFixed(3));
const summary = (name: string, xs: number[]) =>
  console.log(`${name.padEnd(34)} n=${xs.length} p50=${ms(percentile(xs, 50))} ms p99=${ms(percentile(xs, 99))} ms max=${ms(Math.max(...xs))} ms`);

export default async function users(): Promise<void> {
  const bench = await freshBenchDatabase("users");
  // Work in progress lives in migrations/current/ until it is committed: apply it like the test template does.
  const current = await currentMigrationSql();
  const owner = new pg.Client({ connectionString: bench.ownerUrl });
  await owner.connect();
  if (current.replace(/--.*$/gm, "").trim()) await owner.query(current);

  let t = Date.now();
  await owner.query(`
    insert into app_public.users (email, name, status)
    select format('user%s@bench.example.com', g),
           format('%s %s %s', (array[${FIRST.map((f) => `'${f}'`).join(",")}])[1 + g % ${FIRST.length}],
                  (array[${LAST.map((l) => `'${l}'`).join(",")}])[1 + (g / ${FIRST.length}) % ${LAST.length}], g),
           case when g % 20 = 0 then 'suspended' when g % 7 = 0 then 'invited' else 'active' end
      from generate_series(1, $1::int) g`, [USERS]);
  await owner.query(`
    insert into app_public.teams (slug, name) select format('team-%s', g), format('Team %s', g) from generate_series(1, 1000) g`);
  await owner.query(`
    insert into app_public.team_memberships (team_id, user_id, role)
    select t.id, u.id, (array['owner','admin','editor','viewer','viewer'])[1 + (row_number() over ()) % 5]
      from (select id, row_number() over (order by id) as rn from app_public.users) u
      join (select id, row_number() over (order by id) as rn from app_public.teams) t on t.rn = 1 + u.rn % 1000`);
  await owner.query("vacuum analyze app_public.users, app_public.teams, app_public.team_memberships");
  console.log(`seeded ${USERS} users, 1000 teams, ${USERS} memberships in ${((Date.now() - t) / 1000).toFixed(1)} s`);

  const pool = createPool(bench.ownerUrl, { max: 4, idleTimeoutMs: 30_000, connectionTimeoutMs: 10_000, statementTimeoutMs: 60_000, applicationName: "lf-bench" }, "bench");
  const repo = new UserRepository(pool);
  const { rows: sample } = await owner.query<{ id: string; email: string }>(
    "select id, email::text from app_public.users where deleted_at is null order by random() limit $1", [LOOKUPS]);
  const pick = (i: number) => sample[i % sample.length]!;

  // Warm up every path (prepared statements, caches), then measure sequentially (latency, not throughput).
  for (let i = 0; i < 300; i++) {
    await pool.query({ name: "bench.pk", text: "select * from app_public.users where id = $1", values: [pick(i).id] });
    await repo.getById(pick(i).id);
    await repo.getByEmail(pick(i).email);
  }
  const pk = await latencies(LOOKUPS, (i) => pool.query({ name: "bench.pk", text: "select * from app_public.users where id = $1", values: [pick(i).id] }));
  const byId = await latencies(LOOKUPS, (i) => repo.getById(pick(i).id));
  const byEmail = await latencies(LOOKUPS, (i) => repo.getByEmail(pick(i).email.toUpperCase()));
  const pk2 = await latencies(LOOKUPS, (i) => pool.query({ name: "bench.pk", text: "select * from app_public.users where id = $1", values: [pick(i + 7).id] }));
  const pkAll = [...pk, ...pk2];
  summary("plain PK select (baseline)", pkAll);
  summary("repository getById", byId);
  summary("repository getByEmail", byEmail);

  const terms = [...LAST.map((l) => l.slice(1, 6).toLowerCase()), ...FIRST.map((f) => f.slice(0, 4)), "user123", "user99", "@bench", "lace 4"];
  for (let i = 0; i < 50; i++) await repo.search({ query: terms[i % terms.length], first: 20 });
  const search = await latencies(SEARCHES, (i) => repo.search({ query: terms[i % terms.length], first: 20 }));
  summary("repository search (text, 20 rows)", search);
  const teamIds = (await owner.query<{ id: string }>("select id from app_public.teams order by random() limit 100")).rows.map((r) => r.id);
  const filtered = await latencies(SEARCHES, (i) => repo.search({ query: terms[i % terms.length], teamId: teamIds[i % teamIds.length], role: "viewer", first: 20 }));
  summary("search + team + role filters", filtered);
  const counted = await latencies(100, (i) => repo.search({ query: terms[i % terms.length], first: 20, withTotalCount: true }));
  summary("search + total count", counted);
  const paged: number[] = [];
  let after: string | null = null;
  for (let i = 0; i < 50; i++) {
    const s = process.hrtime.bigint();
    const page = await repo.search({ query: "bench", first: 50, after });
    paged.push(Number(process.hrtime.bigint() - s) / 1e6);
    after = page.endCursor;
  }
  summary("keyset paging, 50 pages of 50", paged);

  // Baseline: plain COPY of rows like the bulk calls' into a copy of the users table (same columns, defaults,
  // constraints and indexes, same 100,000+ rows), alternating with the bulk calls so both see the same table sizes
  // and machine state.
  await owner.query("create table public.users_copy (like app_public.users including all)");
  await owner.query("insert into public.users_copy select * from app_public.users");
  await owner.query("vacuum analyze public.users_copy");
  const csvField = (v: string) => `"${v.replaceAll('"', '""')}"`;
  const copyRows = async (rows: { email: string; name: string }[]) => {
    const c = await pool.connect();
    try {
      const csv = rows.map((r) => `${csvField(r.email)},${csvField(r.name)}\n`).join("");
      await pipeline(Readable.from([csv]), c.query(copyFrom("copy public.users_copy (email, name) from stdin with (format csv)")));
    } finally {
      c.release();
    }
  };
  const batch = (tag: string, c: number) =>
    Array.from({ length: BULK_ROWS }, (_, i) => ({ email: `${tag}${c}-${i}@bench.example.com`, name: `Bulk ${FIRST[i % FIRST.length]} ${c}-${i}` }));
  await copyRows(batch("warm-copy", 0));
  await repo.bulkCreate(batch("warm-bulk", 0));
  const bulkTimes: number[] = [];
  const copyTimes: number[] = [];
  let bulkRows = 0;
  for (let c = 0; c < BULK_CALLS; c++) {
    const rows = batch("bulk", c);
    let s = process.hrtime.bigint();
    const res = await repo.bulkCreate(rows);
    bulkTimes.push(Number(process.hrtime.bigint() - s) / 1e6);
    bulkRows += res.ids.length;
    const same = batch("copy", c);
    s = process.hrtime.bigint();
    await copyRows(same);
    copyTimes.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  const bulkRate = bulkRows / (bulkTimes.reduce((a, b) => a + b, 0) / 1000);
  const copyRate = (BULK_CALLS * BULK_ROWS) / (copyTimes.reduce((a, b) => a + b, 0) / 1000);
  console.log(`bulk create: ${bulkRows} rows in ${BULK_CALLS} calls of ${BULK_ROWS}: ${bulkTimes.map((x) => x.toFixed(0)).join(", ")} ms => ${bulkRate.toFixed(0)} rows/s`);
  console.log(`plain COPY (baseline): ${BULK_CALLS} x ${BULK_ROWS} rows: ${copyTimes.map((x) => x.toFixed(0)).join(", ")} ms => ${copyRate.toFixed(0)} rows/s; bulk_ratio ${(bulkRate / copyRate).toFixed(2)}`);

  // bulk update of the same rows (renames: the trigram index on name changes), for the record
  const ids = (await owner.query<{ id: string }>("select id from app_public.users where email::text like 'bulk0-%' order by id")).rows.map((r) => r.id);
  const u0 = process.hrtime.bigint();
  await repo.bulkUpdate(ids.map((id, i) => ({ id, name: `Renamed ${i}`, expectedVersion: 1 })));
  const updateRate = ids.length / (Number(process.hrtime.bigint() - u0) / 1e9);
  console.log(`bulk update: ${ids.length} rows => ${updateRate.toFixed(0)} rows/s`);

  // Sign-in timing: unknown email vs wrong password at the production bcrypt cost (10) should cost the same.
  await configureAuth(owner, { secret: "bench-secret-bench-secret-bench-secret!", publicKey: null, issuer: null, audience: null }, { bcryptCost: 10 });
  await owner.query("select app_private.create_user('signin@bench.example.com', 'Sign In', 'bench-pass-123')");
  const attempt = (email: string) => owner.query("select app_public.authenticate($1, 'wrong-pass-1')", [email]).catch(() => null);
  const wrong = await latencies(20, () => attempt("signin@bench.example.com"));
  const unknown = await latencies(20, () => attempt("nobody@bench.example.com"));
  summary("authenticate: wrong password", wrong);
  summary("authenticate: unknown email", unknown);

  await owner.end();
  await pool.end();
  await bench.drop();
  console.log(`target: get_by_email p99 < 1 ms (${percentile(byEmail, 99) < 1 ? "met" : "NOT met"}), bulk >= 30,000 rows/s (${bulkRate >= 30_000 ? "met" : "NOT met"}), bulk_ratio >= 0.6 (${bulkRate / copyRate >= 0.6 ? "met" : "NOT met"})`);
  printBench("users", {
    get_by_id_p99_ms: percentile(byId, 99),
    get_by_email_p99_ms: percentile(byEmail, 99),
    search_p99_ms: percentile(search, 99),
    bulk_rows_per_s: Math.round(bulkRate),
    pk_select_p99_ms: percentile(pkAll, 99),
    copy_rows_per_s: Math.round(copyRate),
    bulk_ratio: Number((bulkRate / copyRate).toFixed(3)),
    bulk_update_rows_per_s: Math.round(updateRate),
  });
}
