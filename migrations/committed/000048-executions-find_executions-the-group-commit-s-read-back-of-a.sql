--! Previous: sha1:0a79ab57430171425d500e490a8ef53baf08cd5d
--! Hash: sha1:a3f54b556ff88c26464ea7f691526a0f192c62a9
--! Message: Executions: find_executions, the group commit's read-back of a batch's rows without locking them (each id looked up around its UUIDv7 time)

--! split: 500-executions.sql
-- Executions by id, for the service path's group commit: the rows a batch moved or started, read back in the
-- same transaction (and the same round trip) as the batch itself. Each id is looked up in the partitions around
-- its UUIDv7 time, as lock_executions does; ids whose row lies far from that time (imports) are found by a
-- search of every partition. Ids with no row are left out.

create function app_private.find_executions(p_ids uuid[]) returns setof app_public.executions
  language plpgsql stable
  set search_path to 'pg_catalog'
  set plan_cache_mode to 'force_generic_plan'
as $$
declare
  v_found integer;
begin
  return query
    select e.*
      from (select distinct i from unnest(p_ids) i where i is not null) ids(id)
     cross join lateral (
       select x.* from app_public.executions x
        where x.id = ids.id
          and x.created_at between app_hidden.uuid_v7_time(ids.id) - interval '1 hour' and app_hidden.uuid_v7_time(ids.id) + interval '1 hour') e;
  get diagnostics v_found = row_count;
  if v_found < (select count(distinct i) from unnest(p_ids) i where i is not null) then
    return query
      select x.* from app_public.executions x
       where x.id = any (p_ids)
         and not (x.created_at between app_hidden.uuid_v7_time(x.id) - interval '1 hour' and app_hidden.uuid_v7_time(x.id) + interval '1 hour');
  end if;
end;
$$;

comment on function app_private.find_executions(uuid[]) is
  'The executions with these ids (each once; ids with no row are left out), without locking them. Each id is looked up in the partitions around its UUIDv7 time first; ids found there are not searched again. The service path''s group commit reads a batch''s moved or started rows with it in the batch''s own transaction.';

revoke all on function app_private.find_executions(uuid[]) from public;
