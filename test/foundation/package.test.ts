// linkflow-data as an installable package (README "Use as a library"): `npm pack` builds JavaScript and type
// declarations (prepack: tsc -p tsconfig.build.json), the tarball installs into a project outside this
// repository (npm install of the .tgz, offline: its dependencies are this repository's node_modules, linked),
// and a program there uses a repository against the test database through the `exports` map.
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../src/db/migrate.ts";
import { useTestDatabase } from "../harness/db.ts";

const run = promisify(execFile);
const db = useTestDatabase();
const NODE_BIN = path.dirname(process.execPath);
const env = { ...process.env, PATH: `${path.join(PROJECT_ROOT, "node_modules/.bin")}:${NODE_BIN}:${process.env.PATH}`, npm_config_update_notifier: "false" };
let dir = "";
let app = "";
let tarball = "";

/** Links every package of this repository's node_modules into the consumer's (npm keeps those it needs). */
async function linkRepositoryModules(target: string): Promise<void> {
  const source = path.join(PROJECT_ROOT, "node_modules");
  for (const name of await readdir(source)) {
    if (name.startsWith(".") || name === "linkflow-data") continue;
    if (name.startsWith("@")) {
      await mkdir(path.join(target, name), { recursive: true });
      for (const sub of await readdir(path.join(source, name))) await symlink(path.join(source, name, sub), path.join(target, name, sub));
    } else {
      await symlink(path.join(source, name), path.join(target, name));
    }
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "linkflow-package-"));
  const packed = await run("npm", ["pack", "--pack-destination", dir, "--silent"], { cwd: PROJECT_ROOT, env, maxBuffer: 16 << 20 });
  tarball = path.join(dir, packed.stdout.trim().split("\n").pop()!);
  app = path.join(dir, "consumer");
  await mkdir(path.join(app, "node_modules"), { recursive: true });
  await writeFile(path.join(app, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", type: "module", private: true }));
  await linkRepositoryModules(path.join(app, "node_modules"));
  await run("npm", ["install", "--offline", "--ignore-scripts", "--no-audit", "--no-fund", "--no-save", tarball], { cwd: app, env, maxBuffer: 16 << 20 });
}, 600_000);

afterAll(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

describe("the installable package", () => {
  it("holds built JavaScript, type declarations and an exports map, and no TypeScript sources", async () => {
    const installed = path.join(app, "node_modules", "linkflow-data");
    expect(path.relative(PROJECT_ROOT, app).startsWith("..")).toBe(true);
    const manifest = JSON.parse(readFileSync(path.join(installed, "package.json"), "utf8")) as { exports: Record<string, unknown> };
    expect(Object.keys(manifest.exports)).toEqual(expect.arrayContaining([".", "./repositories", "./cache", "./events", "./errors", "./config", "./users", "./workflows", "./executions", "./db"]));
    for (const f of ["dist/index.js", "dist/index.d.ts", "dist/users/repository.js", "dist/users/repository.d.ts", "dist/events/store.d.ts", "dist/cache/index.js", "dist/errors.d.ts", "dist/config.js"]) {
      expect(existsSync(path.join(installed, f)), f).toBe(true);
    }
    expect(existsSync(path.join(installed, "src"))).toBe(false);
    const { stdout } = await run("tar", ["-tzf", tarball]);
    expect(stdout.split("\n").filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
  });

  it("a program outside the repository uses a repository, the event store, typed errors and config against the test database", async () => {
    await writeFile(path.join(app, "use.mjs"), `
      import pg from "pg";
      import { UserRepository, EventStore, withTransaction } from "linkflow-data";
      import { ValidationError } from "linkflow-data/errors";
      import { loadConfig } from "linkflow-data/config";
      import { TieredCache } from "linkflow-data/cache";
      const pool = new pg.Pool({ connectionString: process.argv[2], max: 2 });
      const users = new UserRepository(pool);
      const email = "pkg-" + Date.now() + "@example.com";
      const made = await users.create({ email, name: "From the package" });
      const read = await users.getById(made.id);
      let code = null;
      try { await users.getById("not-a-uuid"); } catch (e) { code = e instanceof ValidationError ? e.code : "wrong class"; }
      const events = new EventStore(pool);
      const appended = await withTransaction(pool, () => events.append("pkg-" + made.id, "PackageCheck", [{ type: "Checked", data: { by: made.id } }]));
      const loaded = await events.load("pkg-" + made.id);
      let subpath = null;
      try { await import("linkflow-data/src/users/repository.ts"); } catch (e) { subpath = e.code; }
      console.log(JSON.stringify({ email: read.email, code, port: loadConfig({}).port, cache: typeof TieredCache,
        version: appended.nextVersion, events: loaded.map((e) => e.type), subpath }));
      await pool.end();
    `);
    const { stdout } = await run(process.execPath, ["use.mjs", db.ownerUrl], { cwd: app, env });
    const out = JSON.parse(stdout.trim().split("\n").pop()!);
    expect(out).toMatchObject({ code: "VALIDATION", port: 5678, cache: "function", version: 1, events: ["Checked"], subpath: "ERR_PACKAGE_PATH_NOT_EXPORTED" });
    expect(out.email).toMatch(/^pkg-\d+@example\.com$/);
  });

  it("its type declarations type-check a TypeScript consumer", async () => {
    for (const types of ["@types/node", "@types/pg"]) {
      const link = path.join(app, "node_modules", types);
      if (!existsSync(link)) await symlink(path.join(PROJECT_ROOT, "node_modules", types), link);
    }
    await writeFile(path.join(app, "use.ts"), `
      import pg from "pg";
      import { WorkflowRepository, type Workflow } from "linkflow-data/workflows";
      import { ExecutionsRepository, type ExecutionState } from "linkflow-data/executions";
      import { LinkFlowError } from "linkflow-data/errors";
      const pool = new pg.Pool();
      const wf: Promise<Workflow> = new WorkflowRepository(pool).asUser("u").createWithVersion("t", { name: "n" });
      const state: ExecutionState = "running";
      const e: LinkFlowError | null = null;
      void new ExecutionsRepository(pool).asUser("u").transition("id", state);
      void wf; void e;
      // @ts-expect-error: a repository method takes no caller argument
      void new WorkflowRepository(pool).getWithNodes({ userId: "u" }, "id");
    `);
    await writeFile(path.join(app, "tsconfig.json"), JSON.stringify({
      compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", target: "ES2023", strict: true, noEmit: true, skipLibCheck: true, types: ["node"] },
      files: ["use.ts"],
    }));
    await run(path.join(PROJECT_ROOT, "node_modules/.bin/tsc"), ["-p", "."], { cwd: app, env });
  }, 120_000);
});
