import { readFile } from "node:fs/promises";
import { describe, expect, inject, it } from "vitest";
import { dumpFreshSchema, normalizeDump, REGENERATE_COMMAND, SCHEMA_DUMP_FILE } from "../../scripts/schema-dump.ts";
import { clientToolUsable } from "../harness/pgtools.ts";

const rootUrl = inject("pgRootUrl");

describe("the committed schema dump (data/schema.sql)", () => {
  it("is exactly the schema a fresh database has after every committed migration", async () => {
    expect(await clientToolUsable(rootUrl, "pg_dump", "data/schema.sql check")).toBe(true);
    const [fresh, committed] = await Promise.all([
      dumpFreshSchema(rootUrl),
      readFile(SCHEMA_DUMP_FILE, "utf8").catch(() => ""),
    ]);
    if (fresh !== committed) {
      const a = committed.split("\n");
      const b = fresh.split("\n");
      let line = 0;
      while (line < a.length && a[line] === b[line]) line++;
      expect.fail(
        `data/schema.sql is out of date (first difference at line ${line + 1}: ` +
        `committed ${JSON.stringify(a[line] ?? "<end>")}, fresh ${JSON.stringify(b[line] ?? "<end>")}). ` +
        `Regenerate it with \`${REGENERATE_COMMAND}\` and commit it.`,
      );
    }
    // what a reader looks for is in it; what changes from day to day is not
    expect(committed).toContain("CREATE FUNCTION app_public.transition_execution(");
    expect(committed).toContain("CREATE TABLE app_public.executions (");
    expect(committed).toContain("PARTITION app_partitions.executions_default");
    expect(committed).not.toMatch(/_p\d{8}\b/);
    expect(committed).not.toMatch(/CREATE TABLE graphile_(worker|migrate)\./);
  }, 120_000);

  it("drops what differs between two dumps of one schema: pg_dump's version header, SET lines, \\restrict keys", () => {
    const run = (key: string, version: string) => [
      "--", "-- PostgreSQL database dump", "--", "", `\\restrict ${key}`, "",
      `-- Dumped from database version ${version}`, `-- Dumped by pg_dump version ${version}`, "",
      "SET statement_timeout = 0;", "SELECT pg_catalog.set_config('search_path', '', false);", "",
      "--", "-- Name: t; Type: TABLE; Schema: app_public; Owner: -", "--", "",
      "CREATE TABLE app_public.t (id integer);", "", `\\unrestrict ${key}`, "",
    ].join("\n");
    const a = normalizeDump(run("abc", "15.20"));
    expect(a).toBe(normalizeDump(run("xyz", "15.21")));
    expect(a).toContain("-- Name: t; Type: TABLE; Schema: app_public; Owner: -\n\nCREATE TABLE app_public.t (id integer);\n");
    expect(a).not.toMatch(/restrict|Dumped|^SET /m);
  });
});
