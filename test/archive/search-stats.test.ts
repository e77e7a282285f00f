// The search statistics a plan writes (one set-based walk over all the rows of the planning statement) hold exactly
// the terms of the per-document search functions, so a search skips a file only when the per-document terms would.
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../harness/db.ts";
import { seedExecutions } from "./seed.ts";

const db = useTestDatabase();

describe("archive: search statistics of planned batches", () => {
  it("hold, batch for batch, the terms and bloom filter of app_hidden.jsonb_search_terms and text_trigram_terms per document", async () => {
    const { teamId } = await seedExecutions(db.pool, {
      daysAgo: [41, 40], perDay: 30, workflows: 3,
      inputExtra: { nested: { list: [1, 2.5, { deep: "x" }, [true, null]], empty: {}, none: [] }, "odd key": "v", n: 4711.0 },
    });
    const { rows: planned } = await db.pool.query(
      "select batch_id from app_private.archive_plan_batches(7, 1000, 30, 'executions', false, $1)", [teamId]);
    expect(planned.length).toBeGreaterThan(4);

    const { rows } = await db.pool.query(`
      with expected as (
        select a.batch_id, array_agg(distinct x order by x) as terms
          from app_private.archived_executions a
          join app_public.executions e on e.id = a.execution_id and e.created_at = a.created_at,
               lateral (select app_hidden.jsonb_search_terms('input', e.input)
                        union all select app_hidden.jsonb_search_terms('output', e.output)
                        union all select app_hidden.jsonb_search_terms('error', e.error)
                        union all select app_hidden.text_trigram_terms(app_hidden.execution_error_text(e.error))) t(x)
         where a.batch_id = any($1::uuid[])
         group by a.batch_id
      )
      select s.batch_id, s.term_count, cardinality(x.terms) as expected_count,
             s.bloom = app_hidden.bloom_build(x.terms) as same_bloom
        from app_private.archive_batch_search_stats s join expected x on x.batch_id = s.batch_id`,
      [planned.map((p) => p.batch_id)]);
    expect(rows).toHaveLength(planned.length);
    for (const r of rows) {
      expect(r.term_count).toBe(r.expected_count);
      expect(r.same_bloom).toBe(true);
    }
  });
});
