// The users repository: a thin TypeScript layer over app_public.users and the app_private user functions.
// The repository shape of every repository (src/db/caller.ts, docs/library.md): bound to a caller with
// as(caller) / asUser(userId) / asService(). The service path (the default: trusted server code on the owner)
// does everything; its reads may go to a replica (pass a RoutedSession), its writes always go to the primary.
// A signed-in user caller reads (getById, getByEmail, search) as linkflow_visitor under RLS on the primary (it
// sees the users of its teams); the writes here are service operations (ForbiddenError for a user caller:
// users change their own profile through the SQL API / GraphQL, update_profile).
import type pg from "pg";
import { checkCaller, isUser, requireKind, runAs, SERVICE, type Caller } from "../db/caller.ts";
import { ForbiddenError, IllegalTransitionError, NotFoundError, ValidationError, VersionConflictError } from "../errors.ts";
import type { Queryable } from "../db/pool.ts";
import { primaryAccess, type DbAccess } from "../db/replicas.ts";
import { BulkWriteError, bulkCode, type BulkFailure } from "./errors.ts";
import { decodeCursor, encodeCursor, type SearchOrder } from "./cursor.ts";

export type UserStatus = "active" | "invited" | "suspended";
export type TeamRole = "owner" | "admin" | "editor" | "viewer";

