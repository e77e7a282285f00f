// sqlLiteral (src/db/literal.ts): text sent inside a plain-text statement comes back from the server exactly as
// it went in, whatever it contains.
import { describe, expect, it } from "vitest";
import { sqlLiteral } from "../../src/db/literal.ts";
import { useTestDatabase } from "../harness/db.ts";

const db = useTestDatabase();

const nasty = [
  "", "plain", "it's", "''", "back\\slash", "\\'", "$", "$$", "a$", "$lf$", "x$lf", "x$lf$lf$", "$lf0$ and $lf$", "$lf$$lf0$$lf1$",
  "'); drop table app_public.executions; --", "E'\\x41'", "ünïcødé ✓ 日本 🎉", "line\nbreak\ttab\r", JSON.stringify({ q: "'\"\\$lf$" }),
];

describe("foundation: SQL text literals", () => {
  it("round-trips quotes, backslashes, dollar signs, tags of its own and non-ASCII text through the server", async () => {
    const { rows } = await db.pool.query(`select ${nasty.map((t, i) => `${sqlLiteral(t)}::text as c${i}`).join(", ")}`);
    expect(nasty.map((_, i) => rows[0][`c${i}`])).toEqual(nasty);
  });

  it("never lets the text close its quote: the tag occurs only at both ends", () => {
    for (const t of nasty) {
      const lit = sqlLiteral(t);
      const tag = lit.slice(0, lit.indexOf("$", 1) + 1);
      expect(lit.startsWith(tag) && lit.endsWith(tag)).toBe(true);
      expect(lit.indexOf(tag, tag.length)).toBe(lit.length - tag.length);
    }
  });
});
