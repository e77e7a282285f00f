// The real server in its own process (`node src/cli.ts server`, what `npm run server` runs) against a test
// database: for tests that measure the server's responsiveness from outside it (the test's own work must not
// share the server's event loop).
import { spawn } from "node:child_process";
import { PROJECT_ROOT } from "../../src/db/migrate.ts";
import type { TestDatabase } from "./db.ts";
import { TEST_JWT_SECRET } from "./graphql.ts";
import { freePort } from "./infra.ts";

export interface ServerProcess {
  url: string;
  post(body: string, token?: string): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

export async function serverProcess(db: TestDatabase, env: Record<string, string> = {}): Promise<ServerProcess> {
  const childEnv: Record<string, string> = { ...(process.env as Record<string, string>) };
  for (const k of ["DATABASE_URL", "ROOT_DATABASE_URL", "AUTH_DATABASE_URL", "NODE_OPTIONS", "VITEST", "REPLICA_DATABASE_URLS"]) delete childEnv[k];
  Object.assign(childEnv, {
    NODE_ENV: "test", LOG_LEVEL: "error", JWT_SECRET: TEST_JWT_SECRET,
    DATABASE_URL: db.ownerUrl, AUTH_DATABASE_URL: db.authUrl, PORT: String(await freePort()), HOST: "127.0.0.1",
    ...env,
  });
  const child = spawn(process.execPath, ["src/cli.ts", "server"], { cwd: PROJECT_ROOT, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 60 s:\n${out}`)), 60_000);
    child.stdout!.on("data", (b: Buffer) => {
      out += b.toString();
      const m = /LinkFlow Data GraphQL: (\S+)\/graphql/.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1]!); }
    });
    child.stderr!.on("data", (b: Buffer) => { out += b.toString(); });
    child.once("exit", (code) => { clearTimeout(timer); reject(new Error(`server exited (${code}):\n${out}`)); });
  });
  // the schema is built lazily: wait until /readyz says so
  for (let i = 0; i < 600; i++) {
    const r = await fetch(`${url}/readyz`).catch(() => null);
    if (r?.status === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async post(body, token) {
      const res = await fetch(`${url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body,
      });
      return { status: res.status, body: await res.json() };
    },
    async stop() {
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}
