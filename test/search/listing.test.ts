// A time-range listing without documents (ArchiveReader.listExecutions with documents: false): the same executions
// in the same order with the same cursors as the full listing, hot and archived alike, only without input, output
// and error.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runArchiveWithPool } from "../../src/archive/archiver.ts";
import { ArchiveReader, type ListPage, type ListQuery } from "../../src/archive/retrieval.ts";
import { FileSystemStorage } from "../../src/storage/fs.ts";
import { useTestDatabase } from "../harness/db.ts";
import { seedExecutions, type Seeded } from "../archive/seed.ts";

const db = useTestDatabase();
let dir: string;
let reader: ArchiveReader;
let team: Seeded;

async function pages(q: ListQuery): Promise<ListPage[]> {
  const out: ListPage[] = [];
  let after: string | null = null;
  do {
    const page = await reader.listExecutions({ ...q, after });
    out.push(page);
    after = page.next;
  } while (after);
  return out;
}

const withoutDocuments = (p: ListPage) => ({ next: p.next, items: p.items.map((i) => ({ ...i, input: undefined, output: undefined, error: undefined })) });

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "lf-search-listing-"));
  const storage = new FileSystemStorage(dir);
  reader = new ArchiveReader({ pool: db.pool, storage, encryptionKey: null });
  team = await seedExecutions(db.pool, { daysAgo: [33, 32, 31, 20, 15], perDay: 30, workflows: 2, nodeRuns: 1 });
}, 120_000);
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

describe("listing executions without their documents", { timeout: 120_000 }, () => {
  const query = (): ListQuery => ({ teamId: team.teamId, from: new Date(Date.now() - 40 * 86400_000).toISOString(), limit: 40 });

  it("pages the same hot executions with the same cursors, leaving input, output and error out", async () => {
    const full = await pages(query());
    const bare = await pages({ ...query(), documents: false });
    expect(full.flatMap((p) => p.items)).toHaveLength(150);
    expect(full.flatMap((p) => p.items).every((i) => i.source === "hot" && i.input !== undefined)).toBe(true);
    expect(bare).toEqual(full.map(withoutDocuments));
    for (const item of bare.flatMap((p) => p.items)) {
      expect(item.input).toBeUndefined();
      expect(item.output).toBeUndefined();
      expect(item.error).toBeUndefined();
    }
  });

  it("gives the same pages across hot and archived executions after archiving", async () => {
    const before = await pages({ ...query(), documents: false });
    const r = await runArchiveWithPool(db.pool, {
      storage: new FileSystemStorage(dir), teamId: team.teamId,
      settings: { hotDays: 30, coldDays: 365, batchSize: 25, rowGroupSize: 10, zstdLevel: 3, encryptionKey: null },
    });
    expect(r.rows).toBe(90);
    const full = await pages(query());
    const bare = await pages({ ...query(), documents: false });
    expect(new Set(bare.flatMap((p) => p.items).map((i) => i.source))).toEqual(new Set(["hot", "cold"]));
    expect(bare).toEqual(full.map(withoutDocuments));
    const strip = (ps: ListPage[]) => ps.map((p) => ({ next: p.next, items: p.items.map(({ source: _s, ...rest }) => rest) }));
    expect(strip(bare)).toEqual(strip(before));
  });
});
