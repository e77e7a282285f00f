// The migration workflow as a developer runs it (npm run db:commit / db:uncommit), in a scratch copy of the
// project so the real migrations and data/schema.sql are never touched.
import { execFile } from "node:child_process";
import { cp, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { PROJECT_ROOT } from "../../src/db/migrate.ts";
import { createDatabase } from "../../scripts/schema-dump.ts";
import { clientToolUsable } from "../harness/pgtools.ts";

const run = promisify(execFile);
const rootUrl = inject("pgRootUrl");
const tag = `${inject("runId")}_${process.pid}`;
let dir = "";
let env: NodeJS.ProcessEnv = {};
const drops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "lf-migration-workflow-"));
  for (const f of ["src", "bench", "scripts", "migrations", "data", ".gmrc", "package.json", "tsconfig.json"]) {
    await cp(path.join(PROJECT_ROOT, f), path.join(dir, f), { recursive: true });
  }
  await symlink(path.join(PROJECT_ROOT, "node_modules"), path.join(dir, "node_modules"));
  const dev = await createDatabase(rootUrl, `lf_t_${tag}_wf_dev`);
  const shadow = await createDatabase(rootUrl, `lf_t_${tag}_wf_shadow`);
  drops.push(dev.drop, shadow.drop);
  env = {
    ...process.env,
    PATH: `${path.join(PROJECT_ROOT, "node_modules", ".bin")}:${process.env.PATH}`,
    ROOT_DATABASE_URL: rootUrl, DATABASE_URL: dev.ownerUrl, SHADOW_DATABASE_URL: shadow.ownerUrl,
  };
  await run(path.join(dir, "node_modules", ".bin", "graphile-migrate"), ["migrate"], { cwd: dir, env });
}, 180_000);

afterAll(async () => {
  for (const d of drops) await d();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

const sh = (script: string, ...args: string[]) =>
  run("bash", [path.join(dir, "scripts", script), ...args], { cwd: dir, env, maxBuffer: 1 << 26 });
const read = (f: string) => readFile(path.join(dir, f), "utf8");
const write = (f: string, text: string) => writeFile(path.join(dir, f), text);
const topics = async (folder: string) => (await readdir(path.join(dir, folder))).filter((f) => f.endsWith(".sql")).sort();
const committed = async () => (await readdir(path.join(dir, "migrations", "committed"))).sort();

describe("migrations: the commit workflow (migrations/current/ topic files)", () => {
  it("commits topics as --! split: sections, the down script last topic first, refreshes data/schema.sql, and uncommits back", async () => {
    expect(await clientToolUsable(rootUrl, "pg_dump", "migration workflow")).toBe(true);
    const before = await committed();
    const topicFiles = await topics("migrations/current");
    expect(topicFiles.length).toBeGreaterThan(1);
    expect(await topics("migrations/down/current")).toEqual(topicFiles);
    const schemaBefore = await read("data/schema.sql");

    await write("migrations/current/200-users.sql", "create or replace function app_public.workflow_probe_a() returns int language sql immutable as 'select 1';\n");
    await write("migrations/current/500-executions.sql", "create or replace function app_public.workflow_probe_b() returns int language sql immutable as 'select app_public.workflow_probe_a()';\n");
    await write("migrations/down/current/500-executions.sql", "drop function app_public.workflow_probe_b();\n");

    // a topic with changes and a blank reverse: refused before anything is committed
    await expect(sh("commit-migration.sh", "probe")).rejects.toMatchObject({ stderr: expect.stringContaining("200-users.sql is blank") });
    expect(await committed()).toEqual(before);

    await write("migrations/down/current/200-users.sql", "drop function app_public.workflow_probe_a();\n");
    await sh("commit-migration.sh", "probe: two topics");
    const added = (await committed()).filter((f) => !before.includes(f));
    expect(added).toHaveLength(1);
    const number = added[0]!.slice(0, 6);
    const up = await read(`migrations/committed/${added[0]}`);
    expect(up.match(/^--! split: .*$/gm)).toEqual(["--! split: 200-users.sql", "--! split: 500-executions.sql"]);
    const down = await read(`migrations/down/${number}.sql`);
    expect(down.indexOf("--! split: 500-executions.sql")).toBeLessThan(down.indexOf("--! split: 200-users.sql"));
    expect(down.indexOf("workflow_probe_b")).toBeLessThan(down.indexOf("workflow_probe_a"));
    // the topics are back, empty, in both folders; the dump shows the new functions
    expect(await topics("migrations/current")).toEqual(topicFiles);
    expect(await topics("migrations/down/current")).toEqual(topicFiles);
    for (const f of topicFiles) expect(await read(`migrations/current/${f}`)).toBe("");
    expect(await read("data/schema.sql")).toContain("CREATE FUNCTION app_public.workflow_probe_b()");

    await sh("uncommit-migration.sh");
    expect(await committed()).toEqual(before);
    expect(await topics("migrations/current")).toEqual(topicFiles);
    expect(await topics("migrations/down/current")).toEqual(topicFiles);
    expect(await read("migrations/current/500-executions.sql")).toContain("workflow_probe_b");
    expect((await read("migrations/down/current/200-users.sql")).trim()).toBe("drop function app_public.workflow_probe_a();");
    expect(await read("data/schema.sql")).toBe(schemaBefore);
  }, 300_000);
});
