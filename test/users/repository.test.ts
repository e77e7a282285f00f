import { beforeAll, describe, expect, it } from "vitest";
import { parseCrontab } from "graphile-worker";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { PROJECT_ROOT } from "../../src/db/migrate.ts";
import { ConflictError, IllegalTransitionError, NotFoundError, ValidationError, VersionConflictError } from "../../src/errors.ts";
import type { Queryable } from "../../src/db/pool.ts";
import { primaryAccess, type DbAccess } from "../../src/db/replicas.ts";
import { BulkWriteError } from "../../src/users/errors.ts";
import { encodeCursor } from "../../src/users/cursor.ts";
import { UserRepository, type User } from "../../src/users/repository.ts";
import purgeTask from "../../tasks/users_purge.ts";
import { useTestDatabase } from "../harness/db.ts";
import { runJobsOnce } from "../harness/jobs.ts";
import { makeTeam, makeWorkflow } from "../harness/fixtures.ts";
import { PASSWORD, rejection, setupAuth, uniqueEmail, withRestoreWindow } from "./helpers.ts";

const db = useTestDatabase();
let repo: UserRepository;
const count = async (sql: string, params: unknown[] = []) => (await db.pool.query(sql, params)).rows[0].n as number;

/** A DbAccess that counts the statements each repository call sends. */
function counting(inner: DbAccess): DbAccess & { statements: number } {
  const self = {
    statements: 0,
    write: <T>(fn: (q: Queryable) => Promise<T>, opts?: { singleStatement?: boolean }) => inner.write((q) => fn(wrap(q)), opts),
    read: <T>(fn: (q: Queryable) => Promise<T>) => inner.read((q) => fn(wrap(q))),
  };
  const wrap = (q: Queryable): Queryable => ({ query: ((...args: Parameters<Queryable["query"]>) => { self.statements++; return q.query(...args); }) as Queryable["query"] });
  return self;
}

beforeAll(async () => {
  await setupAuth(db.pool);
  repo = new UserRepository(db.pool);
});

describe("users repository: create, get, update", () => {
  it("creates and reads back by id and by email (case-insensitively)", async () => {
    const email = uniqueEmail("Repo");
    const u = await repo.create({ email, name: "Repo User", password: PASSWORD });
    expect(u).toMatchObject({ email, name: "Repo User", status: "active", version: 1 });
    expect(await repo.getById(u.id)).toEqual(u);
    expect(await repo.getByEmail(email.toUpperCase())).toEqual(u);
    const { rows } = await db.pool.query("select app_public.authenticate($1, $2) as t", [email, PASSWORD]);
    expect(rows[0].t).toBeTruthy();
    const invited = await repo.create({ email: uniqueEmail(), name: "No Password", status: "invited" });
    expect(invited.status).toBe("invited");
  });

  it("maps failures to typed errors with fields and writes nothing", async () => {
    const email = uniqueEmail();
    await repo.create({ email, name: "A" });
    const before = await count("select count(*)::int as n from app_public.users");
    const taken = await rejection(repo.create({ email: email.toUpperCase(), name: "B" }));
    expect(taken).toBeInstanceOf(ConflictError);
    expect(taken.field).toBe("email");
    expect(taken.message).not.toMatch(/insert|select/i);
    expect(await rejection(repo.create({ email: "not-an-email", name: "B" }))).toMatchObject({ code: "VALIDATION", field: "email" });
    expect(await rejection(repo.create({ email: uniqueEmail(), name: "" }))).toMatchObject({ code: "VALIDATION", field: "name" });
    expect(await rejection(repo.create({ email: uniqueEmail(), name: "C", password: "weak" }))).toMatchObject({ code: "VALIDATION", field: "password" });
    expect(await count("select count(*)::int as n from app_public.users")).toBe(before);
    expect(await rejection(repo.getById("00000000-0000-7000-8000-000000000000"))).toBeInstanceOf(NotFoundError);
    expect(await rejection(repo.getByEmail(uniqueEmail()))).toBeInstanceOf(NotFoundError);
    expect(await rejection(repo.getById("nope"))).toMatchObject({ code: "VALIDATION", field: "id" });
    expect(await rejection(repo.getByEmail(""))).toMatchObject({ code: "VALIDATION", field: "email" });
  });

  it("updates partially with an optimistic version check", async () => {
    const u = await repo.create({ email: uniqueEmail(), name: "Before" });
    const renamed = await repo.update(u.id, { name: "After" }, { expectedVersion: 1 });
    expect(renamed).toMatchObject({ name: "After", email: u.email, status: "active", version: 2 });
    const stale = await rejection(repo.update(u.id, { name: "Stale" }, { expectedVersion: 1 }));
    expect(stale).toBeInstanceOf(VersionConflictError);
    expect(stale.currentVersion).toBe(2);
    expect((await repo.getById(u.id)).name).toBe("After");
    const suspended = await repo.update(u.id, { status: "suspended" });
    expect(suspended).toMatchObject({ status: "suspended", name: "After", version: 3 });
    const other = await repo.create({ email: uniqueEmail(), name: "Other" });
    expect(await rejection(repo.update(u.id, { email: other.email }))).toMatchObject({ code: "CONFLICT", field: "email" });
    expect(await rejection(repo.update(u.id, { status: "gone" as never }))).toMatchObject({ code: "VALIDATION", field: "status" });
    expect(await rejection(repo.update("00000000-0000-7000-8000-000000000000", { name: "x" }))).toBeInstanceOf(NotFoundError);
  });
});

