--! Previous: sha1:f6c9063808b82aaed88fb3e8a05198a5831e0e1e
--! Hash: sha1:0658961faabf22f9eedd5ddc6ce338225718f31d
--! Message: Search: execution labels, the search query language, hot search with content indexes, per-file search statistics and candidate batches

--! split: 500-executions.sql
-- Execution search across hot and cold storage with one cursor.
--   1. Labels: app_public.execution_labels (key/value per execution, validated, size-limited, RLS by team) and
--      app_public.set_execution_labels (merge; null removes a key). Labels stay in PostgreSQL when the
--      execution is archived: they are part of the search index, like app_private.archived_executions.
--   2. The query language: app_hidden.execution_search_predicate(query) validates a query document and
--      compiles it to one SQL condition over an execution row `e`; hot rows and archived rows (decoded from
--      their files and handed back) are filtered by the same condition, so both sides match identically.
--   3. Hot search: app_private.search_executions_hot / app_public.search_executions (newest first, keyset
--      cursor), served by new indexes (GIN jsonb_path_ops on input/output/error, trigram on the error text).
--   4. Cold pruning: app_private.archive_batch_search_stats, per batch file (workflows, states, trigger types,
--      attempt and duration ranges, a bloom filter of JSON paths/values and error-text trigrams), written by a
--      trigger when a batch is planned (its rows are still hot); app_private.search_candidate_batches lists
--      the deleted batches in range with a flag saying whether the file can hold a match.

------------------------------------------------------------------------------------------------------------
-- 1. Labels
------------------------------------------------------------------------------------------------------------
create table app_public.execution_labels (
  team_id uuid not null references app_public.teams (id) on delete cascade,
  execution_id uuid not null,
  execution_created_at timestamptz not null,
  key text not null constraint execution_labels_key_format check (key ~ '^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,62}$'),
  value text not null constraint execution_labels_value_length check (char_length(value) <= 256),
  updated_at timestamptz not null default now(),
  constraint execution_labels_pkey primary key (team_id, execution_id, key)
);
alter table app_public.execution_labels enable row level security;
create policy select_member on app_public.execution_labels for select
  using (team_id in (select app_hidden.current_user_team_ids()));
grant select (team_id, execution_id, execution_created_at, key, value, updated_at) on app_public.execution_labels to linkflow_visitor;
comment on table app_public.execution_labels is E'@behavior -*\nKey/value labels an engine attaches to an execution (at start, in the same transaction, or later) to find it again: at most 32 per execution, keys 1-63 characters of [A-Za-z0-9_.:/-] starting with a letter or digit, values up to 256 characters. Written only through set_execution_labels. No foreign key to executions: labels stay when the execution is archived (the archiver detaches and drops day partitions), so a search by label answers the same before and after archiving; they go with the team.';
create index execution_labels_key_value_idx on app_public.execution_labels (team_id, key, value, execution_created_at desc, execution_id desc);

create function app_hidden.execution_labels_max() returns integer
  language sql immutable parallel safe set search_path = pg_catalog as $$ select 32 $$;
comment on function app_hidden.execution_labels_max() is 'Most labels one execution may carry.';

create function app_private.set_execution_labels(execution_id uuid, labels jsonb, actor uuid, check_role boolean)
  returns jsonb
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  v_team uuid;
  v_created timestamptz;
  v_key text;
  v_value jsonb;
  v_count integer;
