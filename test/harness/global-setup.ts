// vitest globalSetup: start/choose the servers once, build the migrated template, hand both to test files.
import type { TestProject } from "vitest/node";
import pg from "pg";
import { startInfra } from "./infra.ts";
import { ensureTemplate } from "./template.ts";

declare module "vitest" {
  export interface ProvidedContext {
    pgRootUrl: string;
    pgTemplate: string;
    redisUrl: string | null;
    runId: string;
  }
}

export default async function setup(project: TestProject) {
  const infra = await startInfra();
  const template = await ensureTemplate(infra.pgRootUrl);
  const runId = Math.random().toString(36).slice(2, 8);
  project.provide("pgRootUrl", infra.pgRootUrl);
  project.provide("pgTemplate", template);
  project.provide("redisUrl", infra.redisUrl);
  project.provide("runId", runId);
  console.log(`[harness] PostgreSQL from ${infra.pgSource}; template ${template}`);
  if (!infra.redisUrl) {
    console.log("\n" + "!".repeat(100));
    console.log("!!! REDIS IS NOT AVAILABLE (no TEST_REDIS_URL, no container engine): tests that need Redis are SKIPPED !!!");
    console.log("!".repeat(100) + "\n");
  } else {
    console.log(`[harness] Redis from ${infra.redisSource}`);
  }
  return async () => {
    // Drop any database a crashed test file left behind in this run.
    const c = new pg.Client({ connectionString: infra.pgRootUrl });
    await c.connect().catch(() => {});
    try {
      const { rows } = await c.query("select datname from pg_database where datname like $1", [`lf_t_${runId}_%`]);
      for (const r of rows) await c.query(`drop database if exists "${r.datname}" with (force)`);
    } catch { /* server gone */ }
    await c.end().catch(() => {});
    await infra.stop();
  };
}
