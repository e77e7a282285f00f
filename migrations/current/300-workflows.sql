-- Workflow events through the array form of the append, in PL/pgSQL.
--
-- workflow_append_event was a SQL function with a SET clause calling another (append_events): two bodies parsed
-- and planned again for every create, save, activation and deletion. It now calls app_private.append_stream_events
-- (one stream UPDATE and one INSERT for an existing stream; a new stream, the first event of a workflow, goes
-- through append_to_streams) with a plan kept for the session. workflow_event_metadata loses its SET clause
-- (every name it calls is qualified), so it inlines.

create or replace function app_private.workflow_event_metadata() returns jsonb
  language sql stable
as $$
  select pg_catalog.jsonb_build_object('actor', app_public.current_user_id())
      || pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
           'correlation_id', nullif(pg_catalog.current_setting('linkflow.correlation_id', true), ''),
           'causation_id', nullif(pg_catalog.current_setting('linkflow.causation_id', true), ''),
           'trace_id', nullif(pg_catalog.current_setting('linkflow.trace_id', true), '')));
$$;
alter function app_private.workflow_event_metadata() reset all;

create or replace function app_private.workflow_append_event(w app_public.workflows, type text, data jsonb) returns void
  language plpgsql volatile
  set search_path = pg_catalog
as $$
begin
  perform 1 from app_private.append_stream_events('workflow-' || w.id::text, 'workflow', null,
    array[workflow_append_event.type], array[coalesce(workflow_append_event.data, 'null'::jsonb)], array[app_private.workflow_event_metadata()], w.team_id);
end;
$$;
