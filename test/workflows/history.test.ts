import { beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../harness/db.ts";
import { WorkflowRepository } from "../../src/workflows/repository.ts";
import type { WorkflowDefinition, WorkflowSnapshot } from "../../src/workflows/types.ts";
import { teamWithRoles, type TeamSetup } from "./helpers.ts";

const db = useTestDatabase();
let repo: WorkflowRepository;
let t: TeamSetup;

beforeAll(async () => {
  repo = new WorkflowRepository(db.pool);
  t = await teamWithRoles(db.pool);
});

// Deterministic pseudo-random generator so failures reproduce.
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/** A random definition: 3..12 nodes out of a pool of 15 names, random edges, params, settings and triggers. */
function randomDefinition(r: () => number, i: number): WorkflowDefinition {
  const names = Array.from({ length: 15 }, (_, k) => `node-${k}`).filter(() => r() < 0.6).slice(0, 12);
  while (names.length < 3) names.push(`extra-${names.length}`);
  const nodes = names.map((name) => ({
    name, type: r() < 0.5 ? "http.request" : "code", type_version: 1 + Math.floor(r() * 3),
    parameters: { v: Math.floor(r() * 5), nested: { list: [Math.floor(r() * 3)], flag: r() < 0.5 } },
    position: [Math.floor(r() * 1000), Math.floor(r() * 1000)] as [number, number], disabled: r() < 0.1,
  }));
  const connections = [];
  for (let k = 0; k < names.length * 1.5; k++) {
    connections.push({ source: names[Math.floor(r() * names.length)]!, target: names[Math.floor(r() * names.length)]!, target_input_index: Math.floor(r() * 2) });
  }
  const unique = [...new Map(connections.map((c) => [JSON.stringify(c), c])).values()];
  const triggers = r() < 0.5
    ? [{ type: "schedule" as const, config: { cron: `${Math.floor(r() * 60)} * * * *` }, node: names[0] }]
    : [{ type: "webhook" as const, config: { path: `hook-${i % 4}` } }, { type: "manual" as const, enabled: r() < 0.5 }];
  return { name: `history ${i % 3}`, description: `rev ${i}`, tags: r() < 0.5 ? ["a"] : ["a", "b"], settings: { timeout: Math.floor(r() * 4), mode: r() < 0.5 ? "x" : "y" }, nodes, connections: unique, triggers };
}

/** The live graph as a snapshot (ids stripped), to compare with stored snapshots. */
async function liveSnapshot(id: string): Promise<WorkflowSnapshot> {
  const g = await repo.as({ userId: t.viewer }).getWithNodes(id);
  return {
    name: g.workflow.name, description: g.workflow.description, settings: g.workflow.settings, tags: g.workflow.tags,
    nodes: g.nodes.map(({ id: _id, ...n }) => n),
    connections: g.connections.map(({ id: _i, source_node_id: _s, target_node_id: _t, ...c }) => c),
    triggers: g.triggers.map(({ id: _i, node_id: _n, ...tr }) => tr),
  };
}

describe("workflow version history round trip", () => {
  it("saves 50 versions, diffs and restores arbitrary pairs; every restored graph equals the original", async () => {
    const r = rng(42);
    const ed = { userId: t.editor };
    const wf = await repo.as(ed).createWithVersion(t.teamId, randomDefinition(r, 0));
    for (let v = 1; v < 50; v++) await repo.as(ed).save(wf.id, v, randomDefinition(r, v), `save ${v + 1}`);
    const history = await repo.as(ed).listVersions(wf.id, { limit: 100 });
    expect(history.map((h) => h.version)).toEqual(Array.from({ length: 50 }, (_, i) => 50 - i));
    const snapshots = new Map<number, WorkflowSnapshot>();
    for (let v = 1; v <= 50; v++) snapshots.set(v, (await repo.as(ed).getVersion(wf.id, v)).data);
    // the live graph equals the latest snapshot
    expect(await liveSnapshot(wf.id)).toEqual(snapshots.get(50));

    let current = 50;
    for (let k = 0; k < 12; k++) {
      const a = 1 + Math.floor(r() * 50);
      const b = 1 + Math.floor(r() * 50);
      const d = await repo.as(ed).diff(wf.id, a, b);
      const sa = snapshots.get(a)!;
      const sb = snapshots.get(b)!;
      expect(d.identical).toBe(JSON.stringify(sa) === JSON.stringify(sb));
      // the diff is consistent with the two snapshots
      const namesA = new Set(sa.nodes.map((n) => n.name));
      const namesB = new Set(sb.nodes.map((n) => n.name));
      expect(d.nodes.added.map((n) => n.name).sort()).toEqual([...namesB].filter((n) => !namesA.has(n)).sort());
      expect(d.nodes.removed.map((n) => n.name).sort()).toEqual([...namesA].filter((n) => !namesB.has(n)).sort());
      for (const c of d.nodes.changed) {
        const na = sa.nodes.find((n) => n.name === c.name)! as Record<string, unknown>;
        const nb = sb.nodes.find((n) => n.name === c.name)! as Record<string, unknown>;
        for (const f of c.fields) { expect(c.from[f]).toEqual(na[f]); expect(c.to[f]).toEqual(nb[f]); }
        for (const f of Object.keys(na).filter((f) => !c.fields.includes(f))) expect(nb[f]).toEqual(na[f]);
      }
      const key = (c: object) => JSON.stringify(c);
      const edgesA = new Set(sa.connections.map(key));
      const edgesB = new Set(sb.connections.map(key));
      expect(d.connections.added.map(key).sort()).toEqual([...edgesB].filter((e) => !edgesA.has(e)).sort());
      expect(d.connections.removed.map(key).sort()).toEqual([...edgesA].filter((e) => !edgesB.has(e)).sort());

      // restore a, then check the new version and the live graph equal the original
      const restored = await repo.as(ed).restore(wf.id, a, current);
      current = restored.currentVersion;
      expect(current).toBe(50 + k + 1);
      expect((await repo.as(ed).getVersion(wf.id, current)).data).toEqual(sa);
      expect(await liveSnapshot(wf.id)).toEqual(sa);
      expect((await repo.as(ed).diff(wf.id, a, current)).identical).toBe(true);
    }
  }, 120_000);
});