export interface User {
  id: string;
  email: string;
  name: string;
  status: UserStatus;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface CreateUserInput { email: string; name: string; status?: UserStatus; password?: string }
export interface UserPatch { email?: string; name?: string; status?: UserStatus }

export interface SearchOptions {
  /** Text searched in name and email (case-insensitive substring, served by the trigram indexes). */
  query?: string;
  status?: UserStatus;
  teamId?: string;
  /** A membership role (within teamId when given, else in any team). */
  role?: TeamRole;
  first?: number;
  after?: string | null;
  orderBy?: SearchOrder;
  withTotalCount?: boolean;
}

export interface SearchResult {
  items: User[];
  endCursor: string | null;
  hasNextPage: boolean;
  /** Present with withTotalCount: exact up to exactCountLimit, the planner's estimate above it. */
  totalCount?: number;
  totalCountIsEstimate?: boolean;
}

export type BulkMode = "all_or_nothing" | "best_effort";
export interface BulkResult { ids: (string | null)[]; failures: BulkFailure[] }
export interface BulkUpdateItem extends UserPatch { id: string; expectedVersion?: number }

export interface UserRepositoryOptions {
  /** Total counts are exact up to this many rows, estimated above (default 10,000). */
  exactCountLimit?: number;
  /** Largest page a search returns (default 500). */
  maxPageSize?: number;
  /** Who the calls act for (default: the service path). */
  caller?: Caller;
}

const COLUMNS = "u.id, u.email::text as email, u.name, u.status, u.version, u.created_at, u.updated_at";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STATUSES = new Set(["active", "invited", "suspended"]);
const ROLES = new Set(["owner", "admin", "editor", "viewer"]);
export const MAX_BULK_ROWS = 50_000;

interface UserRow { id: string; email: string; name: string; status: UserStatus; version: number; created_at: Date; updated_at: Date }
const toUser = (r: UserRow): User => ({
  id: r.id, email: r.email, name: r.name, status: r.status, version: r.version, createdAt: r.created_at, updatedAt: r.updated_at,
});

function assertId(id: string, field = "id"): void {
  if (typeof id !== "string" || !UUID.test(id)) throw new ValidationError(`${field} must be a UUID`, { field });
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

// A bulk call's per-row results packed into one row: the ids in input order (a uuid[] as text, NULL for a failed
// row) and the failures alone, so 10,000 results cost one short row to send and parse, not 10,000 rows.
interface PackedBulkResult { ids: string | null; failures: { ord: number; code: string; field: string | null; message: string | null }[] | null }
const packedBulk = (fn: string) => `
  select array_agg(case when r.error_code is null then r.id end order by r.ord)::text as ids,
         json_agg(json_build_object('ord', r.ord, 'code', r.error_code, 'field', r.error_field, 'message', r.error_message) order by r.ord)
           filter (where r.error_code is not null) as failures
    from app_private.${fn}($1::jsonb, $2) r`;

function bulkOutcome(packed: PackedBulkResult, rows: number, mode: BulkMode, what: string): BulkResult {
  const ids = packed.ids === null ? [] : packed.ids.slice(1, -1).split(",").map((id) => (id === "NULL" ? null : id));
  const failures: BulkFailure[] = (packed.failures ?? []).map((f) => ({
    index: f.ord - 1, code: bulkCode(f.code), field: f.field ?? undefined, message: f.message ?? "",
  }));
  if (failures.length && mode === "all_or_nothing") {
    throw new BulkWriteError(`${what}: ${failures.length} of ${rows} rows failed; nothing was written`, failures);
  }
  return { ids, failures };
}

export class UserRepository {
  readonly caller: Readonly<Caller>;
  private readonly access: DbAccess;
  private readonly options: UserRepositoryOptions;
  private readonly exactCountLimit: number;
  private readonly maxPageSize: number;

  constructor(db: DbAccess | pg.Pool, opts: UserRepositoryOptions = {}) {
    this.access = "write" in db ? db : primaryAccess(db);
    this.options = opts;
    this.caller = checkCaller(opts.caller ?? SERVICE);
    this.exactCountLimit = opts.exactCountLimit ?? 10_000;
    this.maxPageSize = opts.maxPageSize ?? 500;
  }

  /** The same repository acting for another caller. */
  as(caller: Caller): UserRepository {
    return new UserRepository(this.access, { ...this.options, caller });
  }

  /** The same repository acting for a signed-in user: reads under RLS. */
  asUser(userId: string): UserRepository {
    return this.as({ userId });
  }

  /** The same repository on the service path. */
  asService(): UserRepository {
    return this.as(SERVICE);
  }

  /** How this caller reaches the database: service reads and writes as routed; user reads under RLS, no writes. */
  private get db(): DbAccess {
    if (!isUser(this.caller)) return this.access;
    const caller = this.caller;
    const primary = this.access.primary;
    if (!primary) throw new ForbiddenError("this database access has no primary pool for a user caller", { field: "caller" });
    return {
      primary,
      read: (fn) => runAs(primary, caller, fn, { readOnly: true }),
      write: () => { requireKind(caller, "service", "this users write"); throw new Error("unreachable"); },
    };
  }

  /** Creates a user; with a password, it is strength-checked and bcrypt-hashed. Email taken: ConflictError (field email). */
  async create(input: CreateUserInput): Promise<User> {
    const row = await this.db.write(async (q) => {
      const { rows } = await q.query<UserRow>(
        `select ${COLUMNS} from app_private.create_user($1, $2, $3, $4) u`,
        [input.email, input.name, input.password ?? null, input.status ?? "active"],
      );
      return rows[0]!;
    }, { singleStatement: true });
    return toUser(row);
  }

  async getById(id: string): Promise<User> {
    assertId(id);
    const row = await this.db.read(async (q) => (await q.query<UserRow>({
      name: "users.get_by_id",
      text: `select ${COLUMNS} from app_public.users u where u.id = $1 and u.deleted_at is null`,
      values: [id],
    })).rows[0]);
    if (!row) throw new NotFoundError("user not found", { field: "id" });
    return toUser(row);
  }

  async getByEmail(email: string): Promise<User> {
    if (typeof email !== "string" || email.length === 0 || email.length > 320) throw new ValidationError("email is required", { field: "email" });
    const row = await this.db.read(async (q) => (await q.query<UserRow>({
      name: "users.get_by_email",
      text: `select ${COLUMNS} from app_public.users u where u.email = $1::citext and u.deleted_at is null`,
      values: [email],
    })).rows[0]);
    if (!row) throw new NotFoundError("user not found", { field: "email" });
    return toUser(row);
  }

  /** Partial update; with expectedVersion a stale version raises VersionConflictError (currentVersion set). */
  async update(id: string, patch: UserPatch, opts: { expectedVersion?: number } = {}): Promise<User> {
    assertId(id);
    if (patch.status !== undefined && !STATUSES.has(patch.status)) throw new ValidationError("unknown status", { field: "status" });
    const { rows } = await this.db.write((q) => q.query<UserRow & { found: boolean; current_version: number | null }>(
      `with target as (
         select u.id, u.version from app_public.users u where u.id = $1 and u.deleted_at is null for update
       ), upd as (
         update app_public.users u
            set email = coalesce($2::citext, u.email), name = coalesce($3, u.name), status = coalesce($4, u.status)
           from target
          where u.id = target.id and ($5::integer is null or target.version = $5)
         returning ${COLUMNS}
       )
       select upd.*, (select count(*) > 0 from target) as found, (select version from target) as current_version
         from (select 1) one left join upd on true`,
      [id, patch.email ?? null, patch.name ?? null, patch.status ?? null, opts.expectedVersion ?? null],
    ), { singleStatement: true });
    const r = rows[0]!;
    if (!r.found) throw new NotFoundError("user not found", { field: "id" });
    if (!r.id) {
      throw new VersionConflictError(`user changed since version ${opts.expectedVersion}`, {
        field: "version", currentVersion: r.current_version ?? undefined, detail: `current_version=${r.current_version}`,
      });
    }
    return toUser(r);
  }

  /** Soft-deletes a live user (NotFoundError otherwise): it disappears from every read path until restored. */
  async softDelete(id: string): Promise<void> {
    assertId(id);
    const deleted = await this.softDeleteMany([id]);
    if (deleted.length === 0) throw new NotFoundError("user not found", { field: "id" });
  }

  /** Soft-deletes the live users among ids; returns the ids it deleted. */
  async softDeleteMany(ids: string[]): Promise<string[]> {
    ids.forEach((id) => assertId(id, "ids"));
    if (ids.length > MAX_BULK_ROWS) throw new ValidationError(`at most ${MAX_BULK_ROWS} ids per call`, { field: "ids" });
    const { rows } = await this.db.write((q) => q.query<{ id: string }>(
      "select id from app_private.soft_delete_users($1::uuid[]) as id", [ids],
    ), { singleStatement: true });
    return rows.map((r) => r.id);
  }

  /** Restores a soft-deleted user inside the restore window (IllegalTransitionError current_state=expired after it). */
  async restore(id: string): Promise<User> {
    assertId(id);
    const state = await this.db.write(async (q) => {
      const restored = await q.query("select 1 from app_private.restore_users($1::uuid[])", [[id]]);
      if (restored.rowCount) return "restored";
      const { rows } = await q.query<{ deleted: boolean }>("select deleted_at is not null as deleted from app_public.users where id = $1", [id]);
      return rows[0] === undefined ? "missing" : rows[0].deleted ? "expired" : "live";
    });
    if (state === "missing") throw new NotFoundError("user not found", { field: "id" });
    if (state === "expired") throw new IllegalTransitionError("the restore window has passed", { currentState: "expired" });
    return this.db.write(async (q) => toUser((await q.query<UserRow>(`select ${COLUMNS} from app_public.users u where u.id = $1`, [id])).rows[0]!), { singleStatement: true });
  }

  /** Hard-deletes a soft-deleted user now (authorship is anonymised by the foreign keys). A live user must be soft-deleted first. */
  async purge(id: string): Promise<void> {
    assertId(id);
    const state = await this.db.write(async (q) => {
      const purged = await q.query("select 1 from app_private.purge_users($1::uuid[])", [[id]]);
      if (purged.rowCount) return "purged";
      const { rowCount } = await q.query("select 1 from app_public.users where id = $1", [id]);
      return rowCount ? "live" : "missing";
    });
    if (state === "missing") throw new NotFoundError("user not found", { field: "id" });
    if (state === "live") throw new IllegalTransitionError("soft-delete the user before purging it", { currentState: "active" });
  }

  /**
   * Text search with filters and keyset pagination. The cursor carries the last row's sort key, so rows inserted
   * concurrently never shift a page (no duplicates, no skipped pre-existing rows).
   */
  async search(opts: SearchOptions = {}): Promise<SearchResult> {
    const first = opts.first ?? 20;
    if (!Number.isInteger(first) || first < 1 || first > this.maxPageSize) {
      throw new ValidationError(`first must be between 1 and ${this.maxPageSize}`, { field: "first" });
    }
    const order: SearchOrder = opts.orderBy ?? "created";
    if (order !== "created" && order !== "name") throw new ValidationError("orderBy must be created or name", { field: "orderBy" });
    if (opts.status !== undefined && !STATUSES.has(opts.status)) throw new ValidationError("unknown status", { field: "status" });
    if (opts.role !== undefined && !ROLES.has(opts.role)) throw new ValidationError("unknown role", { field: "role" });
    if (opts.teamId !== undefined) assertId(opts.teamId, "teamId");

    const params: unknown[] = [];
    const p = (v: unknown) => { params.push(v); return `$${params.length}`; };
    const where = ["u.deleted_at is null"];
    const text = opts.query?.trim();
    if (text) {
      const pat = p(`%${escapeLike(text)}%`);
      where.push(`(u.name ilike ${pat} or u.email::text ilike ${pat})`);
    }
    if (opts.status) where.push(`u.status = ${p(opts.status)}`);
    if (opts.teamId || opts.role) {
      const conds = ["m.user_id = u.id"];
      if (opts.teamId) conds.push(`m.team_id = ${p(opts.teamId)}`);
      if (opts.role) conds.push(`m.role = ${p(opts.role)}`);
      where.push(`exists (select 1 from app_public.team_memberships m where ${conds.join(" and ")})`);
    }
    const filterParams = params.slice();
    const filter = where.join(" and ");
    const keyset: string[] = [];
    if (opts.after) {
      const key = decodeCursor(opts.after, order);
      keyset.push(order === "name" ? `(u.name, u.id) > (${p(key.name)}, ${p(key.id)}::uuid)` : `u.id > ${p(key.id)}::uuid`);
    }
    const orderSql = order === "name" ? "u.name, u.id" : "u.id";
    const sql = `select ${COLUMNS} from app_public.users u where ${[filter, ...keyset].join(" and ")} order by ${orderSql} limit ${first + 1}`;

    return this.db.read(async (q) => {
      const { rows } = await q.query<UserRow>(sql, params);
      const hasNextPage = rows.length > first;
      const items = rows.slice(0, first).map(toUser);
      const last = items[items.length - 1];
      const result: SearchResult = {
        items,
        hasNextPage,
        endCursor: last ? encodeCursor(order === "name" ? { order, id: last.id, name: last.name } : { order, id: last.id }) : null,
      };
      if (opts.withTotalCount) Object.assign(result, await this.count(q, filter, filterParams));
      return result;
    });
  }

  /** Exact count while it is small (counting stops at exactCountLimit + 1 rows); the planner's estimate above. */
  private async count(q: Queryable, filter: string, params: unknown[]): Promise<{ totalCount: number; totalCountIsEstimate: boolean }> {
    const limit = this.exactCountLimit;
    const { rows } = await q.query<{ n: number }>(
      `select count(*)::integer as n from (select 1 from app_public.users u where ${filter} limit ${limit + 1}) s`, params,
    );
    const exact = rows[0]!.n;
    if (exact <= limit) return { totalCount: exact, totalCountIsEstimate: false };
    const plan = await q.query<{ "QUERY PLAN": [{ Plan: { "Plan Rows": number } }] }>(
      `explain (format json) select 1 from app_public.users u where ${filter}`, params,
    );
    const estimate = Math.round(plan.rows[0]!["QUERY PLAN"][0].Plan["Plan Rows"]);
    return { totalCount: Math.max(estimate, limit + 1), totalCountIsEstimate: true };
  }

  /**
   * Creates many users in one round trip (one statement). all_or_nothing (default): any failing row means nothing
   * is written and BulkWriteError lists every failure; best_effort: valid rows are written, failures returned.
   * ids[i] is the new id of input row i (null when it failed).
   */
  async bulkCreate(rows: { email: string; name: string; status?: UserStatus }[], opts: { mode?: BulkMode } = {}): Promise<BulkResult> {
    const mode = opts.mode ?? "all_or_nothing";
    if (rows.length > MAX_BULK_ROWS) throw new ValidationError(`at most ${MAX_BULK_ROWS} rows per call`, { field: "rows" });
    if (rows.length === 0) return { ids: [], failures: [] };
    const payload = JSON.stringify(rows.map((r) => ({ email: r.email, name: r.name, status: r.status })));
    const result = await this.db.write((q) => q.query<PackedBulkResult>(
      packedBulk("bulk_create_users"), [payload, mode === "best_effort"],
    ), { singleStatement: true });
    return bulkOutcome(result.rows[0]!, rows.length, mode, "bulk create");
  }

  /** Updates many users in one round trip, with optional per-row expectedVersion; same modes as bulkCreate. */
  async bulkUpdate(items: BulkUpdateItem[], opts: { mode?: BulkMode } = {}): Promise<BulkResult> {
    const mode = opts.mode ?? "all_or_nothing";
    if (items.length > MAX_BULK_ROWS) throw new ValidationError(`at most ${MAX_BULK_ROWS} rows per call`, { field: "rows" });
    if (items.length === 0) return { ids: [], failures: [] };
    items.forEach((it) => assertId(it.id));
    const payload = JSON.stringify(items.map((it) => ({
      id: it.id, email: it.email, name: it.name, status: it.status, expected_version: it.expectedVersion,
    })));
    const result = await this.db.write((q) => q.query<PackedBulkResult>(
      packedBulk("bulk_update_users"), [payload, mode === "best_effort"],
    ), { singleStatement: true });
    return bulkOutcome(result.rows[0]!, items.length, mode, "bulk update");
  }
}
