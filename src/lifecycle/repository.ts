// The lifecycle repository: retention policies and their dry run, usage, budgets and bulk actions. Thin: every
// rule lives in SQL (see docs/lifecycle.md). Two callers, like the executions repository:
//  - a signed-in user ({ kind: "user", userId }): app_public functions as linkflow_visitor (roles checked in SQL);
//  - the service ({ kind: "service" }): owner pool, app_private functions without role checks.
import type pg from "pg";
import { mapDbError } from "../db/errors.ts";
import { withTransaction } from "../db/transaction.ts";
import { ForbiddenError } from "../errors.ts";
import { numbers } from "./rows.ts";
import type {
  BudgetUsage, BulkAction, BulkActionKind, BulkFilter, RetentionPlanItem, RetentionPolicy, RetentionPolicyInput, TeamUsage,
} from "./types.ts";

export type LifecycleCaller = { kind: "service" } | { kind: "user"; userId: string };

export class LifecycleRepository {
  readonly pool: pg.Pool;
  readonly caller: LifecycleCaller;

  constructor(pool: pg.Pool, caller: LifecycleCaller = { kind: "service" }) {
    this.pool = pool;
    this.caller = caller;
  }

  asUser(userId: string): LifecycleRepository {
    return new LifecycleRepository(this.pool, { kind: "user", userId });
  }

  private async q<R extends pg.QueryResultRow = any>(text: string, values: unknown[] = []): Promise<R[]> {
    if (this.caller.kind === "user") {
      const userId = this.caller.userId;
      return (await withTransaction(this.pool, (c) => c.query<R>(text, values), { asUser: { userId } })).rows;
    }
    try { return (await this.pool.query<R>(text, values)).rows; } catch (e) { throw mapDbError(e); }
  }

  /** Policy management is a user action (owner/admin, checked in SQL); the service has no actor to record. */
  private userOnly(what: string): void {
    if (this.caller.kind !== "user") throw new ForbiddenError(`${what} is done by a team owner or admin (asUser)`);
  }

  async setPolicy(p: RetentionPolicyInput): Promise<RetentionPolicy> {
    this.userOnly("setPolicy");
    const [row] = await this.q("select * from app_public.set_retention_policy($1, $2, $3, $4, $5, $6, $7)",
      [p.teamId, p.hotDays, p.coldDays, p.workflowId ?? null, p.nodeOutput ?? "keep", p.nodeOutputAfterDays ?? null, p.nodeOutputMaxBytes ?? null]);
    return row;
  }

  async deletePolicy(teamId: string, workflowId: string | null = null): Promise<boolean> {
    this.userOnly("deletePolicy");
    const [row] = await this.q<{ ok: boolean }>("select app_public.delete_retention_policy($1, $2) as ok", [teamId, workflowId]);
    return row!.ok;
  }

  async policies(teamId: string): Promise<RetentionPolicy[]> {
    return this.q("select * from app_public.retention_policies where team_id = $1 order by workflow_id nulls first", [teamId]);
  }

  /**
   * The dry run: what the next retention pass archives, trims and deletes, with the bytes each frees. The
   * service (owner) form may take `at`, the time the plan is made for: a pass run with the same `asOf`
   * applies exactly this plan (the cutoffs do not move while the pass runs).
   */
  async plan(teamId: string, defaults: { hotDays?: number; coldDays?: number; at?: Date } = {}): Promise<RetentionPlanItem[]> {
    const rows = this.caller.kind === "user"
      ? await this.q("select * from app_public.retention_plan($1)", [teamId])
      : await this.q("select * from app_private.retention_plan($1, $2, $3, coalesce($4::timestamptz, now()))",
        [teamId, defaults.hotDays ?? 30, defaults.coldDays ?? 365, defaults.at?.toISOString() ?? null]);
    return rows.map((r) => numbers<RetentionPlanItem>(r));
  }

  /** Exact usage now (folded totals plus the unfolded tail). */
  async usage(teamId: string): Promise<TeamUsage> {
    const [row] = this.caller.kind === "user"
      ? await this.q("select * from app_public.team_usage_now($1)", [teamId])
      : await this.q("select * from app_private.team_usage($1)", [teamId]);
    return numbers<TeamUsage>(row!);
  }

  async setBudget(teamId: string, executionsPerMonth: number | null, warnPercent = 80): Promise<void> {
    this.userOnly("setBudget");
    await this.q("select 1 from app_public.set_team_budget($1, $2, $3)", [teamId, executionsPerMonth, warnPercent]);
  }

  async budgetUsage(teamId: string): Promise<BudgetUsage | null> {
    const rows = await this.q("select * from app_public.team_budget_usage($1)", [teamId]);
    return rows[0] ? numbers<BudgetUsage>(rows[0]) : null;
  }

  /** Dry run of a bulk action: how many executions it would reach now. */
  async countBulk(teamId: string, action: BulkActionKind, filter: BulkFilter = {}): Promise<number> {
    this.userOnly("countBulk");
    const [row] = await this.q<{ n: string }>("select app_public.bulk_action_count($1, $2, $3) as n", [teamId, action, JSON.stringify(filter)]);
    return Number(row!.n);
  }

  async startBulk(teamId: string, action: BulkActionKind, filter: BulkFilter = {}, batchSize = 1000): Promise<BulkAction> {
    this.userOnly("startBulk");
    const [row] = await this.q("select * from app_public.start_bulk_action($1, $2, $3, $4)", [teamId, action, JSON.stringify(filter), batchSize]);
    return numbers<BulkAction>(row!);
  }

  async cancelBulk(teamId: string, id: string): Promise<BulkAction> {
    this.userOnly("cancelBulk");
    const [row] = await this.q("select * from app_public.cancel_bulk_action($1, $2)", [teamId, id]);
    return numbers<BulkAction>(row!);
  }

  async bulkAction(teamId: string, id: string): Promise<BulkAction | null> {
    const rows = await this.q("select * from app_public.bulk_actions where team_id = $1 and id = $2", [teamId, id]);
    return rows[0] ? numbers<BulkAction>(rows[0]) : null;
  }
}
