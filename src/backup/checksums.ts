// Per-table row counts and content checksums, computed by app_private.table_checksums() in the database.
import type pg from "pg";
import type { TableStat } from "./manifest.ts";

/** Returns null when the database has no app_private.table_checksums() (not a LinkFlow schema). */
export async function tableChecksums(client: pg.ClientBase): Promise<TableStat[] | null> {
  const { rows: fn } = await client.query("select to_regprocedure('app_private.table_checksums(text[])') is not null as ok");
  if (!fn[0].ok) return null;
  const { rows } = await client.query<{ table_name: string; row_count: string; checksum: string }>(
    "select table_name, row_count, checksum from app_private.table_checksums()",
  );
  return rows.map((r) => ({ table: r.table_name, rows: Number(r.row_count), checksum: r.checksum }));
}

export interface TableMismatch { table: string; expected: { rows: number; checksum: string } | null; actual: { rows: number; checksum: string } | null }

/** Tables whose row count or checksum differ (or exist on one side only). */
export function compareTableStats(expected: readonly TableStat[], actual: readonly TableStat[]): TableMismatch[] {
  const a = new Map(actual.map((t) => [t.table, t]));
  const out: TableMismatch[] = [];
  for (const e of expected) {
    const x = a.get(e.table);
    a.delete(e.table);
    if (!x || x.rows !== e.rows || x.checksum !== e.checksum) {
      out.push({ table: e.table, expected: { rows: e.rows, checksum: e.checksum }, actual: x ? { rows: x.rows, checksum: x.checksum } : null });
    }
  }
  for (const x of a.values()) out.push({ table: x.table, expected: null, actual: { rows: x.rows, checksum: x.checksum } });
  return out;
}
