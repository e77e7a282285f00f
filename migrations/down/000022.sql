-- Function bodies restored here come from the schema before migration 22: node scripts/restore-body.ts --before 22 --rewrite migrations/down/000022.sql
CREATE OR REPLACE FUNCTION app_private.append_execution_events(p_appends jsonb) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  a jsonb;
begin
  -- One append per execution stream, through the event store's append (versions, archived-stream refusal,
  -- the wake-up notification). p_appends has the multi-stream form:
  -- [{stream_id, stream_type, expected_version, team_id, events: [...]}], ordered by stream_id.
  for a in select x from jsonb_array_elements(p_appends) x loop
    perform app_private.append_events(a->>'stream_id', a->>'stream_type', (a->>'expected_version')::bigint, a->'events',
                                      (a->>'team_id')::uuid);
  end loop;
end;
$$;
comment on function app_private.append_execution_events(jsonb) is 'Appends the events of a batch of moves, [{stream_id, stream_type, expected_version, team_id, events}] (one entry per execution stream, in stream order), through app_private.append_events: the engine''s one door to the event store.';
