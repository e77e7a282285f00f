import { describe, expect, it } from "vitest";
import { mapDbError } from "../../src/db/errors.ts";
import { useTestDatabase } from "../harness/db.ts";

const db = useTestDatabase();

// Issue 18: every SQLSTATE the SQL API can raise to a caller is catalogued and mapped to a typed error.
describe("error codes", () => {
  it("every SQLSTATE raised by an app_* function (and not caught inside it) is in app_public.error_codes and maps to a typed error", async () => {
    const { rows } = await db.pool.query<{ code: string; functions: string }>(`
      select m.code, string_agg(distinct p.proname, ', ') as functions
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace,
             lateral (select upper((regexp_matches(p.prosrc, 'errcode\\s*=\\s*''([^'']+)''', 'gi'))[1]) as code) m
       where n.nspname in ('app_public', 'app_hidden', 'app_private')
         and p.prosrc !~* ('exception\\s+when\\s+sqlstate\\s+''' || m.code || '''')
       group by m.code order by m.code`);
    expect(rows.length).toBeGreaterThan(5);
    const catalogue = new Set((await db.pool.query<{ code: string }>("select code from app_public.error_codes")).rows.map((r) => r.code));
    for (const r of rows) {
      expect(r.code, `raised by ${r.functions}`).toMatch(/^[0-9A-Z]{5}$/);
      expect(catalogue.has(r.code), `${r.code} (raised by ${r.functions}) is not in app_public.error_codes`).toBe(true);
    }
    for (const code of catalogue) {
      const mapped = mapDbError({ code, message: "x" });
      expect(mapped.code, `${code} maps to INTERNAL`).not.toBe("INTERNAL");
    }
  });
});
