// PostgreSQL client programs (pg_dump, pg_restore, pg_amcheck): where they are and how they are run.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";

const DIRS = ["/usr/lib/postgresql/18/bin", "/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin"];

/** Absolute path of a PostgreSQL program (PG_BIN_DIR first, newest installed major next), or null. */
export function findPgBin(name: string): string | null {
  for (const dir of [process.env.PG_BIN_DIR, ...DIRS]) {
    if (dir && existsSync(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return null;
}

export function pgBin(name: string): string {
  const p = findPgBin(name);
  if (!p) throw new Error(`${name} not found (set PG_BIN_DIR)`);
  return p;
}

export class ToolError extends Error {
  readonly exitCode: number | null;
  readonly stderr: string;
  constructor(tool: string, exitCode: number | null, stderr: string) {
    super(`${tool} failed (exit ${exitCode}): ${stderr.trim().split("\n").slice(-5).join(" | ")}`);
    this.name = "ToolError";
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

/** Runs a program; resolves with its output, rejects with ToolError on a non-zero exit. Passwords go via env. */
export function runTool(file: string, args: string[], env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => { if (stdout.length < 1 << 20) stdout += d.toString(); });
    child.stderr.on("data", (d: Buffer) => { if (stderr.length < 1 << 20) stderr += d.toString(); });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve({ stdout, stderr }) : reject(new ToolError(file.split("/").pop()!, code, stderr))));
  });
}

/** The database name of a postgres URL. */
export function databaseOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, "")) || "postgres";
}

const NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** Database names we create or drop are plain identifiers (no quoting games). */
export function isSafeDatabaseName(name: string): boolean { return NAME.test(name); }
