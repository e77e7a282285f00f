// Shared setup for the workflows tests: a team with one user per role, plus an outsider.
import type pg from "pg";
import { makeTeam, makeUser } from "../harness/fixtures.ts";
import type { WorkflowDefinition } from "../../src/workflows/types.ts";

export interface TeamSetup {
  teamId: string;
  owner: string; admin: string; editor: string; viewer: string; outsider: string;
}

export async function teamWithRoles(pool: pg.Pool): Promise<TeamSetup> {
  const [owner, admin, editor, viewer, outsider] = await Promise.all([0, 1, 2, 3, 4].map(() => makeUser(pool)));
  const team = await makeTeam(pool, [
    { userId: owner!.id, role: "owner" }, { userId: admin!.id, role: "admin" },
    { userId: editor!.id, role: "editor" }, { userId: viewer!.id, role: "viewer" },
  ]);
  return { teamId: team.id, owner: owner!.id, admin: admin!.id, editor: editor!.id, viewer: viewer!.id, outsider: outsider!.id };
}

/** A chain Start -> N1 -> ... -> N(n-1) with a schedule trigger on Start. */
export function chain(n: number, opts: { name?: string; seed?: number; trigger?: boolean } = {}): WorkflowDefinition {
  const seed = opts.seed ?? 0;
  const nodes = Array.from({ length: n }, (_, i) => ({
    name: i === 0 ? "Start" : `N${i}`,
    type: i === 0 ? "trigger.schedule" : "http.request",
    parameters: { url: `https://example.com/${i}`, seed, retries: i % 3 },
    position: [i * 200, (i % 5) * 100] as [number, number],
  }));
  const connections = nodes.slice(1).map((node, i) => ({ source: nodes[i]!.name, target: node.name }));
  return {
    name: opts.name ?? "Chain",
    nodes,
    connections,
    triggers: opts.trigger === false ? [] : [{ type: "schedule", config: { cron: "*/5 * * * *" }, node: "Start" }],
  };
}
