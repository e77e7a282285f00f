// `npm start` with no DATABASE_URL: embedded PostgreSQL, migrations, GraphQL, worker; clean stop on SIGTERM.
import { spawn, type ChildProcess } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../src/db/migrate.ts";
import { freePort } from "../harness/infra.ts";

let dir = "";
afterAll(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

function startApp(env: Record<string, string>): { child: ChildProcess; url: Promise<string>; output: () => string; exit: Promise<number | null> } {
  const childEnv: Record<string, string> = { ...process.env as Record<string, string>, ...env };
  delete childEnv.DATABASE_URL;
  delete childEnv.NODE_OPTIONS;
  delete childEnv.VITEST;
  const child = spawn(process.execPath, ["src/cli.ts", "start"], { cwd: PROJECT_ROOT, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const url = new Promise<string>((resolve, reject) => {
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /LinkFlow Data GraphQL: (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (b: Buffer) => { out += b.toString(); });
    child.on("exit", (code) => reject(new Error(`exited early (${code}):\n${out}`)));
  });
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, url, output: () => out, exit };
}

/**
 * What `npm start` prints: the plain lines for a person (where the database is, where the API is, stopped) and
 * one-line JSON log records; no internal dumps (e.g. PostGraphile's multi-line "Could not build PgCodec for
 * 'pg_catalog.xid8'" object, once printed at every start).
 */
function expectOnlyLinesAPersonNeeds(output: string): void {
  expect(output).not.toMatch(/Could not build PgCodec/);
  const stray = output.split("\n").filter((line) => {
    if (line.trim() === "" || /^LinkFlow Data (database|GraphQL|stopped)\b/.test(line)) return false;
    try {
      return typeof (JSON.parse(line) as { level?: unknown }).level !== "number";
    } catch {
      return true;
    }
  });
  expect(stray).toEqual([]);
}

describe("npm start with no DATABASE_URL (embedded PostgreSQL)", () => {
  it("migrates, answers /healthz and a GraphQL query, stops cleanly, and keeps its data across restarts", async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "linkflow-start-"));
    await chmod(dir, 0o755);
    const env = {
      NODE_ENV: "development",
      EMBEDDED_PG_DIR: path.join(dir, "pg"),
      EMBEDDED_PG_PORT: String(await freePort()),
      PORT: String(await freePort()),
      LOG_LEVEL: "warn",
    };
    for (const round of [1, 2]) {
      const app = startApp(env);
      const graphql = await app.url;
      const base = graphql.replace(/\/graphql$/, "");
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const res = await fetch(graphql, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ errorCodes(condition: { code: \"LFVER\" }) { nodes { name } } }" }),
      });
      expect(await res.json()).toMatchObject({ data: { errorCodes: { nodes: [{ name: "version_conflict" }] } } });
      expect(app.output()).toMatch(/LinkFlow Data database: postgres:\/\/linkflow_owner:\*\*\*@127\.0\.0\.1/);
      app.child.kill("SIGTERM");
      expect(await app.exit).toBe(0);
      expect(app.output()).toMatch(/LinkFlow Data stopped/);
      expectOnlyLinesAPersonNeeds(app.output());
      if (round === 2) expect(app.output()).not.toMatch(/initialising embedded PostgreSQL/);
    }
  }, 120_000);
});
