-- reverse of migrations/current/300-workflows.sql
CREATE OR REPLACE FUNCTION app_private.workflow_event_metadata() RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
  select pg_catalog.jsonb_build_object('actor', app_public.current_user_id())
      || pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
           'correlation_id', nullif(pg_catalog.current_setting('linkflow.correlation_id', true), ''),
           'causation_id', nullif(pg_catalog.current_setting('linkflow.causation_id', true), ''),
           'trace_id', nullif(pg_catalog.current_setting('linkflow.trace_id', true), '')));
$$;

COMMENT ON FUNCTION app_private.workflow_event_metadata() IS 'Event metadata for workflow events: the acting user, and correlation/causation/trace ids from the linkflow.* settings of the transaction when set.';

CREATE OR REPLACE FUNCTION app_private.workflow_append_event(w app_public.workflows, type text, data jsonb) RETURNS void
    LANGUAGE sql
    SET search_path TO 'pg_catalog'
    AS $$
  select null::void from app_private.append_events('workflow-' || w.id::text, 'workflow', null,
    pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object('type', type, 'data', data, 'metadata', app_private.workflow_event_metadata())),
    w.team_id);
$$;

COMMENT ON FUNCTION app_private.workflow_append_event(w app_public.workflows, type text, data jsonb) IS 'Appends one event to the workflow''s stream (workflow-<id>) in the current transaction.';