describe("users repository: soft delete, restore, purge", () => {
  it("soft-deleted users vanish from every repository read and come back on restore", async () => {
    const u = await repo.create({ email: uniqueEmail("del"), name: "Deletable Person" });
    await repo.softDelete(u.id);
    expect(await rejection(repo.getById(u.id))).toBeInstanceOf(NotFoundError);
    expect(await rejection(repo.getByEmail(u.email))).toBeInstanceOf(NotFoundError);
    expect((await repo.search({ query: "Deletable Person" })).items).toEqual([]);
    expect(await rejection(repo.update(u.id, { name: "x" }))).toBeInstanceOf(NotFoundError);
    expect(await rejection(repo.softDelete(u.id))).toBeInstanceOf(NotFoundError);
    const back = await repo.restore(u.id);
    expect(back).toMatchObject({ id: u.id, name: "Deletable Person" });
    expect((await repo.restore(u.id)).id).toBe(u.id); // restoring a live user is a no-op
    expect(await rejection(repo.restore("00000000-0000-7000-8000-000000000000"))).toBeInstanceOf(NotFoundError);
  });

  it("refuses to restore after the restore window", async () => {
    const u = await repo.create({ email: uniqueEmail(), name: "Late" });
    await repo.softDelete(u.id);
    await withRestoreWindow(db.pool, async () => {
      const e = await rejection(repo.restore(u.id));
      expect(e).toBeInstanceOf(IllegalTransitionError);
      expect(e.currentState).toBe("expired");
    });
  });

  it("purges only soft-deleted users, anonymising workflow authorship and handing over sole-owned teams", async () => {
    const author = await repo.create({ email: uniqueEmail("author"), name: "Author" });
    const admin = await repo.create({ email: uniqueEmail(), name: "Admin" });
    const shared = await makeTeam(db.pool, [{ userId: author.id, role: "owner" }, { userId: admin.id, role: "admin" }]);
    const alone = await makeTeam(db.pool, [{ userId: author.id, role: "owner" }]);
    const wf = await makeWorkflow(db.pool, shared.id);
    await db.pool.query("insert into app_public.workflow_versions (workflow_id, team_id, version, data, author_id) values ($1, $2, 2, '{\"n\": 1}', $3)", [wf.id, shared.id, author.id]);
    await db.pool.query("update app_public.workflows set created_by = $1 where id = $2", [author.id, wf.id]);
    expect(await rejection(repo.purge(author.id))).toBeInstanceOf(IllegalTransitionError);
    await repo.softDelete(author.id);
    await repo.purge(author.id);
    expect(await count("select count(*)::int as n from app_public.users where id = $1", [author.id])).toBe(0);
    const v = await db.pool.query("select author_id, version, data from app_public.workflow_versions where workflow_id = $1 order by version", [wf.id]);
    expect(v.rows).toEqual([{ author_id: null, version: 1, data: {} }, { author_id: null, version: 2, data: { n: 1 } }]);
    expect((await db.pool.query("select created_by from app_public.workflows where id = $1", [wf.id])).rows[0].created_by).toBeNull();
    const owners = await db.pool.query("select user_id, role from app_public.team_memberships where team_id = $1", [shared.id]);
    expect(owners.rows).toEqual([{ user_id: admin.id, role: "owner" }]);
    expect((await db.pool.query("select deleted_at is not null as d from app_public.teams where id = $1", [alone.id])).rows[0].d).toBe(true);
    expect(await rejection(repo.purge(author.id))).toBeInstanceOf(NotFoundError);
  });

  it("schedules the purge daily in the crontab with an explicit id", async () => {
    const items = parseCrontab(await readFile(path.join(PROJECT_ROOT, "crontab"), "utf8"));
    const purge = items.find((i) => i.task === "users_purge");
    expect(purge?.identifier).toBe("users_purge");
    expect(purge?.match({ min: 17, hour: 3, date: 1, month: 1, dow: 0 } as never)).toBe(true);
    expect(purge?.match({ min: 18, hour: 3, date: 1, month: 1, dow: 0 } as never)).toBe(false);
  });

  it("the users_purge task (graphile-worker) purges users and teams past the window and leaves the rest", async () => {
    const old = await repo.create({ email: uniqueEmail(), name: "Old" });
    const keep = await repo.create({ email: uniqueEmail(), name: "Keep" });
    const team = await makeTeam(db.pool, [{ userId: keep.id, role: "owner" }]);
    await repo.softDelete(old.id);
    await db.pool.query("update app_public.teams set deleted_at = now() where id = $1", [team.id]);
    // Inside the window the job finds nothing.
    await db.pool.query("select graphile_worker.add_job('users_purge', '{}'::json)");
    await runJobsOnce(db.pool, { pgPool: db.pool, taskList: { users_purge: purgeTask } });
    expect(await count("select count(*)::int as n from app_public.users where id = $1", [old.id])).toBe(1);
    await withRestoreWindow(db.pool, async () => {
      await db.pool.query("select graphile_worker.add_job('users_purge', '{\"batch_size\": 1}'::json)");
      await runJobsOnce(db.pool, { pgPool: db.pool, taskList: { users_purge: purgeTask } });
    });
    expect(await count("select count(*)::int as n from app_public.users where deleted_at is not null")).toBe(0);
    expect(await count("select count(*)::int as n from app_public.users where id = $1", [keep.id])).toBe(1);
    expect(await count("select count(*)::int as n from app_public.teams where id = $1", [team.id])).toBe(0);
    expect(await count("select count(*)::int as n from graphile_worker.jobs where task_identifier = 'users_purge'")).toBe(0);
  });
});

