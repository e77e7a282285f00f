// Backups with the second (cross-region) target on S3: a real S3 API server in-process (fauxqs).
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { startFauxqs } from "fauxqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { runBackup } from "../../src/backup/backup.ts";
import { tableChecksums } from "../../src/backup/checksums.ts";
import { verifyObject } from "../../src/backup/replicate.ts";
import { restoreBackup } from "../../src/backup/restore.ts";
import { storageFromUrl } from "../../src/backup/settings.ts";
import { loadConfig, withDatabase } from "../../src/config.ts";
import { FileSystemStorage } from "../../src/storage/fs.ts";
import type { S3Storage } from "../../src/storage/s3.ts";
import { useTestDatabase } from "../harness/db.ts";
import { seed } from "./seed.ts";
import { clientToolUsable } from "../harness/pgtools.ts";

const db = useTestDatabase();
const toolsOk = await clientToolUsable(inject("pgRootUrl"), "pg_dump", "backups on S3");
let server: Awaited<ReturnType<typeof startFauxqs>>;
let dir = "";
const target = () => `${db.name.slice(0, 30)}_s3`;

beforeAll(async () => {
  if (!toolsOk) return;
  server = await startFauxqs({ port: 0, logger: false });
  dir = await mkdtemp(path.join(os.tmpdir(), "lf-backup-s3-"));
  await seed(db.pool);
});
afterAll(async () => {
  if (!toolsOk) return;
  const c = new pg.Client({ connectionString: db.rootUrl });
  await c.connect();
  await c.query(`drop database if exists ${target()} with (force)`);
  await c.end();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!toolsOk)("backups on S3-compatible storage", { timeout: 120_000 }, () => {
  it("copies every file to an s3:// second target, verifies it by sha256, and restores from it alone", async () => {
    const primary = new FileSystemStorage(path.join(dir, "primary"));
    // The S3 credentials come from the configuration's S3 section (S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY).
    const s3 = loadConfig({ S3_ACCESS_KEY_ID: "test", S3_SECRET_ACCESS_KEY: "test" }).s3;
    const secondary = storageFromUrl(`s3://lf-backups/region-b?endpoint=${encodeURIComponent(server.address)}`, s3) as S3Storage;
    await secondary.ensureBucket();
    const b = await runBackup({ databaseUrl: db.ownerUrl, storage: primary, secondary, format: "custom" });
    for (const key of [b.manifestKey]) await verifyObject(secondary, key, b.sha256);
    const listed = await secondary.list("");
    expect(listed.length).toBeGreaterThanOrEqual(2);
    // the primary region is lost: restore from S3 only
    await rm(path.join(dir, "primary"), { recursive: true, force: true });
    const r = await restoreBackup({ sources: [primary, secondary], manifestKey: b.manifestKey, expectedSha256: b.sha256, rootUrl: db.rootUrl, targetDatabase: target() });
    expect(r.source).toBe(secondary.name);
    const sum = async (url: string) => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try { return await tableChecksums(c); } finally { await c.end(); }
    };
    // restoreBackup already compared every table with the manifest; the user data also equals the source's
    const userTables = (rows: { table: string }[]) => rows.filter((t) => t.table.startsWith("app_public."));
    const restored = userTables(await sum(withDatabase(db.rootUrl, target())) as never);
    expect(restored.length).toBeGreaterThan(5);
    expect(restored).toEqual(userTables(await sum(db.rootUrl) as never));
  });
});
