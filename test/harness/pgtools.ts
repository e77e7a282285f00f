// Whether this machine's PostgreSQL client tools (pg_dump, pg_restore, pg_basebackup) can work with the test
// server: they refuse servers of a newer major version (e.g. the embedded PostgreSQL 18 when only the Debian
// 15 tools are installed). Tests that need them skip, loudly, when they cannot.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import pg from "pg";
import { pgBin } from "../../bench/lib.ts";

const run = promisify(execFile);

export async function serverMajor(rootUrl: string): Promise<number> {
  const c = new pg.Client({ connectionString: rootUrl });
  await c.connect();
  try {
    return Math.floor(Number((await c.query("show server_version_num")).rows[0].server_version_num) / 10000);
  } finally {
    await c.end();
  }
}

export async function toolMajor(tool: string): Promise<number> {
  try {
    const { stdout } = await run(pgBin(tool), ["--version"]);
    return Number(/(\d+)(\.\d+)?/.exec(stdout)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** True when `tool` exists and is at least the server's major version; otherwise prints a loud line. */
export async function clientToolUsable(rootUrl: string, tool: string, what: string): Promise<boolean> {
  const [server, client] = await Promise.all([serverMajor(rootUrl), toolMajor(tool)]);
  if (client >= server) return true;
  console.log(`\n!!! SKIPPED: ${what}: ${tool} ${client || "is missing"} cannot work with PostgreSQL ${server} !!!\n`);
  return false;
}
