--! Previous: sha1:ad7bc5f16ba21741a9d8ee349e04d5b1ce7ccc79
--! Hash: sha1:43c17d885739edf59d115141e0cd237071090d4c
--! Message: executions: the events of a batch of moves in one call of append_to_streams

--------------------------------------------------------------------------------------------------------------
-- Executions: the events of a batch of moves are one call of the event store's multi-stream append.
-- (000013 called append_events once per execution stream, a PL/pgSQL call and a stream round each: batched
-- transitions fell from about 17k/s to about 7k/s once append_events became a wrapper.)
--------------------------------------------------------------------------------------------------------------
create or replace function app_private.append_execution_events(p_appends jsonb) returns void
  language plpgsql volatile
  set search_path = pg_catalog
as $$
begin
  -- p_appends has the multi-stream form [{stream_id, stream_type, expected_version, team_id, events: [...]}]
  if jsonb_array_length(p_appends) = 0 then
    return;
  end if;
  perform 1 from app_private.append_to_streams(p_appends);
end;
$$;
comment on function app_private.append_execution_events(jsonb) is 'Appends the events of a batch of moves, [{stream_id, stream_type, expected_version, team_id, events}] (one entry per execution stream), in one call of app_private.append_to_streams: the engine''s one door to the event store.';