begin
  if labels is null or jsonb_typeof(labels) <> 'object' then
    raise exception 'labels must be a JSON object of key -> string (or null to remove)' using errcode = 'LFVAL', detail = 'field: labels';
  end if;
  for v_key, v_value in select k, v from jsonb_each(labels) x(k, v) loop
    if v_key !~ '^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,62}$' then
      raise exception 'label key % is malformed (1-63 of [A-Za-z0-9_.:/-], starting with a letter or digit)', left(v_key, 80)
        using errcode = 'LFVAL', detail = 'field: labels.' || left(v_key, 80);
    end if;
    if jsonb_typeof(v_value) not in ('string', 'null') then
      raise exception 'label % must be a string (or null to remove it)', v_key using errcode = 'LFVAL', detail = 'field: labels.' || v_key;
    end if;
    if jsonb_typeof(v_value) = 'string' and char_length(v_value #>> '{}') > 256 then
      raise exception 'label % is longer than 256 characters', v_key
        using errcode = 'LFLIM', detail = format('field: labels.%s limit=256 size=%s', v_key, char_length(v_value #>> '{}'));
    end if;
  end loop;
  -- the execution, hot or archived (labels of archived executions stay searchable)
  select e.team_id, e.created_at into v_team, v_created from app_public.executions e
   where e.id = set_execution_labels.execution_id and e.created_at = app_hidden.execution_created_at(set_execution_labels.execution_id);
  if v_team is null then
    select a.team_id, a.created_at into v_team, v_created from app_private.archived_executions a where a.execution_id = set_execution_labels.execution_id;
  end if;
  if v_team is null or (check_role and not app_hidden.has_team_role(v_team, 'viewer')) then
    raise exception 'execution not found' using errcode = 'LFNTF';
  end if;
  if check_role and not app_hidden.has_team_role(v_team, 'editor') then
    raise exception 'only editors may label executions' using errcode = 'LFDNY';
  end if;
  -- concurrent label writes of one execution serialize (the count limit holds)
  perform pg_advisory_xact_lock(hashtextextended('execution_labels:' || set_execution_labels.execution_id::text, 0));
  delete from app_public.execution_labels l
   where l.team_id = v_team and l.execution_id = set_execution_labels.execution_id
     and l.key in (select k from jsonb_each(labels) x(k, v) where jsonb_typeof(v) = 'null');
  insert into app_public.execution_labels (team_id, execution_id, execution_created_at, key, value)
  select v_team, set_execution_labels.execution_id, v_created, k, v #>> '{}' from jsonb_each(labels) x(k, v) where jsonb_typeof(v) = 'string'
  on conflict on constraint execution_labels_pkey do update set value = excluded.value, updated_at = now()
    where execution_labels.value is distinct from excluded.value;
  select count(*) into v_count from app_public.execution_labels l where l.team_id = v_team and l.execution_id = set_execution_labels.execution_id;
  if v_count > app_hidden.execution_labels_max() then
    raise exception 'an execution carries at most % labels', app_hidden.execution_labels_max()
      using errcode = 'LFLIM', detail = format('field: labels limit=%s size=%s', app_hidden.execution_labels_max(), v_count);
  end if;
  return coalesce((select jsonb_object_agg(l.key, l.value order by l.key) from app_public.execution_labels l
                    where l.team_id = v_team and l.execution_id = set_execution_labels.execution_id), '{}'::jsonb);
end;
$$;
comment on function app_private.set_execution_labels(uuid, jsonb, uuid, boolean) is 'Service path of set_execution_labels (owner only; check_role false skips the team-role check).';

create function app_public.set_execution_labels(execution_id uuid, labels jsonb)
  returns jsonb
  language sql volatile security definer
  set search_path = pg_catalog
as $$
  select app_private.set_execution_labels($1, $2, app_public.current_user_id(), true);
$$;
comment on function app_public.set_execution_labels(uuid, jsonb) is E'@resultFieldName labels\nMerges labels into an execution''s labels and returns all of them: {"key": "value"} sets, {"key": null} removes. Editor role (LFNTF for outsiders, LFDNY for viewers). Works on hot and archived executions. Errors: LFVAL (not an object, malformed key, non-string value; DETAIL field: labels.<key>), LFLIM (value over 256 characters, more than 32 labels); nothing is written on error. To label at start, call it after start_execution in the same transaction.';
grant execute on function app_public.set_execution_labels(uuid, jsonb) to linkflow_visitor;

create function app_public.executions_labels(e app_public.executions)
  returns jsonb
  language sql stable
  set search_path = pg_catalog
as $$
  select coalesce(jsonb_object_agg(l.key, l.value order by l.key), '{}'::jsonb)
    from app_public.execution_labels l where l.team_id = e.team_id and l.execution_id = e.id;
$$;
comment on function app_public.executions_labels(app_public.executions) is 'The execution''s labels as one JSON object (key -> value).';
grant execute on function app_public.executions_labels(app_public.executions) to linkflow_visitor;

------------------------------------------------------------------------------------------------------------
-- 2. The query language
------------------------------------------------------------------------------------------------------------
create function app_hidden.execution_error_text(error jsonb) returns text
  language sql immutable parallel safe
  set search_path = pg_catalog
as $$
  select coalesce(error ->> 'message', error #>> '{}');
$$;
comment on function app_hidden.execution_error_text(jsonb) is 'The text an error_text search matches: error.message when the error is an object with a message, else the error''s JSON text (a string error: the string itself).';

create function app_hidden.search_fail(field text, message text) returns void
  language plpgsql immutable
  set search_path = pg_catalog
as $$
begin
  raise exception '%', message using errcode = 'LFVAL', detail = 'field: ' || field;
end;
$$;
comment on function app_hidden.search_fail(text, text) is 'Raises the search query''s typed validation error (LFVAL, DETAIL field: query.<path>).';

create function app_hidden.search_text_list(field text, v jsonb, allowed text[], max_items integer default 100) returns text[]
  language plpgsql immutable
  set search_path = pg_catalog
as $$
declare
  out text[];
begin
  if jsonb_typeof(v) = 'string' then
    out := array[v #>> '{}'];
  elsif jsonb_typeof(v) = 'array' and jsonb_array_length(v) between 1 and max_items
        and not exists (select 1 from jsonb_array_elements(v) x where jsonb_typeof(x) <> 'string') then
    out := array(select x #>> '{}' from jsonb_array_elements(v) x);
  else
    perform app_hidden.search_fail(field, format('%s must be a string or an array of 1 to %s strings', field, max_items));
  end if;
  if allowed is not null and not (out <@ allowed) then
    perform app_hidden.search_fail(field, format('%s must be among %s', field, array_to_string(allowed, ', ')));
  end if;
  return out;
end;
$$;
comment on function app_hidden.search_text_list(text, jsonb, text[], integer) is 'A search filter given as one string or a list of strings (optionally restricted to allowed values).';

create function app_hidden.search_int_range(field text, v jsonb) returns bigint[]
  language plpgsql immutable
  set search_path = pg_catalog
as $$
declare
  lo bigint;
  hi bigint;
  k text;
begin
  if jsonb_typeof(v) = 'number' then
    if (v #>> '{}') !~ '^[0-9]{1,15}$' then perform app_hidden.search_fail(field, field || ' must be a non-negative integer'); end if;
    return array[(v #>> '{}')::bigint, (v #>> '{}')::bigint];
  end if;
  if jsonb_typeof(v) <> 'object' or v = '{}' then
    perform app_hidden.search_fail(field, field || ' must be an integer or {"min": n, "max": n}');
  end if;
  for k in select jsonb_object_keys(v) loop
    if k not in ('min', 'max') then perform app_hidden.search_fail(field || '.' || k, format('unknown field %s.%s (min, max)', field, k)); end if;
    if jsonb_typeof(v -> k) <> 'number' or (v ->> k) !~ '^[0-9]{1,15}$' then
      perform app_hidden.search_fail(field || '.' || k, format('%s.%s must be a non-negative integer', field, k));
    end if;
  end loop;
  lo := (v ->> 'min')::bigint;
  hi := (v ->> 'max')::bigint;
  if lo > hi then perform app_hidden.search_fail(field, field || '.min is greater than its max'); end if;
  return array[lo, hi];
end;
$$;
comment on function app_hidden.search_int_range(text, jsonb) is 'A search filter given as an integer or an inclusive {"min", "max"} range (either bound optional).';

create function app_hidden.search_jsonpath(field text, v jsonb) returns jsonpath
  language plpgsql immutable
  set search_path = pg_catalog
as $$
begin
  if jsonb_typeof(v) <> 'string' or char_length(v #>> '{}') not between 1 and 1000 then
    perform app_hidden.search_fail(field, field || ' must be a JSON path of 1 to 1000 characters');
  end if;
  begin
    return (v #>> '{}')::jsonpath;
  exception when others then
    perform app_hidden.search_fail(field, format('%s is not a valid JSON path: %s', field, sqlerrm));
  end;
  return null;
end;
$$;
comment on function app_hidden.search_jsonpath(text, jsonb) is 'A JSON path from a search query (validated: a bad path is LFVAL with the field named).';

create function app_hidden.search_timestamp(field text, v jsonb) returns timestamptz
  language plpgsql stable
  set search_path = pg_catalog
as $$
begin
  if jsonb_typeof(v) <> 'string' or (v #>> '{}') !~ '^\d{4}-\d\d-\d\d' then
    perform app_hidden.search_fail(field, field || ' must be an ISO 8601 timestamp');
  end if;
  begin
    return (v #>> '{}')::timestamptz;
  exception when others then
    perform app_hidden.search_fail(field, field || ' must be an ISO 8601 timestamp');
  end;
  return null;
end;
$$;
comment on function app_hidden.search_timestamp(text, jsonb) is 'A timestamp from a search query (ISO 8601; LFVAL otherwise).';

create function app_hidden.execution_search_predicate(query jsonb) returns text
  language plpgsql stable
  set search_path = pg_catalog
as $$
declare
  parts text[] := array['true'];
  k text;
  v jsonb;
  sub text;
  r bigint[];
  col text;
  lk text;
  lv jsonb;
begin
  if query is null then return 'true'; end if;
  if jsonb_typeof(query) <> 'object' then perform app_hidden.search_fail('query', 'the query must be a JSON object'); end if;
  for k, v in select x.key, x.value from jsonb_each(query) x loop
    if k = 'state' then
      parts := parts || format('e.state = any (%L::text[])', app_hidden.search_text_list('query.state', v, app_hidden.execution_states()));
    elsif k = 'workflow_id' then
      begin
        parts := parts || format('e.workflow_id = any (%L::uuid[])', app_hidden.search_text_list('query.workflow_id', v, null)::uuid[]);
      exception when invalid_text_representation then
        perform app_hidden.search_fail('query.workflow_id', 'query.workflow_id must hold uuids');
      end;
    elsif k = 'trigger_type' then
      parts := parts || format('e.trigger_type = any (%L::text[])',
        app_hidden.search_text_list('query.trigger_type', v, array['webhook', 'schedule', 'event', 'manual', 'retry']));
    elsif k = 'created_from' then
      parts := parts || format('e.created_at >= %L::timestamptz', app_hidden.search_timestamp('query.created_from', v));
    elsif k = 'created_before' then
      parts := parts || format('e.created_at < %L::timestamptz', app_hidden.search_timestamp('query.created_before', v));
    elsif k in ('attempt', 'duration_ms') then
      r := app_hidden.search_int_range('query.' || k, v);
      col := case k when 'attempt' then 'e.attempt' else 'e.duration_ms' end;
      if r[1] is not null then parts := parts || format('%s >= %s', col, r[1]); end if;
      if r[2] is not null then parts := parts || format('%s <= %s', col, r[2]); end if;
    elsif k = 'labels' then
      if jsonb_typeof(v) <> 'object' or v = '{}' or (select count(*) from jsonb_object_keys(v)) > 32 then
        perform app_hidden.search_fail('query.labels', 'query.labels must be an object of 1 to 32 key -> string (or null: the key is present)');
      end if;
      for lk, lv in select x.key, x.value from jsonb_each(v) x loop
        if jsonb_typeof(lv) not in ('string', 'null') then
          perform app_hidden.search_fail('query.labels.' || left(lk, 80), 'a label filter is a string (equal) or null (present)');
        end if;
        parts := parts || format('exists (select 1 from app_public.execution_labels l where l.team_id = e.team_id and l.execution_id = e.id and l.execution_created_at = e.created_at and l.key = %L%s)',
          lk, case when jsonb_typeof(lv) = 'string' then format(' and l.value = %L', lv #>> '{}') else '' end);
      end loop;
    elsif k in ('input', 'output', 'error') then
      if jsonb_typeof(v) <> 'object' or v = '{}' then
        perform app_hidden.search_fail('query.' || k, format('query.%s must be an object with contains, exists and/or matches', k));
      end if;
      for lk, lv in select x.key, x.value from jsonb_each(v) x loop
        if lk = 'contains' then
          if jsonb_typeof(lv) not in ('object', 'array') then
            perform app_hidden.search_fail(format('query.%s.contains', k), format('query.%s.contains must be a JSON object or array', k));
          end if;
          parts := parts || format('e.%I @> %L::jsonb', k, lv);
        elsif lk = 'exists' then
          parts := parts || format('e.%I @? %L::jsonpath', k, app_hidden.search_jsonpath(format('query.%s.exists', k), lv));
        elsif lk = 'matches' then
          parts := parts || format('e.%I @@ %L::jsonpath', k, app_hidden.search_jsonpath(format('query.%s.matches', k), lv));
        else
          perform app_hidden.search_fail(format('query.%s.%s', k, left(lk, 80)), format('unknown field query.%s.%s (contains, exists, matches)', k, left(lk, 80)));
        end if;
      end loop;
    elsif k = 'error_text' then
      if jsonb_typeof(v) <> 'string' or char_length(v #>> '{}') not between 1 and 200 then
        perform app_hidden.search_fail('query.error_text', 'query.error_text must be a string of 1 to 200 characters');
      end if;
      -- error is not null: lets the planner use the partial trigram index
      parts := parts || format('e.error is not null and app_hidden.execution_error_text(e.error) ilike %L', '%' || app_hidden.escape_like(v #>> '{}') || '%');
    else
      perform app_hidden.search_fail('query.' || left(k, 80), format('unknown field query.%s (state, workflow_id, trigger_type, created_from, created_before, attempt, duration_ms, labels, input, output, error, error_text)', left(k, 80)));
    end if;
  end loop;
  return array_to_string(parts, ' and ');
end;
$$;
comment on function app_hidden.execution_search_predicate(jsonb) is 'Validates a search query document and compiles it into one SQL condition over an execution row e (values quoted as literals). Every field is optional; all given fields must match. Unknown fields, wrong types and bad JSON paths raise LFVAL with DETAIL field: query.<path>. See docs/search.md for the syntax.';

create function app_hidden.search_cursor(created_at timestamptz, id uuid) returns text
  language sql immutable strict parallel safe
  set search_path = pg_catalog
as $$
  select rtrim(translate(replace(encode(convert_to(
           '{"k":"execution.search","v":["' || to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '","' || id::text || '"]}',
           'UTF8'), 'base64'), E'\n', ''), '+/', '-_'), '=');
$$;
comment on function app_hidden.search_cursor(timestamptz, uuid) is 'The opaque keyset cursor of a search result: base64url of the JSON {"k":"execution.search","v":["<created_at ISO, microseconds>","<id>"]}, the form of every repository cursor (src/db/cursor.ts), so SQL and TypeScript cursors are interchangeable.';
grant execute on function app_hidden.search_cursor(timestamptz, uuid) to linkflow_visitor;

create function app_public.executions_search_cursor(e app_public.executions) returns text
  language sql stable
  set search_path = pg_catalog
as $$
  select app_hidden.search_cursor(e.created_at, e.id);
$$;
comment on function app_public.executions_search_cursor(app_public.executions) is 'The keyset cursor of this execution in search results: pass it as `after` to search_executions (or the repository) to get the executions after it.';
grant execute on function app_public.executions_search_cursor(app_public.executions) to linkflow_visitor;

create function app_hidden.search_cursor_parts(cursor text, out created_at timestamptz, out id uuid)
  language plpgsql immutable
  set search_path = pg_catalog
as $$
declare
  raw text;
  j jsonb;
  b64 text := translate(cursor, '-_', '+/');
begin
  if cursor is null then return; end if;
  begin
    raw := convert_from(decode(b64 || repeat('=', (4 - length(b64) % 4) % 4), 'base64'), 'UTF8');
    j := raw::jsonb;
    if j->>'k' is distinct from 'execution.search' or jsonb_typeof(j->'v') is distinct from 'array' or jsonb_array_length(j->'v') <> 2
       or (j->'v'->>0) !~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$'
       or (j->'v'->>1) !~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' then
      raise exception 'bad cursor';
    end if;
    created_at := (j->'v'->>0)::timestamptz;
    id := (j->'v'->>1)::uuid;
  exception when others then
    perform app_hidden.search_fail('after', 'invalid cursor');
  end;
end;
$$;
comment on function app_hidden.search_cursor_parts(text) is 'Decodes a search cursor (LFVAL field: after when malformed).';

------------------------------------------------------------------------------------------------------------
-- 3. Hot search
------------------------------------------------------------------------------------------------------------
-- Content indexes on every day partition (created on the parent: new partitions get them). input is written
-- once, at insert; output and error at the move that sets them (usually the terminal one), which therefore is
-- not heap-only; every other move stays HOT. Partial indexes skip rows without the column.
create index executions_input_path_idx on app_public.executions using gin (input jsonb_path_ops) where input is not null;
create index executions_output_path_idx on app_public.executions using gin (output jsonb_path_ops) where output is not null;
create index executions_error_path_idx on app_public.executions using gin (error jsonb_path_ops) where error is not null;
create index executions_error_text_trgm_idx on app_public.executions using gin (app_hidden.execution_error_text(error) public.gin_trgm_ops) where error is not null;

create function app_private.search_executions_hot(team_id uuid, query jsonb, after_created_at timestamptz, after_id uuid, max_rows integer)
  returns setof app_public.executions
  language plpgsql stable
  set search_path = pg_catalog
as $$
declare
  pred text := app_hidden.execution_search_predicate(query);
  lk text;
  lv text;
begin
  if team_id is null then perform app_hidden.search_fail('team_id', 'team_id is required'); end if;
  if max_rows is null or max_rows < 1 or max_rows > 1000 then perform app_hidden.search_fail('page_size', 'the page size must be between 1 and 1000'); end if;
  if (after_created_at is null) <> (after_id is null) then perform app_hidden.search_fail('after', 'invalid cursor'); end if;
  -- A label equality drives the search from the labels index (newest first), each execution fetched by its
  -- key (one partition per probe); the subquery fence keeps the planner from turning it into a hash join that
  -- reads the team's every execution.
  if jsonb_typeof(query -> 'labels') = 'object' then
    select x.key, x.value #>> '{}' into lk, lv from jsonb_each(query -> 'labels') x where jsonb_typeof(x.value) = 'string' order by x.key limit 1;
  end if;
  if lk is not null then
    return query execute format(
      'select e.* from (select l.execution_id, l.execution_created_at from app_public.execution_labels l
                         where l.team_id = $1 and l.key = %L and l.value = %L and l.execution_created_at <= $2
                           and (l.execution_created_at, l.execution_id) < ($2, $3)) k
         cross join lateral (select x.* from app_public.executions x
                              where x.id = k.execution_id and x.created_at = k.execution_created_at offset 0) e
        where e.team_id = $1 and (e.created_at, e.id) < ($2, $3) and %s
        order by e.created_at desc, e.id desc limit $4', lk, lv, pred)
      using team_id, coalesce(after_created_at, 'infinity'), coalesce(after_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'), max_rows;
    return;
  end if;
  -- one plan per query shape, made with its values (partition pruning by the time bounds and the cursor)
  return query execute format(
    'select e.* from app_public.executions e
      where e.team_id = $1 and e.created_at <= $2 and (e.created_at, e.id) < ($2, $3) and %s
      order by e.created_at desc, e.id desc limit $4', pred)
    using team_id, coalesce(after_created_at, 'infinity'), coalesce(after_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'), max_rows;
end;
$$;
comment on function app_private.search_executions_hot(uuid, jsonb, timestamptz, uuid, integer) is 'One page (newest first: created_at desc, id desc; keyset after (after_created_at, after_id)) of a team''s hot executions matching a search query (app_hidden.execution_search_predicate). Owner only: callers authorise.';

create function app_public.search_executions(team_id uuid, query jsonb default '{}', after text default null, page_size integer default 50)
  returns setof app_public.executions
  language plpgsql stable security definer
  set search_path = pg_catalog
as $$
declare
  c record;
  n integer := coalesce(page_size, 50);
begin
  if n < 1 or n > 100 then perform app_hidden.search_fail('page_size', 'page_size must be between 1 and 100'); end if;
  select * into c from app_hidden.search_cursor_parts(after);
  if not app_hidden.has_team_role(search_executions.team_id, 'viewer') then
    perform app_hidden.execution_search_predicate(query); -- malformed queries are refused for everyone alike
    return;
  end if;
  return query select * from app_private.search_executions_hot(search_executions.team_id, query, c.created_at, c.id, n);
end;
$$;
comment on function app_public.search_executions(uuid, jsonb, text, integer) is E'@behavior -connection +list\n@listSuffix omit\nSearches a team''s executions: query is a JSON document (docs/search.md), e.g. {"state": "failed", "labels": {"order": "4711"}, "input": {"contains": {"order": {"id": 4711}}}, "error_text": "timeout"}. Newest first (created_at desc, id desc); page_size = rows per page (default 50, at most 100: GRAPHQL_MAX_PAGE_SIZE; GraphQL prices it like first); after = the search_cursor of the last execution of the previous page (a page shorter than first is the last). Viewers of the team see results, others nothing. In SQL and GraphQL it reads the hot tables; archived executions are searched by the TypeScript repository (src/search), which spans hot and cold with the same query, order and cursor. Errors: LFVAL (unknown field, wrong type, bad JSON path, bad cursor; DETAIL field: query.<path>).';
grant execute on function app_public.search_executions(uuid, jsonb, text, integer) to linkflow_visitor;

------------------------------------------------------------------------------------------------------------
-- 4. Cold pruning: per-batch statistics and a bloom filter
------------------------------------------------------------------------------------------------------------
create function app_hidden.search_scalar_text(v jsonb) returns text
  language sql immutable parallel safe
  set search_path = pg_catalog
as $$
  select case jsonb_typeof(v) when 'number' then trim_scale((v #>> '{}')::numeric)::text else v::text end;
$$;
comment on function app_hidden.search_scalar_text(jsonb) is 'Canonical text of a JSON scalar for the bloom filter (numbers normalised: 4711.0 = 4711, as containment compares them).';

create function app_hidden.jsonb_search_terms(col text, doc jsonb) returns setof text
  language sql immutable parallel safe
  set search_path = pg_catalog
as $$
  with recursive walk(path, v) as (
    select ''::text, doc where doc is not null
    union all
    select x.path, x.v from walk w, lateral (
      select w.path || '.' || o.key as path, o.value as v
        from jsonb_each(case when jsonb_typeof(w.v) = 'object' then w.v else '{}'::jsonb end) o
      union all
      select w.path, a.value from jsonb_array_elements(case when jsonb_typeof(w.v) = 'array' then w.v else '[]'::jsonb end) a
    ) x
  )
  select distinct t from (
    select 'p:' || col || ':' || path as t from walk where path <> ''
    union all
    select 'v:' || col || ':' || path || '=' || app_hidden.search_scalar_text(v) from walk where jsonb_typeof(v) not in ('object', 'array')
  ) terms;
$$;
comment on function app_hidden.jsonb_search_terms(text, jsonb) is 'The bloom terms of a JSON document: every key path (p:<col>:.a.b, arrays transparent) and every scalar at its path (v:<col>:.a.b=<value>). Containment and simple path predicates only match documents holding all of their terms.';

create function app_hidden.text_trigram_terms(t text) returns setof text
  language sql immutable parallel safe
  set search_path = pg_catalog
as $$
  select distinct 't:' || substr(lower(t), i, 3) from generate_series(1, char_length(t) - 2) i where t is not null;
$$;
comment on function app_hidden.text_trigram_terms(text) is 'The bloom terms of an error text: every three-character window of its lower-case form.';

create function app_hidden.bloom_positions(term text, bits integer) returns setof integer
  language sql immutable strict parallel safe
  set search_path = pg_catalog
as $$
  select ((((hashtextextended(term, 0) % bits) + i * (hashtextextended(term, 17) % bits)) % bits + bits) % bits)::integer
    from generate_series(0, 3) i;
$$;
comment on function app_hidden.bloom_positions(text, integer) is 'The 4 bit positions (double hashing) of a term in a bloom filter of the given size.';

create function app_hidden.bloom_build(terms text[]) returns bytea
  language sql immutable parallel safe
  set search_path = pg_catalog
as $$
  with size as (select least(65536, greatest(64, ceil(coalesce(cardinality(terms), 0) * 10 / 8.0)::integer)) as nbytes),
       bits as (select distinct p from size, unnest(terms) t, app_hidden.bloom_positions(t, size.nbytes * 8) p),
       bytes as (select p / 8 as b, bit_or(1 << (p % 8)) as v from bits group by 1)
  select decode(string_agg(lpad(to_hex(coalesce(bytes.v, 0)), 2, '0'), '' order by g.i), 'hex')
    from size, generate_series(0, size.nbytes - 1) g(i) left join bytes on bytes.b = g.i;
$$;
comment on function app_hidden.bloom_build(text[]) is 'A bloom filter (about 10 bits per term, 4 hashes: ~1% false positives; 64 bytes to 64 KiB) holding the given terms.';

create function app_hidden.bloom_has_all(bloom bytea, terms text[]) returns boolean
  language sql immutable parallel safe
  set search_path = pg_catalog
as $$
  select bloom is null or not exists (
    select 1 from unnest(terms) t, app_hidden.bloom_positions(t, length(bloom) * 8) p where get_bit(bloom, p) = 0);
$$;
comment on function app_hidden.bloom_has_all(bytea, text[]) is 'False when the bloom filter surely lacks one of the terms (no false negatives); true for a missing filter.';

create function app_hidden.execution_search_probe_terms(query jsonb) returns text[]
  language plpgsql immutable
  set search_path = pg_catalog
as $$
declare
  out text[] := '{}';
  col text;
  m text[];
  p text;
begin
  foreach col in array array['input', 'output', 'error'] loop
    if jsonb_typeof(query -> col -> 'contains') in ('object', 'array') then
      out := out || array(select app_hidden.jsonb_search_terms(col, query -> col -> 'contains'));
    end if;
    -- simple path predicates: $.a.b == <literal> and $.a.b (exists)
    m := regexp_match(coalesce(query -> col ->> 'matches', ''), '^\s*(?:lax\s+)?\$((?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s*==\s*("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|true|false|null)\s*$');
    if m is not null then
      begin
        out := out || array['p:' || col || ':' || m[1], 'v:' || col || ':' || m[1] || '=' || app_hidden.search_scalar_text(m[2]::jsonb)];
      exception when others then null; -- not a JSON literal after all: no probe
      end;
    end if;
    m := regexp_match(coalesce(query -> col ->> 'exists', ''), '^\s*(?:lax\s+)?\$((?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s*$');
    if m is not null then out := out || ('p:' || col || ':' || m[1]); end if;
  end loop;
  if jsonb_typeof(query -> 'error_text') = 'string' then
    out := out || array(select app_hidden.text_trigram_terms(query ->> 'error_text'));
  end if;
  return out;
end;
$$;
comment on function app_hidden.execution_search_probe_terms(jsonb) is 'The bloom terms every execution matching the query must hold (containment leaves and paths, simple path predicates, error-text trigrams). Call after execution_search_predicate validated the query.';

create table app_private.archive_batch_search_stats (
  team_id uuid not null,
  batch_id uuid not null references app_private.archive_batches (id) on delete cascade,
  workflow_ids uuid[] not null,
  states text[] not null,
  trigger_types text[] not null,
  min_attempt integer not null,
  max_attempt integer not null,
  min_duration_ms bigint,
  max_duration_ms bigint,
  term_count integer not null,
  bloom bytea not null,
  constraint archive_batch_search_stats_pkey primary key (team_id, batch_id)
);
alter table app_private.archive_batch_search_stats enable row level security;
create index archive_batch_search_stats_batch_id_idx on app_private.archive_batch_search_stats (batch_id);
comment on table app_private.archive_batch_search_stats is 'What a search needs to skip an archive file: the batch''s workflows, states, trigger types, attempt and duration ranges, and a bloom filter of its JSON paths/values (input, output, error) and error-text trigrams. Written from the hot rows when the batch is planned (archived executions are immutable). Batches without a row are always read. Labels are not here: they stay in app_public.execution_labels and are matched exactly.';

create function app_private.tg_archived_executions__search_stats() returns trigger
  language plpgsql volatile
  set search_path = pg_catalog
as $$
begin
  insert into app_private.archive_batch_search_stats (team_id, batch_id, workflow_ids, states, trigger_types, min_attempt, max_attempt,
      min_duration_ms, max_duration_ms, term_count, bloom)
  select s.team_id, s.batch_id, s.workflow_ids, s.states, s.trigger_types, s.min_attempt, s.max_attempt, s.min_d, s.max_d,
         coalesce(cardinality(t.terms), 0), app_hidden.bloom_build(t.terms)
    from (select n.batch_id, min(n.team_id::text)::uuid as team_id, array_agg(distinct e.workflow_id) as workflow_ids,
                 array_agg(distinct e.state) as states, array_agg(distinct e.trigger_type) as trigger_types,
                 min(e.attempt) as min_attempt, max(e.attempt) as max_attempt, min(e.duration_ms) as min_d, max(e.duration_ms) as max_d
            from new_rows n join app_public.executions e on e.id = n.execution_id and e.created_at = n.created_at
           group by n.batch_id) s
    cross join lateral (
      select array(select distinct x from new_rows n join app_public.executions e on e.id = n.execution_id and e.created_at = n.created_at,
                   lateral (select app_hidden.jsonb_search_terms('input', e.input)
                            union all select app_hidden.jsonb_search_terms('output', e.output)
                            union all select app_hidden.jsonb_search_terms('error', e.error)
                            union all select app_hidden.text_trigram_terms(app_hidden.execution_error_text(e.error))) terms(x)
                    where n.batch_id = s.batch_id) as terms) t
  on conflict (team_id, batch_id) do nothing;
  return null;
end;
$$;
comment on function app_private.tg_archived_executions__search_stats() is 'Writes the search statistics of newly planned batches (archive_batch_search_stats) from their still-hot rows.';
create trigger _500_search_stats after insert on app_private.archived_executions
  referencing new table as new_rows for each statement execute function app_private.tg_archived_executions__search_stats();

create function app_private.search_candidate_batches(team_id uuid, query jsonb, after_created_at timestamptz default null, after_id uuid default null)
  returns table (batch_id uuid, key text, sha256 text, encrypted boolean, min_created_at timestamptz, max_created_at timestamptz,
                 row_count integer, candidate boolean)
  language plpgsql stable
  set search_path = pg_catalog
as $$
declare
  v_probes text[];
  v_states text[];
  v_workflows uuid[];
  v_triggers text[];
  v_lo timestamptz := '-infinity';
  v_hi timestamptz := 'infinity';
  v_att bigint[];
  v_dur bigint[];
  v_lk text;
  v_lv text;
  v_label_batches uuid[];
begin
  perform app_hidden.execution_search_predicate(query); -- validates
  query := coalesce(query, '{}');
  v_probes := app_hidden.execution_search_probe_terms(query);
  if query ? 'state' then v_states := app_hidden.search_text_list('query.state', query -> 'state', null); end if;
  if query ? 'workflow_id' then v_workflows := app_hidden.search_text_list('query.workflow_id', query -> 'workflow_id', null)::uuid[]; end if;
  if query ? 'trigger_type' then v_triggers := app_hidden.search_text_list('query.trigger_type', query -> 'trigger_type', null); end if;
  if query ? 'created_from' then v_lo := app_hidden.search_timestamp('query.created_from', query -> 'created_from'); end if;
  if query ? 'created_before' then v_hi := app_hidden.search_timestamp('query.created_before', query -> 'created_before'); end if;
  if query ? 'attempt' then v_att := app_hidden.search_int_range('query.attempt', query -> 'attempt'); end if;
  if query ? 'duration_ms' then v_dur := app_hidden.search_int_range('query.duration_ms', query -> 'duration_ms'); end if;
  -- a label equality names the batches holding such executions exactly (labels stay in PostgreSQL)
  select x.key, x.value #>> '{}' into v_lk, v_lv from jsonb_each(case when jsonb_typeof(query -> 'labels') = 'object' then query -> 'labels' else '{}' end) x
   where jsonb_typeof(x.value) = 'string' order by x.key limit 1;
  if v_lk is not null then
    v_label_batches := array(select distinct a.batch_id from app_public.execution_labels l
                               join app_private.archived_executions a on a.execution_id = l.execution_id
                              where l.team_id = search_candidate_batches.team_id and l.key = v_lk and l.value = v_lv);
  end if;
  return query
  select b.id, b.key, b.sha256, b.encrypted, b.min_created_at, b.max_created_at, b.row_count,
         (s.batch_id is null or (
              (v_states is null or s.states && v_states)
          and (v_workflows is null or s.workflow_ids && v_workflows)
          and (v_triggers is null or s.trigger_types && v_triggers)
          and (v_att is null or ((v_att[1] is null or s.max_attempt >= v_att[1]) and (v_att[2] is null or s.min_attempt <= v_att[2])))
          and (v_dur is null or (s.max_duration_ms is not null and (v_dur[1] is null or s.max_duration_ms >= v_dur[1]) and (v_dur[2] is null or s.min_duration_ms <= v_dur[2])))
          and app_hidden.bloom_has_all(s.bloom, v_probes)))
     and (v_label_batches is null or b.id = any (v_label_batches))
    from app_private.archive_batches b
    left join app_private.archive_batch_search_stats s on s.team_id = b.team_id and s.batch_id = b.id
   where b.team_id = search_candidate_batches.team_id and b.state = 'deleted'
     and b.max_created_at >= v_lo and b.min_created_at < v_hi
     and (after_created_at is null or b.min_created_at <= after_created_at)
   order by b.max_created_at desc, b.id desc;
end;
$$;
comment on function app_private.search_candidate_batches(uuid, jsonb, timestamptz, uuid) is 'The cold side of a search: the team''s archived (deleted) batches overlapping the query''s time range (and older than the cursor), newest first, each with candidate = false when its statistics prove no execution in it can match (states, workflows, trigger types, attempt/duration ranges, bloom filter of content terms, labels from execution_labels). Only candidate files need to be read.';

create function app_private.search_filter_documents(team_id uuid, query jsonb, docs jsonb, after_created_at timestamptz default null, after_id uuid default null)
  returns table (id uuid, created_at timestamptz)
  language plpgsql stable
  set search_path = pg_catalog
as $$
declare
  pred text := app_hidden.execution_search_predicate(query);
begin
  return query execute format(
    'select e.id, e.created_at from jsonb_to_recordset($1) as e(id uuid, team_id uuid, workflow_id uuid, state text, trigger_type text,
            attempt integer, duration_ms bigint, created_at timestamptz, input jsonb, output jsonb, error jsonb)
      where e.team_id = $2 and (e.created_at, e.id) < ($3, $4) and %s
      order by e.created_at desc, e.id desc', pred)
    using docs, team_id, coalesce(after_created_at, 'infinity'), coalesce(after_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff');
end;
$$;
comment on function app_private.search_filter_documents(uuid, jsonb, jsonb, timestamptz, uuid) is 'Applies a search query to executions decoded from archive files (a JSON array of rows with the executions'' top-level columns), with the very condition the hot search uses: returns the matching ids newest first, after the cursor.';

------------------------------------------------------------------------------------------------------------
-- 5. The hot listing (ArchiveReader.listExecutions): one statement per page returns the hot rows whole
--    (before: keys from archive_list_keys, whose OR-ed optional filters defeat index conditions and partition
--    pruning in a cached generic plan, then a second query matching 500 ids against every row of the page's
--    partitions). One static query per filter shape; the bounds prune partitions at executor start.
------------------------------------------------------------------------------------------------------------
create type app_private.archive_list_row as (
  id uuid, created_at timestamptz, batch_id uuid, row_no integer,
  team_id uuid, workflow_id uuid, workflow_version integer, state text, trigger_type text, trigger_id uuid,
  input jsonb, output jsonb, error jsonb, attempt integer, idempotency_key text, version integer,
  created_micros bigint, started_micros bigint, finished_micros bigint, duration_ms bigint, updated_micros bigint
);
comment on type app_private.archive_list_row is 'One row of a hot+cold listing page: a hot execution''s columns (timestamps as exact epoch microseconds), or a cold key (batch_id, row_no; the other columns null).';

create function app_private.archive_list_page(
    team_id uuid, workflow_id uuid, state text, from_time timestamptz, to_time timestamptz,
    after_created_at timestamptz, after_id uuid, max_rows integer, include_cold boolean default true)
  returns setof app_private.archive_list_row
  language plpgsql stable
  set search_path = pg_catalog
  set plan_cache_mode = force_generic_plan
as $$
-- timestamps as microseconds inline (the expression of app_private.archive_micros, which a SET clause keeps
-- from being inlined: a function call per column and row cost more than the scan)
declare
  lo timestamptz := coalesce(from_time, '-infinity');
  hi timestamptz := least(coalesce(to_time, 'infinity'), coalesce(after_created_at + interval '1 microsecond', 'infinity'));
  ca timestamptz := coalesce(after_created_at, 'infinity');
  ci uuid := coalesce(after_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff');
begin
  if team_id is null and workflow_id is null then
    raise exception 'a team or a workflow is required' using errcode = 'LFVAL', detail = 'field: team_id';
  end if;
  if max_rows is null or max_rows < 1 or max_rows > 10000 then
    raise exception 'limit must be between 1 and 10000' using errcode = 'LFVAL', detail = 'field: limit';
  end if;
  if workflow_id is not null then
    return query
    select e.id, e.created_at, null::uuid, null::integer, e.team_id, e.workflow_id, e.workflow_version, e.state, e.trigger_type, e.trigger_id,
           e.input, e.output, e.error, e.attempt, e.idempotency_key, e.version, (extract(epoch from e.created_at) * 1000000)::bigint,
           (extract(epoch from e.started_at) * 1000000)::bigint, (extract(epoch from e.finished_at) * 1000000)::bigint, e.duration_ms, (extract(epoch from e.updated_at) * 1000000)::bigint
      from app_public.executions e
     where e.workflow_id = archive_list_page.workflow_id
       and (archive_list_page.team_id is null or e.team_id = archive_list_page.team_id)
       and (archive_list_page.state is null or e.state = archive_list_page.state)
       and e.created_at >= lo and e.created_at < hi and (e.created_at, e.id) < (ca, ci)
     order by e.created_at desc, e.id desc limit max_rows;
  elsif state is not null then
    return query
    select e.id, e.created_at, null::uuid, null::integer, e.team_id, e.workflow_id, e.workflow_version, e.state, e.trigger_type, e.trigger_id,
           e.input, e.output, e.error, e.attempt, e.idempotency_key, e.version, (extract(epoch from e.created_at) * 1000000)::bigint,
           (extract(epoch from e.started_at) * 1000000)::bigint, (extract(epoch from e.finished_at) * 1000000)::bigint, e.duration_ms, (extract(epoch from e.updated_at) * 1000000)::bigint
      from app_public.executions e
     where e.team_id = archive_list_page.team_id and e.state = archive_list_page.state
       and e.created_at >= lo and e.created_at < hi and (e.created_at, e.id) < (ca, ci)
     order by e.created_at desc, e.id desc limit max_rows;
  else
    return query
    select e.id, e.created_at, null::uuid, null::integer, e.team_id, e.workflow_id, e.workflow_version, e.state, e.trigger_type, e.trigger_id,
           e.input, e.output, e.error, e.attempt, e.idempotency_key, e.version, (extract(epoch from e.created_at) * 1000000)::bigint,
           (extract(epoch from e.started_at) * 1000000)::bigint, (extract(epoch from e.finished_at) * 1000000)::bigint, e.duration_ms, (extract(epoch from e.updated_at) * 1000000)::bigint
      from app_public.executions e
     where e.team_id = archive_list_page.team_id
       and e.created_at >= lo and e.created_at < hi and (e.created_at, e.id) < (ca, ci)
     order by e.created_at desc, e.id desc limit max_rows;
  end if;
  if include_cold then
    return query
    select a.execution_id, a.created_at, a.batch_id, a.row_no, a.team_id, a.workflow_id, null::integer, a.state, null::text, null::uuid,
           null::jsonb, null::jsonb, null::jsonb, null::integer, null::text, null::integer, (extract(epoch from a.created_at) * 1000000)::bigint,
           null::bigint, null::bigint, null::bigint, null::bigint
      from app_private.archived_executions a
      join app_private.archive_batches b on b.id = a.batch_id and b.state = 'deleted'
     where (archive_list_page.team_id is null or a.team_id = archive_list_page.team_id)
       and (archive_list_page.workflow_id is null or a.workflow_id = archive_list_page.workflow_id)
       and (archive_list_page.state is null or a.state = archive_list_page.state)
       and a.created_at >= lo and a.created_at < hi and (a.created_at, a.execution_id) < (ca, ci)
     order by a.created_at desc, a.execution_id desc
     limit max_rows;
  end if;
end;
$$;
comment on function app_private.archive_list_page(uuid, uuid, text, timestamptz, timestamptz, timestamptz, uuid, integer, boolean) is 'Up to 2 x max_rows candidates of one listing page (newest first, keyset after (after_created_at, after_id), filtered by team, workflow, state and [from_time, to_time)): hot executions with their columns, and cold keys of deleted batches. The caller takes the first max_rows in (created_at desc, id desc) order. Hot rows of batches not yet deleted are served hot, so no execution appears twice.';
