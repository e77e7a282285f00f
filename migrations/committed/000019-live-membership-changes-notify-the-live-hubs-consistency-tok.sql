--! Previous: sha1:f14caf473bd634ad6e44b7bd025b37928277e063
--! Hash: sha1:44834fc193bc3842925d96ec8026e1e872beafc9
--! Message: live: membership changes notify the live hubs; consistency tokens (consistency_position, projections_cover)

--------------------------------------------------------------------------------------------------------------
-- Live API: membership changes wake the live hubs (subscriptions of removed members end at once).
--------------------------------------------------------------------------------------------------------------
create or replace function app_private.tg_team_memberships__notify_live() returns trigger
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  v_teams text;
begin
  -- One notification per statement: the distinct teams whose memberships were removed or changed.
  select string_agg(distinct o.team_id::text, ',') into v_teams from old_rows o;
  if v_teams is not null then
    perform pg_notify('linkflow_memberships', v_teams);
  end if;
  return null;
end;
$$;
comment on function app_private.tg_team_memberships__notify_live() is
'Trigger: after memberships are deleted or changed, NOTIFY linkflow_memberships with the affected team ids (comma-separated), so every live hub re-checks its subscribers of those teams.';

drop trigger if exists _900_notify_live_delete on app_public.team_memberships;
create trigger _900_notify_live_delete after delete on app_public.team_memberships
  referencing old table as old_rows for each statement execute function app_private.tg_team_memberships__notify_live();
drop trigger if exists _900_notify_live_update on app_public.team_memberships;
create trigger _900_notify_live_update after update on app_public.team_memberships
  referencing old table as old_rows for each statement execute function app_private.tg_team_memberships__notify_live();

--------------------------------------------------------------------------------------------------------------
-- Read-your-writes: consistency tokens and projection coverage.
--------------------------------------------------------------------------------------------------------------
create or replace function app_private.consistency_position(out xmax xid8, out wal_lsn pg_lsn) returns record
  language sql volatile
  set search_path = pg_catalog
as $$
  select pg_snapshot_xmax(pg_current_snapshot()), pg_current_wal_lsn();
$$;
comment on function app_private.consistency_position() is
'The raw parts of a consistency token, taken after a write has committed: xmax, the first transaction id not yet finished when it was taken (every committed write of the caller has a smaller id), and the primary''s WAL position. A read model covers the token once every event of a transaction below xmax is applied (app_private.projections_cover); a replica covers it once it has replayed wal_lsn.';

create or replace function app_private.projections_cover(token_xmax xid8, projection_names text[] default null) returns boolean
  language sql stable
  set search_path = pg_catalog
as $$
  select pg_snapshot_xmin(pg_current_snapshot()) >= token_xmax
     and (projection_names is null or (select count(*) from app_private.projection_checkpoints c where c.name = any (projection_names))
                                      = cardinality(projection_names))
     and not exists (
       select 1 from app_private.projection_checkpoints c
        where (projection_names is null or c.name = any (projection_names))
          and exists (select 1 from app_public.events e
                       where e.transaction_id < token_xmax
                         and (e.transaction_id, e.global_position) > (c.transaction_id, c.global_position)));
$$;
comment on function app_private.projections_cover(xid8, text[]) is
'True when the named projections (null: all) have applied every event of every transaction below token_xmax, i.e. a read of their read models reflects every write made before the token was taken. Every transaction below token_xmax must have finished (the event store''s horizon passed it).';
