// Users repository benchmark: 100,000+ users generated in SQL, then through the repository (owner pool):
// GetByID and GetByEmail p50/p99, search p99 (trigram text search, first page of 20), bulk create rows/s
// (10,000-row calls), each beside a plain primary-key SELECT measured in the same run on the same pool.
import { readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { PROJECT_ROOT } from "../src/db/migrate.ts";
import { createPool } from "../src/db/pool.ts";
import { UserRepository } from "../src/users/repository.ts";
import { configureAuth } from "../src/users/auth.ts";
import { freshBenchDatabase, latencies, percentile, printBench } from "./lib.ts";

const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const LOOKUPS = Number(process.env.BENCH_LOOKUPS ?? 5_000);
const SEARCHES = Number(process.env.BENCH_SEARCHES ?? 500);
const BULK_CALLS = Number(process.env.BENCH_BULK_CALLS ?? 5);
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
  // Work in progress lives in current.sql until the lead commits it: apply it like the test template does.
  const current = await readFile(path.join(PROJECT_ROOT, "current.sql"), "utf8").catch(() => "");
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

  const bulkTimes: number[] = [];
  let bulkRows = 0;
  for (let c = 0; c < BULK_CALLS; c++) {
    const rows = Array.from({ length: 10_000 }, (_, i) => ({ email: `bulk${c}-${i}@bench.example.com`, name: `Bulk ${FIRST[i % FIRST.length]} ${c}-${i}` }));
    const s = process.hrtime.bigint();
    const res = await repo.bulkCreate(rows);
    bulkTimes.push(Number(process.hrtime.bigint() - s) / 1e6);
    bulkRows += res.ids.length;
  }
  const bulkRate = bulkRows / (bulkTimes.reduce((a, b) => a + b, 0) / 1000);
  console.log(`bulk create: ${bulkRows} rows in ${BULK_CALLS} calls of 10,000: ${bulkTimes.map((x) => x.toFixed(0)).join(", ")} ms => ${bulkRate.toFixed(0)} rows/s`);

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
  console.log(`target: get_by_email p99 < 1 ms (${percentile(byEmail, 99) < 1 ? "met" : "NOT met"}), bulk >= 20,000 rows/s (${bulkRate >= 20_000 ? "met" : "NOT met"})`);
  printBench("users", {
    get_by_id_p99_ms: percentile(byId, 99),
    get_by_email_p99_ms: percentile(byEmail, 99),
    search_p99_ms: percentile(search, 99),
    bulk_rows_per_s: Math.round(bulkRate),
    pk_select_p99_ms: percentile(pkAll, 99),
  });
}
