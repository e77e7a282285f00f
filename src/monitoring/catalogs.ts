// Defensive probes for statistics other capabilities own (they may or may not exist in this database):
//
//   projection lag   app_public|app_private.projection_lag (a view: projection/name, lag_events, lag_seconds)
//                    else app_private|app_public.projection_checkpoints (projection/name + a position column),
//                    compared with the head of app_public.events
//   backups          app_private.monitoring_backup_status (catalog, last_success_at, failed_runs) when present,
//                    else any relation named backup* with an outcome/status column and a finished_at-like column
//   archive runs     the same with monitoring_archive_status / archive*
//
// Nothing here fails when a source is missing: it is reported as linkflow_monitoring_source_available{source}=0.
import type pg from "pg";
import { PROBE_SQL } from "./stats-queries.ts";

type Put = (name: string, value: number, labels?: Record<string, string>) => void;
interface Rel { schema: string; name: string; kind: string; columns: string[] }

const NAME_COLS = ["projection", "projection_name", "name", "id"];
const LAG_EVENT_COLS = ["lag_events", "events_behind", "lag"];
const LAG_SECOND_COLS = ["lag_seconds", "seconds_behind", "lag_s"];
const POSITION_COLS = ["global_position", "last_global_position", "position", "last_position", "checkpoint_position", "checkpoint"];
const STATUS_COLS = ["outcome", "status", "state", "result"];
const TIME_COLS = ["finished_at", "completed_at", "ended_at", "stopped_at", "verified_at", "taken_at", "created_at", "started_at", "recorded_at"];
export const SUCCESS_VALUES = ["success", "succeeded", "successful", "ok", "completed", "complete", "done", "verified", "passed"];
export const FAILURE_VALUES = ["failed", "failure", "error", "errored", "corrupt", "corrupted", "aborted", "timeout"];

const pick = (have: string[], wanted: string[]) => wanted.find((w) => have.includes(w)) ?? null;
const first = (r: Record<string, unknown>, keys: string[]): unknown => {
  for (const k of keys) if (r[k] !== undefined && r[k] !== null) return r[k];
  return undefined;
};

export async function probeCatalogs(c: pg.PoolClient, put: Put): Promise<Record<string, boolean>> {
  const rels: Rel[] = (await c.query(PROBE_SQL)).rows;
  const find = (name: string, schemas = ["app_public", "app_private", "app_hidden"]) => {
    for (const s of schemas) {
      const r = rels.find((x) => x.schema === s && x.name === name);
      if (r) return r;
    }
    return null;
  };
  const qname = (r: Rel) => `${c.escapeIdentifier(r.schema)}.${c.escapeIdentifier(r.name)}`;
  const sources: Record<string, boolean> = { projection_lag: false, backup_catalog: false, archive_catalog: false };

  // ------------------------------------------------------------------------------------------- projections
  const lagView = find("projection_lag");
  const checkpoints = find("projection_checkpoints", ["app_private", "app_public", "app_hidden"]);
  if (lagView) {
    sources.projection_lag = true;
    const { rows } = await c.query(`/* name: monitoring.projection_lag */ select to_jsonb(t) as r from ${qname(lagView)} t`);
    for (const { r } of rows as Array<{ r: Record<string, unknown> }>) {
      const projection = String(first(r, NAME_COLS) ?? "unknown");
      const events = first(r, LAG_EVENT_COLS);
      let seconds = first(r, LAG_SECOND_COLS);
      if (seconds === undefined && r.lag_ms !== undefined && r.lag_ms !== null) seconds = Number(r.lag_ms) / 1000;
      if (events !== undefined) put("linkflow_projection_lag_events", Number(events), { projection });
      if (seconds !== undefined) put("linkflow_projection_lag_seconds", Number(seconds), { projection });
    }
  } else if (checkpoints && pick(checkpoints.columns, POSITION_COLS) && pick(checkpoints.columns, NAME_COLS)) {
    sources.projection_lag = true;
    const posCol = pick(checkpoints.columns, POSITION_COLS)!;
    const nameCol = pick(checkpoints.columns, NAME_COLS)!;
    const { rows } = await c.query(
      `/* name: monitoring.projection_checkpoints */
       select cp.${c.escapeIdentifier(nameCol)}::text as projection, cp.${c.escapeIdentifier(posCol)}::bigint as position,
              greatest(h.head - cp.${c.escapeIdentifier(posCol)}::bigint, 0)::float8 as lag_events,
              coalesce((select extract(epoch from clock_timestamp() - e.created_at) from app_public.events e
                         where e.global_position > cp.${c.escapeIdentifier(posCol)}::bigint order by e.global_position limit 1), 0)::float8 as lag_seconds
         from ${qname(checkpoints)} cp
        cross join (select coalesce(max(global_position), 0) as head from app_public.events) h`);
    for (const r of rows) {
      put("linkflow_projection_lag_events", Number(r.lag_events), { projection: r.projection });
      put("linkflow_projection_lag_seconds", Number(r.lag_seconds), { projection: r.projection });
    }
  }

  // ----------------------------------------------------------------------------------- backups and archives
  for (const kind of ["backup", "archive"] as const) {
    const explicit = find(`monitoring_${kind}_status`, ["app_private", "app_public"]);
    if (explicit) {
      sources[`${kind}_catalog`] = true;
      const { rows } = await c.query(`/* name: monitoring.${kind}_status */ select to_jsonb(t) as r from ${qname(explicit)} t`);
      for (const { r } of rows as Array<{ r: Record<string, unknown> }>) {
        const catalog = String(r.catalog ?? r.kind ?? explicit.name);
        if (r.last_success_at) put(`linkflow_${kind}_last_success_timestamp_seconds`, Date.parse(String(r.last_success_at)) / 1000, { catalog });
        put(`linkflow_${kind}_failed_runs`, Number(r.failed_runs ?? 0), { catalog });
      }
      continue;
    }
    for (const rel of rels.filter((r) => r.name.startsWith(kind))) {
      if (rel.name === `monitoring_${kind}_status`) continue;
      const status = pick(rel.columns, STATUS_COLS);
      const time = pick(rel.columns, TIME_COLS);
      if (!status || !time) continue;
      sources[`${kind}_catalog`] = true;
      const S = c.escapeIdentifier(status);
      const T = c.escapeIdentifier(time);
      const { rows } = await c.query(
        `/* name: monitoring.${kind}_catalog */
         with ok as (select max(${T}) as last_ok from ${qname(rel)} where lower(${S}::text) = any($1::text[]))
         select extract(epoch from ok.last_ok)::float8 as last_ok,
                (select count(*) from ${qname(rel)} f where lower(f.${S}::text) = any($2::text[])
                    and (ok.last_ok is null or f.${T} > ok.last_ok))::int as failed
           from ok`,
        [SUCCESS_VALUES, FAILURE_VALUES],
      );
      const catalog = `${rel.schema}.${rel.name}`;
      if (rows[0]?.last_ok !== null && rows[0]?.last_ok !== undefined) put(`linkflow_${kind}_last_success_timestamp_seconds`, Number(rows[0].last_ok), { catalog });
      put(`linkflow_${kind}_failed_runs`, Number(rows[0]?.failed ?? 0), { catalog });
    }
  }
  return sources;
}