describe("users repository: search", () => {
  const tag = `zq${Math.random().toString(36).slice(2, 7)}`;
  let team: string;
  const made: User[] = [];
  beforeAll(async () => {
    const r = await repo.bulkCreate(Array.from({ length: 45 }, (_, i) => ({
      email: `${tag}-${String(i).padStart(2, "0")}@search.example.com`,
      name: `${tag} Person ${String(44 - i).padStart(2, "0")}`,
      status: i % 5 === 0 ? "suspended" as const : "active" as const,
    })));
    for (const id of r.ids) made.push(await repo.getById(id!));
    team = (await makeTeam(db.pool, made.slice(0, 10).map((u, i) => ({ userId: u.id, role: i < 3 ? "admin" as const : "viewer" as const })))).id;
  });

  it("finds by a substring of name or email (case-insensitive) and filters by status, team and role", async () => {
    const byName = await repo.search({ query: `${tag} PERSON 07`, first: 10 });
    expect(byName.items.map((u) => u.name)).toEqual([`${tag} Person 07`]);
    const byEmail = await repo.search({ query: `${tag}-12@`, first: 10 });
    expect(byEmail.items.map((u) => u.email)).toEqual([`${tag}-12@search.example.com`]);
    const suspended = await repo.search({ query: tag, status: "suspended", first: 100 });
    expect(suspended.items).toHaveLength(9);
    expect((await repo.search({ teamId: team, first: 100 })).items).toHaveLength(10);
    expect((await repo.search({ teamId: team, role: "admin", first: 100 })).items.map((u) => u.id).sort()).toEqual(made.slice(0, 3).map((u) => u.id).sort());
    expect((await repo.search({ query: tag, role: "viewer", first: 100 })).items).toHaveLength(7);
    expect((await repo.search({ query: "%" + tag, first: 5 })).items).toEqual([]); // LIKE wildcards are literal
  });

  it("pages with opaque keyset cursors: every row once, stable under concurrent inserts", async () => {
    for (const orderBy of ["created", "name"] as const) {
      const seen: string[] = [];
      let after: string | null = null;
      let pages = 0;
      for (;;) {
        const page = await repo.search({ query: tag, first: 7, after, orderBy });
        seen.push(...page.items.map((u) => u.id));
        pages++;
        // Concurrent inserts while paging (names sort before and after the cursor; ids are time-ordered).
        if (pages === 2) {
          await repo.bulkCreate([{ email: uniqueEmail(`${tag}x`), name: `${tag} Aaa late` }, { email: uniqueEmail(`${tag}y`), name: `${tag} Zzz late` }]);
        }
        if (!page.hasNextPage) break;
        after = page.endCursor;
      }
      const original = made.map((u) => u.id);
      expect(new Set(seen).size).toBe(seen.length); // no duplicates
      expect(seen.filter((id) => original.includes(id)).sort()).toEqual([...original].sort()); // no pre-existing row skipped
      const sortedSeen = orderBy === "name" ? null : [...seen].sort();
      if (sortedSeen) expect(seen).toEqual(sortedSeen);
    }
  });

  it("returns an exact total count when small and the planner's estimate above the limit", async () => {
    const exact = await repo.search({ query: tag, status: "suspended", withTotalCount: true, first: 2 });
    expect(exact).toMatchObject({ totalCount: 9, totalCountIsEstimate: false, hasNextPage: true });
    const small = new UserRepository(db.pool, { exactCountLimit: 5 });
    const est = await small.search({ query: tag, withTotalCount: true, first: 2 });
    expect(est.totalCountIsEstimate).toBe(true);
    expect(est.totalCount).toBeGreaterThan(5);
  });

  it("rejects bad cursors and options with typed validation errors", async () => {
    expect(await rejection(repo.search({ after: "garbage!" }))).toMatchObject({ code: "VALIDATION", field: "after" });
    const nameCursor = encodeCursor({ order: "name", id: made[0]!.id, name: "x" });
    expect(await rejection(repo.search({ after: nameCursor, orderBy: "created" }))).toMatchObject({ field: "after" });
    expect(await rejection(repo.search({ after: Buffer.from("{}").toString("base64url") }))).toMatchObject({ field: "after" });
    expect(await rejection(repo.search({ first: 0 }))).toMatchObject({ field: "first" });
    expect(await rejection(repo.search({ orderBy: "email" as never }))).toMatchObject({ field: "orderBy" });
    expect(await rejection(repo.search({ status: "x" as never }))).toMatchObject({ field: "status" });
    expect(await rejection(repo.search({ role: "x" as never }))).toMatchObject({ field: "role" });
    expect(await rejection(repo.search({ teamId: "x" }))).toMatchObject({ field: "teamId" });
    const empty = await repo.search({ query: "no-such-user-anywhere-" + tag });
    expect(empty).toEqual({ items: [], hasNextPage: false, endCursor: null });
  });
});

describe("users repository: bulk operations", () => {
  it("creates 10,000 users in one statement (one round trip)", async () => {
    const access = counting(primaryAccess(db.pool));
    const r = new UserRepository(access);
    const p = `bulk${Math.random().toString(36).slice(2, 7)}`;
    const res = await r.bulkCreate(Array.from({ length: 10_000 }, (_, i) => ({ email: `${p}-${i}@bulk.example.com`, name: `Bulk ${i}` })));
    expect(access.statements).toBe(1);
    expect(res.failures).toEqual([]);
    expect(res.ids).toHaveLength(10_000);
    expect(await count("select count(*)::int as n from app_public.users where email::text like $1", [`${p}-%`])).toBe(10_000);
    expect((await r.getByEmail(`${p}-9999@bulk.example.com`)).id).toBe(res.ids[9999]);

    // update many: 10,000 rows, one statement, per-row versions
    access.statements = 0;
    const upd = await r.bulkUpdate(res.ids.map((id, i) => ({ id: id!, name: `Renamed ${i}`, expectedVersion: 1 })));
    expect(access.statements).toBe(1);
    expect(upd.failures).toEqual([]);
    expect(await count("select count(*)::int as n from app_public.users where email::text like $1 and name like 'Renamed %' and version = 2", [`${p}-%`])).toBe(10_000);

    // soft-delete many
    access.statements = 0;
    const deleted = await r.softDeleteMany(res.ids as string[]);
    expect(access.statements).toBe(1);
    expect(deleted).toHaveLength(10_000);
    expect(await count("select count(*)::int as n from app_public.users where email::text like $1 and deleted_at is null", [`${p}-%`])).toBe(0);
  });

  it("all-or-nothing: any bad row writes nothing and every failure is reported by position", async () => {
    const taken = (await repo.create({ email: uniqueEmail(), name: "Taken" })).email;
    const dup = uniqueEmail("dup");
    const rows = [
      { email: uniqueEmail(), name: "Fine" },
      { email: "broken", name: "Bad email" },
      { email: dup, name: "First" },
      { email: dup.toUpperCase(), name: "Second" },
      { email: taken, name: "Taken" },
      { email: uniqueEmail(), name: "" },
      { email: uniqueEmail(), name: "Bad status", status: "zombie" as never },
    ];
    const before = await count("select count(*)::int as n from app_public.users");
    const e = await rejection(repo.bulkCreate(rows));
    expect(e).toBeInstanceOf(BulkWriteError);
    expect(e).toBeInstanceOf(ValidationError);
    expect(e.failures.map((f: { index: number; code: string; field: string }) => [f.index, f.code, f.field])).toEqual([
      [1, "VALIDATION", "email"], [3, "CONFLICT", "email"], [4, "CONFLICT", "email"], [5, "VALIDATION", "name"], [6, "VALIDATION", "status"],
    ]);
    expect(await count("select count(*)::int as n from app_public.users")).toBe(before);

    const best = await repo.bulkCreate(rows, { mode: "best_effort" });
    expect(best.failures.map((f) => f.index)).toEqual([1, 3, 4, 5, 6]);
    expect(best.ids.map((id) => id !== null)).toEqual([true, false, true, false, false, false, false]);
    expect(await count("select count(*)::int as n from app_public.users")).toBe(before + 2);
  });

  it("all-or-nothing also holds when a concurrent transaction takes an email mid-call", async () => {
    const email = uniqueEmail("race");
    const other = await db.pool.connect();
    try {
      await other.query("begin");
      await other.query("insert into app_public.users (email, name) values ($1, 'Racer')", [email]);
      const pid = (await other.query("select pg_backend_pid() as pid")).rows[0].pid;
      const bulk = repo.bulkCreate([{ email: uniqueEmail(), name: "Innocent" }, { email, name: "Loser" }]).then(() => null, (e) => e);
      for (let i = 0; ; i++) {
        const { rows } = await db.pool.query("select count(*)::int as n from pg_locks where not granted and transactionid = (select transactionid from pg_locks where pid = $1 and locktype = 'transactionid' and granted limit 1)", [pid]);
        if (rows[0].n > 0) break;
        if (i > 300) throw new Error("bulk create never waited");
        await new Promise((r) => setTimeout(r, 20));
      }
      await other.query("commit");
      const e = await bulk;
      expect(e).toBeInstanceOf(BulkWriteError);
      expect(e.failures).toEqual([{ index: 1, code: "CONFLICT", field: "email", message: "email taken" }]);
      expect(await count("select count(*)::int as n from app_public.users where name = 'Innocent'")).toBe(0);
    } finally {
      other.release();
    }
  });

  // Two imports whose overlapping emails come in opposite orders, both held up at the same email by a third
  // transaction and then let go at once: inserting in input order, each would wait for the other (a deadlock, one
  // call failing whole with 40P01). They wait in one order instead, and the later one reports the taken emails.
  async function overlappingImports(mode: "all_or_nothing" | "best_effort") {
    const p = `race${Math.random().toString(36).slice(2, 7)}`;
    const email = (i: number) => `${p}-${String(i).padStart(4, "0")}@race.example.com`;
    const a = Array.from({ length: 2_000 }, (_, i) => ({ email: email(i), name: `A ${i}` }));
    const b = Array.from({ length: 2_000 }, (_, i) => ({ email: email(2_999 - i), name: `B ${2_999 - i}` }));
    const blocker = await db.pool.connect();
    try {
      await blocker.query("begin");
      await blocker.query("insert into app_public.users (email, name) values ($1, 'Blocker')", [email(1_500)]);
      const settle = (x: Promise<unknown>) => x.then((value) => ({ value, error: null }), (error) => ({ value: null, error }));
      const calls = [settle(repo.bulkCreate(a, { mode })), settle(repo.bulkCreate(b, { mode }))] as const;
      for (let i = 0; ; i++) {
        const { rows } = await db.pool.query(
          "select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like '%bulk_create_users%'");
        if (rows[0].n >= 2) break;
        if (i > 500) throw new Error("the imports never both waited");
        await new Promise((r) => setTimeout(r, 20));
      }
      await blocker.query("rollback");
      const [ra, rb] = await Promise.all(calls);
      const { rows } = await db.pool.query<{ email: string; id: string; n: number }>(
        "select email::text as email, min(id::text) as id, count(*)::int as n from app_public.users where email::text like $1 group by email", [`${p}-%`]);
      return { ra, rb, rows, email };
    } finally {
      blocker.release();
    }
  }

  it("two concurrent best-effort imports with overlapping emails create each email once; the later reports each taken email per row", async () => {
    const { ra, rb, rows, email } = await overlappingImports("best_effort");
    expect(ra.error).toBeNull();
    expect(rb.error).toBeNull();
    expect(rows).toHaveLength(3_000);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    const byEmail = new Map(rows.map((r) => [r.email, r.id]));
    const resA = ra.value as { ids: (string | null)[]; failures: { index: number; code: string; field: string; message: string }[] };
    const resB = rb.value as typeof resA;
    for (let i = 1_000; i < 2_000; i++) {
      const idA = resA.ids[i], idB = resB.ids[2_999 - i];
      expect([idA, idB].filter((x) => x !== null)).toEqual([byEmail.get(email(i))]);
      const failure = (idA === null ? resA : resB).failures.find((f) => f.index === (idA === null ? i : 2_999 - i));
      expect(failure).toEqual({ index: idA === null ? i : 2_999 - i, code: "CONFLICT", field: "email", message: "email taken" });
    }
    for (let i = 0; i < 1_000; i++) {
      expect(resA.ids[i]).toBe(byEmail.get(email(i)));
      expect(resB.ids[i]).toBe(byEmail.get(email(2_999 - i)));
    }
    expect(resA.failures.length + resB.failures.length).toBe(1_000);
  });

  it("of two concurrent all-or-nothing imports with overlapping emails one writes everything, the other nothing and lists each taken email", async () => {
    const { ra, rb, rows, email } = await overlappingImports("all_or_nothing");
    const [won, lost] = ra.error ? [rb, ra] : [ra, rb];
    expect(won.error).toBeNull();
    expect(lost.error).toBeInstanceOf(BulkWriteError);
    const lostIsA = lost === ra;
    const winnerEmails = Array.from({ length: 2_000 }, (_, i) => email((lostIsA ? 1_000 : 0) + i));
    expect(rows.map((r) => r.email).sort()).toEqual(winnerEmails);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    const failures = (lost.error as BulkWriteError).failures;
    expect(failures).toHaveLength(1_000);
    expect(failures.every((f) => f.code === "CONFLICT" && f.field === "email" && f.message === "email taken")).toBe(true);
    // the overlapping emails 1,000..1,999 sit at indexes 1,000..1,999 in both inputs (B lists 2,999 down to 1,000)
    expect(failures.map((f) => f.index)).toEqual(Array.from({ length: 1_000 }, (_, i) => 1_000 + i));
    const winner = won.value as { ids: string[] };
    expect(new Set(rows.map((r) => r.id))).toEqual(new Set(winner.ids));
  });

  it("two concurrent best-effort bulk updates of overlapping users: each user changes once, the later call reports the others per row", async () => {
    const p = `updrace${Math.random().toString(36).slice(2, 7)}`;
    const created = await repo.bulkCreate(Array.from({ length: 3_000 }, (_, i) => ({ email: `${p}-${i}@race.example.com`, name: `U ${i}` })));
    const ids = created.ids as string[];
    const a = ids.slice(0, 2_000).map((id) => ({ id, name: "A" }));
    const b = ids.slice(1_000).reverse().map((id) => ({ id, name: "B" }));
    const blocker = await db.pool.connect();
    try {
      await blocker.query("begin");
      await blocker.query("select 1 from app_public.users where id = $1 for update", [ids[1_500]]);
      const settle = (x: Promise<unknown>) => x.then((value) => ({ value, error: null }), (error) => ({ value: null, error }));
      const calls = [settle(repo.bulkUpdate(a, { mode: "best_effort" })), settle(repo.bulkUpdate(b, { mode: "best_effort" }))] as const;
      for (let i = 0; ; i++) {
        const { rows } = await db.pool.query(
          "select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like '%bulk_update_users%'");
        if (rows[0].n >= 2) break;
        if (i > 500) throw new Error("the updates never both waited");
        await new Promise((r) => setTimeout(r, 20));
      }
      await blocker.query("rollback");
      const [ra, rb] = await Promise.all(calls);
      expect(ra.error).toBeNull();
      expect(rb.error).toBeNull();
      const resA = ra.value as { ids: (string | null)[]; failures: { index: number; code: string; field: string }[] };
      const resB = rb.value as typeof resA;
      const { rows } = await db.pool.query<{ id: string; version: number; name: string }>(
        "select id, version, name from app_public.users where email::text like $1", [`${p}-%`]);
      const byId = new Map(rows.map((r) => [r.id, r]));
      expect(rows.every((r) => r.version === 2)).toBe(true);
      for (let i = 0; i < 3_000; i++) {
        const inA = i < 2_000 ? resA.ids[i] !== null : null, inB = i >= 1_000 ? resB.ids[2_999 - i] !== null : null;
        const wrote = [inA && "A", inB && "B"].filter(Boolean);
        expect(wrote).toEqual([byId.get(ids[i]!)!.name]);
      }
      const failures = [...resA.failures, ...resB.failures];
      expect(failures.length).toBe(1_000);
      expect(failures.every((f) => f.code === "VERSION_CONFLICT" && f.field === "version")).toBe(true);
    } finally {
      blocker.release();
    }
  });

  it("update many reports version conflicts, missing rows and duplicates per row; best effort writes the rest", async () => {
    const a = await repo.create({ email: uniqueEmail(), name: "A" });
    const b = await repo.create({ email: uniqueEmail(), name: "B" });
    const c = await repo.create({ email: uniqueEmail(), name: "C" });
    const items = [
      { id: a.id, name: "A2", expectedVersion: 1 },
      { id: b.id, name: "B2", expectedVersion: 7 },
      { id: "00000000-0000-7000-8000-000000000000", name: "ghost" },
      { id: c.id, email: a.email },
      { id: c.id, status: "bogus" as never },
    ];
    const e = await rejection(repo.bulkUpdate(items));
    expect(e.failures.map((f: { index: number; code: string; field: string }) => [f.index, f.code, f.field])).toEqual([
      [1, "VERSION_CONFLICT", "version"], [2, "NOT_FOUND", "id"], [3, "CONFLICT", "email"], [4, "VALIDATION", "status"],
    ]);
    expect((await repo.getById(a.id)).name).toBe("A");
    const best = await repo.bulkUpdate(items, { mode: "best_effort" });
    expect(best.failures.map((f) => f.index)).toEqual([1, 2, 3, 4]);
    expect((await repo.getById(a.id))).toMatchObject({ name: "A2", version: 2 });
    expect(await repo.bulkUpdate([])).toEqual({ ids: [], failures: [] });
    expect(await repo.bulkCreate([])).toEqual({ ids: [], failures: [] });
  });

  it("a valid batch takes the fast path; one taken email alone still gets its own per-row result in both modes", async () => {
    const taken = (await repo.create({ email: uniqueEmail("takenfast"), name: "Taken" })).email;
    const p = `fast${Math.random().toString(36).slice(2, 7)}`;
    const rows = Array.from({ length: 2_000 }, (_, i) => ({ email: `${p}-${i}@bulk.example.com`, name: `Fast ${i}` }));
    rows[1_234] = { email: taken.toUpperCase(), name: "Late comer" };
    const e = await rejection(repo.bulkCreate(rows));
    expect(e).toBeInstanceOf(BulkWriteError);
    expect(e.failures).toEqual([{ index: 1_234, code: "CONFLICT", field: "email", message: "email taken" }]);
    expect(await count("select count(*)::int as n from app_public.users where email::text like $1", [`${p}-%`])).toBe(0);
    const best = await repo.bulkCreate(rows, { mode: "best_effort" });
    expect(best.failures.map((f) => [f.index, f.code])).toEqual([[1_234, "CONFLICT"]]);
    expect(best.ids.filter((id) => id !== null)).toHaveLength(1_999);
    expect(await count("select count(*)::int as n from app_public.users where email::text like $1", [`${p}-%`])).toBe(1_999);
  });

  it("ids are distinct UUIDv7 values of the call's time; created_at and updated_at are the transaction's time", async () => {
    const p = `v7${Math.random().toString(36).slice(2, 7)}`;
    const before = Date.now();
    const res = await repo.bulkCreate(Array.from({ length: 500 }, (_, i) => ({ email: `${p}-${i}@bulk.example.com`, name: `V7 ${i}` })));
    const ids = res.ids as string[];
    expect(new Set(ids).size).toBe(500);
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const ms = parseInt(id.replaceAll("-", "").slice(0, 12), 16);
      expect(ms).toBeGreaterThanOrEqual(before - 1_000);
      expect(ms).toBeLessThanOrEqual(Date.now() + 1_000);
    }
    const { rows } = await db.pool.query("select count(*)::int as n, count(distinct created_at)::int as c from app_public.users where email::text like $1 and created_at = updated_at", [`${p}-%`]);
    expect(rows[0]).toEqual({ n: 500, c: 1 });
    // A writer that supplies its own timestamps is still overruled by the trigger.
    const { rows: forged } = await db.pool.query(
      "insert into app_public.users (email, name, created_at, updated_at) values ($1, 'Forger', '2001-01-01', '2001-01-01') returning created_at > now() - interval '1 hour' as fresh_c, updated_at > now() - interval '1 hour' as fresh_u",
      [uniqueEmail("forger")]);
    expect(forged[0]).toEqual({ fresh_c: true, fresh_u: true });
  });

  it("a large batch enqueues cache invalidation of every new user's id and email key, in jobs of at most 1,000 keys", async () => {
    const p = `inv${Math.random().toString(36).slice(2, 7)}`;
    const res = await repo.bulkCreate(Array.from({ length: 1_500 }, (_, i) => ({ email: `${p}-${i}@Bulk.example.com`, name: `Inv ${i}` })));
    const { rows } = await db.pool.query(
      `select j.payload->'keys' as keys from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
        where t.identifier = 'cache_invalidate' and j.payload::text like $1`, [`%${p}-%`]);
    const keys = rows.flatMap((r) => r.keys as string[]);
    expect(rows.every((r) => (r.keys as string[]).length <= 1_000)).toBe(true);
    for (const [i, id] of res.ids.entries()) {
      expect(keys).toContain(`users:id:${id}`);
      expect(keys).toContain(`users:email:${p}-${i}@bulk.example.com`);
    }
  });

  it("refuses oversized calls before touching the database", async () => {
    const tooMany = Array.from({ length: 50_001 }, (_, i) => ({ email: `x${i}@x.io`, name: "x" }));
    expect(await rejection(repo.bulkCreate(tooMany))).toMatchObject({ code: "VALIDATION", field: "rows" });
    expect(await rejection(repo.bulkUpdate(tooMany.map(() => ({ id: "00000000-0000-7000-8000-000000000000" }))))).toMatchObject({ field: "rows" });
    expect(await rejection(repo.softDeleteMany(tooMany.map(() => "00000000-0000-7000-8000-000000000000")))).toMatchObject({ field: "ids" });
    expect(await rejection(repo.softDeleteMany(["bad"]))).toMatchObject({ field: "ids" });
  });
});
