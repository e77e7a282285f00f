-- data/schema.sql: the schema as of the newest committed migration (pg_dump --schema-only, normalized).
-- Generated: do not edit. Regenerate with `npm run db:dump` (graphile-migrate commit also rewrites it).
-- A function's live body is here; its history is in migrations/committed/.

-- Name: app_hidden; Type: SCHEMA; Schema: -; Owner: -

CREATE SCHEMA app_hidden;

-- Name: SCHEMA app_hidden; Type: COMMENT; Schema: -; Owner: -

COMMENT ON SCHEMA app_hidden IS 'Visitor-accessible helpers that are not exposed through GraphQL.';

-- Name: app_partitions; Type: SCHEMA; Schema: -; Owner: -

CREATE SCHEMA app_partitions;

-- Name: SCHEMA app_partitions; Type: COMMENT; Schema: -; Owner: -

COMMENT ON SCHEMA app_partitions IS 'Physical partitions of app_public partitioned tables. Query the parents instead.';

-- Name: app_private; Type: SCHEMA; Schema: -; Owner: -

CREATE SCHEMA app_private;

-- Name: SCHEMA app_private; Type: COMMENT; Schema: -; Owner: -

COMMENT ON SCHEMA app_private IS 'Owner-only: secrets, internal bookkeeping, SECURITY DEFINER internals.';

-- Name: app_public; Type: SCHEMA; Schema: -; Owner: -

CREATE SCHEMA app_public;

-- Name: SCHEMA app_public; Type: COMMENT; Schema: -; Owner: -

COMMENT ON SCHEMA app_public IS 'The API: every table, view and function here is exposed through GraphQL under RLS.';

-- Name: btree_gist; Type: EXTENSION; Schema: -; Owner: -

CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA public;

-- Name: EXTENSION btree_gist; Type: COMMENT; Schema: -; Owner: -

COMMENT ON EXTENSION btree_gist IS 'support for indexing common datatypes in GiST';

-- Name: citext; Type: EXTENSION; Schema: -; Owner: -

CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public;

-- Name: EXTENSION citext; Type: COMMENT; Schema: -; Owner: -

COMMENT ON EXTENSION citext IS 'data type for case-insensitive character strings';

-- Name: pg_trgm; Type: EXTENSION; Schema: -; Owner: -

CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

-- Name: EXTENSION pg_trgm; Type: COMMENT; Schema: -; Owner: -

COMMENT ON EXTENSION pg_trgm IS 'text similarity measurement and index searching based on trigrams';

-- Name: pgcrypto; Type: EXTENSION; Schema: -; Owner: -

CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;

-- Name: EXTENSION pgcrypto; Type: COMMENT; Schema: -; Owner: -

COMMENT ON EXTENSION pgcrypto IS 'cryptographic functions';

-- Name: archive_list_row; Type: TYPE; Schema: app_private; Owner: -

CREATE TYPE app_private.archive_list_row AS (
	id uuid,
	created_at timestamp with time zone,
	batch_id uuid,
	row_no integer,
	team_id uuid,
	workflow_id uuid,
	workflow_version integer,
	state text,
	trigger_type text,
	trigger_id uuid,
	input jsonb,
	output jsonb,
	error jsonb,
	attempt integer,
	idempotency_key text,
	version integer,
	created_utc text,
	started_utc text,
	finished_utc text,
	duration_ms bigint,
	updated_utc text
);

-- Name: TYPE archive_list_row; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON TYPE app_private.archive_list_row IS 'One row of a hot+cold listing page: a hot execution''s columns (timestamps as text in UTC and DateStyle ISO, e.g. 2026-10-30 00:01:01.123457+00; created_at is the sort key), or a cold key (batch_id, row_no with team_id, workflow_id and state; the other columns null).';

-- Name: bulk_row_result; Type: TYPE; Schema: app_private; Owner: -

CREATE TYPE app_private.bulk_row_result AS (
	ord integer,
	id uuid,
	version integer,
	error_code text,
	error_field text,
	error_message text
);

-- Name: TYPE bulk_row_result; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON TYPE app_private.bulk_row_result IS 'Per-row outcome of a bulk call: the input position (1-based), the row id and version when written, or the error (code, field, message).';

-- Name: execution_move; Type: TYPE; Schema: app_private; Owner: -

CREATE TYPE app_private.execution_move AS (
	ord integer,
	execution_id uuid,
	execution_created_at timestamp with time zone,
	team_id uuid,
	workflow_id uuid,
	step integer,
	ok boolean,
	error_code text,
	denied text,
	from_state text,
	to_state text,
	state text,
	version integer,
	attempt integer,
	at timestamp with time zone,
	started_at timestamp with time zone,
	finished_at timestamp with time zone,
	duration_ms bigint,
	output jsonb,
	set_output boolean,
	error jsonb,
	set_error boolean,
	details jsonb,
	final boolean
);

-- Name: TYPE execution_move; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON TYPE app_private.execution_move IS 'One planned move (plan_execution_moves): the item, its execution, ok or error_code, and the execution''s state, version, attempt, timing and pending output/error after it (unchanged after a refused move). step numbers the moves of one execution in input order; final marks the last step of an execution with at least one accepted move, whose values become the row''s.';

-- Name: execution_move_request; Type: TYPE; Schema: app_private; Owner: -

CREATE TYPE app_private.execution_move_request AS (
	ord integer,
	execution_id uuid,
	to_state text,
	expected_from text,
	details jsonb,
	well_formed boolean
);

-- Name: TYPE execution_move_request; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON TYPE app_private.execution_move_request IS 'One parsed item of a transition request: its input position, the execution id (null when not a UUID), the target and expected states, details (null unless an object) and whether the item was well formed (an object whose details, if any, is an object).';

-- Name: execution_start_item; Type: TYPE; Schema: app_private; Owner: -

CREATE TYPE app_private.execution_start_item AS (
	ord integer,
	workflow_id uuid,
	trigger_type text,
	input jsonb,
	idempotency_key text,
	team_id uuid,
	workflow_version integer,
	new_id uuid,
	code text,
	message text,
	detail text,
	execution_id uuid,
	execution_created_at timestamp with time zone,
	created boolean
);

-- Name: TYPE execution_start_item; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON TYPE app_private.execution_start_item IS 'Working row of app_private.start_executions: one parsed start request, its workflow, the id it would take, its refusal (code, message, detail) once known, and the execution it resolved to (created here, or the one its idempotency key names).';

-- Name: execution_timing; Type: TYPE; Schema: app_private; Owner: -

CREATE TYPE app_private.execution_timing AS (
	attempt integer,
	started_at timestamp with time zone,
	finished_at timestamp with time zone,
	duration_ms bigint
);

-- Name: TYPE execution_timing; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON TYPE app_private.execution_timing IS 'Attempt and timing of an execution after a move (see execution_timing_after_move).';

-- Name: node_run_item; Type: TYPE; Schema: app_private; Owner: -

CREATE TYPE app_private.node_run_item AS (
	ord integer,
	op text,
	execution_id uuid,
	node_name text,
	node_id uuid,
	attempt integer,
	status text,
	output jsonb,
	error jsonb,
	execution_created_at timestamp with time zone,
	team_id uuid,
	code text,
	message text,
	detail text,
	current_state text
);

-- Name: TYPE node_run_item; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON TYPE app_private.node_run_item IS 'Working row of record_node_runs: one parsed item, the execution it resolved to, and its refusal (code, message, detail) once known.';

-- Name: execution_metric_point; Type: TYPE; Schema: app_public; Owner: -

CREATE TYPE app_public.execution_metric_point AS (
	bucket_start timestamp with time zone,
	total integer,
	succeeded integer,
	failed integer,
	cancelled integer,
	timed_out integer,
	crashed integer,
	success_rate double precision,
	avg_ms double precision,
	p50_ms double precision,
	p95_ms double precision,
	node_count bigint,
	failed_node_count bigint
);

-- Name: TYPE execution_metric_point; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON TYPE app_public.execution_metric_point IS 'One bucket of an executions metric series: counts by outcome, success rate (succeeded / total), mean and approximate p50/p95 duration.';

-- Name: execution_node_run_result; Type: TYPE; Schema: app_public; Owner: -

CREATE TYPE app_public.execution_node_run_result AS (
	ord integer,
	ok boolean,
	error_code text,
	error_message text,
	error_detail text,
	current_state text,
	execution_id uuid,
	execution_created_at timestamp with time zone,
	team_id uuid,
	node_name text,
	node_id uuid,
	attempt integer,
	status text,
	started_at timestamp with time zone,
	finished_at timestamp with time zone,
	output jsonb,
	error jsonb
);

-- Name: TYPE execution_node_run_result; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON TYPE app_public.execution_node_run_result IS 'Per-item result of record_node_runs: ok with the node run as written (current_state = its status), or error_code (LFVAL, LFLIM, LFNTF, LFDNY, LFSTA, LFCNF) with the message and detail the single functions raise, and current_state (the execution''s state for LFSTA on a finished execution, the node run''s status for LFSTA on a finished node run).';

-- Name: execution_transition_result; Type: TYPE; Schema: app_public; Owner: -

CREATE TYPE app_public.execution_transition_result AS (
	ord integer,
	execution_id uuid,
	execution_created_at timestamp with time zone,
	ok boolean,
	error_code text,
	current_state text,
	seq integer,
	attempt integer
);

-- Name: TYPE execution_transition_result; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON TYPE app_public.execution_transition_result IS 'Per-item result of transition_executions: ok, or the error code (LFVAL, LFNTF, LFDNY, LFSTA) and the execution''s current state; seq and attempt after the move.';

-- Name: retention_plan_item; Type: TYPE; Schema: app_public; Owner: -

CREATE TYPE app_public.retention_plan_item AS (
	step text,
	execution_id uuid,
	batch_id uuid,
	workflow_id uuid,
	created_at timestamp with time zone,
	executions integer,
	bytes bigint
);

-- Name: TYPE retention_plan_item; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON TYPE app_public.retention_plan_item IS 'One item of a retention plan. step archive: an execution leaving the hot tables (bytes: what the execution with its transitions and node runs counts for in hot usage, see app_private.execution_bytes). step trim: an execution whose node-run outputs are trimmed or dropped (bytes freed). step delete: an archive batch whose file is deleted (executions in it, file bytes).';

-- Name: bloom_build(text[]); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.bloom_build(terms text[]) RETURNS bytea
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
  with size as (select least(65536, greatest(64, ceil(coalesce(cardinality(terms), 0) * 10 / 8.0)::integer)) as nbytes),
       bits as (select distinct p from size, unnest(terms) t, app_hidden.bloom_positions(t, size.nbytes * 8) p),
       bytes as (select p / 8 as b, bit_or(1 << (p % 8)) as v from bits group by 1)
  select decode(string_agg(lpad(to_hex(coalesce(bytes.v, 0)), 2, '0'), '' order by g.i), 'hex')
    from size, generate_series(0, size.nbytes - 1) g(i) left join bytes on bytes.b = g.i;
$$;

-- Name: FUNCTION bloom_build(terms text[]); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.bloom_build(terms text[]) IS 'A bloom filter (about 10 bits per term, 4 hashes: ~1% false positives; 64 bytes to 64 KiB) holding the given terms.';

-- Name: bloom_has_all(bytea, text[]); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.bloom_has_all(bloom bytea, terms text[]) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
  select bloom is null or not exists (
    select 1 from unnest(terms) t, app_hidden.bloom_positions(t, length(bloom) * 8) p where get_bit(bloom, p) = 0);
$$;

-- Name: FUNCTION bloom_has_all(bloom bytea, terms text[]); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.bloom_has_all(bloom bytea, terms text[]) IS 'False when the bloom filter surely lacks one of the terms (no false negatives); true for a missing filter.';

-- Name: bloom_positions(text, integer); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.bloom_positions(term text, bits integer) RETURNS SETOF integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select ((((((pg_catalog.hashtextextended(term, 0) operator(pg_catalog.%) bits)
               operator(pg_catalog.+) (i operator(pg_catalog.*) (pg_catalog.hashtextextended(term, 17) operator(pg_catalog.%) bits)))
              operator(pg_catalog.%) bits) operator(pg_catalog.+) bits) operator(pg_catalog.%) bits))::pg_catalog.int4
    from pg_catalog.generate_series(0, 3) i
   where term is not null and bits is not null;
$$;

-- Name: FUNCTION bloom_positions(term text, bits integer); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.bloom_positions(term text, bits integer) IS 'The 4 bit positions (double hashing) of a term in a bloom filter of the given size. No rows for a null argument. Inlinable (no SET clause, not STRICT; every name schema-qualified).';

-- Name: cron_field_is_valid(text, integer, integer, text[], integer); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.cron_field_is_valid(field text, min_value integer, max_value integer, names text[] DEFAULT NULL::text[], names_base integer DEFAULT 0) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $_$
declare
  item text;
  m text[];
  lo integer;
  hi integer;
  tok text;
  val integer;
  i integer;
begin
  if field is null or field = '' then
    return false;
  end if;
  foreach item in array pg_catalog.string_to_array(pg_catalog.lower(field), ',') loop
    -- m[1] base (* or a or a-b), m[2] a, m[4] b, m[6] step
    m := pg_catalog.regexp_match(item, '^(\*|([0-9]{1,2}|[a-z]{3})(-([0-9]{1,2}|[a-z]{3}))?)(/([0-9]{1,2}))?$');
    if m is null then
      return false;
    end if;
    if m[6] is not null and (m[6]::integer < 1 or m[6]::integer > max_value) then
      return false;
    end if;
    if m[1] = '*' then
      continue;
    end if;
    lo := null; hi := null;
    for i in 1..2 loop
      tok := case i when 1 then m[2] else m[4] end;
      if tok is null then
        continue;
      end if;
      if tok ~ '^[0-9]+$' then
        val := tok::integer;
      elsif names is not null and pg_catalog.array_position(names, tok) is not null then
        val := pg_catalog.array_position(names, tok) - 1 + names_base;
      else
        return false;
      end if;
      if val < min_value or val > max_value then
        return false;
      end if;
      if i = 1 then lo := val; else hi := val; end if;
    end loop;
    if hi is not null and hi < lo then
      return false;
    end if;
  end loop;
  return true;
end;
$_$;

-- Name: FUNCTION cron_field_is_valid(field text, min_value integer, max_value integer, names text[], names_base integer); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.cron_field_is_valid(field text, min_value integer, max_value integer, names text[], names_base integer) IS 'True when one cron field is a comma list of *, n, a-b, with optional /step, within min_value..max_value; names (e.g. jan..dec) map to names_base, names_base+1, ...';

-- Name: cumulative_percentile(integer[], integer[], bigint, double precision); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.cumulative_percentile(one_cumulative integer[], cumulatives integer[], total bigint, fraction double precision) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select case when total > 0 then app_hidden.duration_bucket_value(
           case when cumulatives is null
                then 1 + pg_catalog.width_bucket(greatest(1, ceil(fraction * total))::integer - 1, one_cumulative)
                else app_hidden.cumulative_search(cumulatives, greatest(1, ceil(fraction * total))::bigint) end) end;
$$;

-- Name: FUNCTION cumulative_percentile(one_cumulative integer[], cumulatives integer[], total bigint, fraction double precision); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.cumulative_percentile(one_cumulative integer[], cumulatives integer[], total bigint, fraction double precision) IS 'Nearest-rank percentile (like percentile_disc, as histogram_percentile) of a series point from its cumulative histogram: one_cumulative when the point has one source row, else cumulatives (k x 200); total is the number of durations. The representative value of the bucket holding the rank; null when total is 0.';

-- Name: cumulative_search(integer[], bigint); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.cumulative_search(cumulatives integer[], rank bigint) RETURNS integer
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_lo integer := 1;
  v_hi integer := array_upper(cumulatives, 2);
  v_mid integer;
  v_count bigint;
begin
  -- the first bucket whose cumulative count, summed over the rows (the first dimension), reaches rank
  while v_lo < v_hi loop
    v_mid := (v_lo + v_hi) / 2;
    v_count := 0;
    for r in array_lower(cumulatives, 1) .. array_upper(cumulatives, 1) loop
      v_count := v_count + cumulatives[r][v_mid];
    end loop;
    if v_count >= rank then v_hi := v_mid; else v_lo := v_mid + 1; end if;
  end loop;
  return v_lo;
end;
$$;

-- Name: FUNCTION cumulative_search(cumulatives integer[], rank bigint); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.cumulative_search(cumulatives integer[], rank bigint) IS 'The first histogram bucket at which the summed cumulative histograms (a k x 200 array, one row per source) reach rank: a binary search, 8 steps of k additions.';

-- Name: cumulative_search(integer[], bigint, integer, integer); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.cumulative_search(cumulatives integer[], rank bigint, lo integer, hi integer) RETURNS integer
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_lo integer := lo;
  v_hi integer := hi;
  v_mid integer;
  v_count bigint;
begin
  -- the first bucket in lo..hi whose cumulative count, summed over the rows (the first dimension), reaches rank
  while v_lo < v_hi loop
    v_mid := (v_lo + v_hi) / 2;
    v_count := 0;
    for r in array_lower(cumulatives, 1) .. array_upper(cumulatives, 1) loop
      v_count := v_count + cumulatives[r][v_mid];
    end loop;
    if v_count >= rank then v_hi := v_mid; else v_lo := v_mid + 1; end if;
  end loop;
  return v_lo;
end;
$$;

-- Name: FUNCTION cumulative_search(cumulatives integer[], rank bigint, lo integer, hi integer); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.cumulative_search(cumulatives integer[], rank bigint, lo integer, hi integer) IS 'cumulative_search within buckets lo..hi, which the caller knows hold the answer (between the smallest and the largest percentile bucket of the stacked sources): log2(hi - lo + 1) steps of k additions, none when lo = hi.';

-- Name: current_user_team_ids(text); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.current_user_team_ids(min_role text DEFAULT 'viewer'::text) RETURNS SETOF uuid
    LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_min_rank integer := app_hidden.team_role_rank(min_role);
begin
  return query
    select m.team_id
      from app_public.team_memberships m
      join app_public.teams t on t.id = m.team_id and t.deleted_at is null
      join app_public.users u on u.id = m.user_id and u.deleted_at is null
     where m.user_id = app_public.current_user_id()
       and app_hidden.team_role_rank(m.role) >= v_min_rank;
end;
$$;

-- Name: FUNCTION current_user_team_ids(min_role text); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.current_user_team_ids(min_role text) IS 'Ids of the live teams the current (live) user belongs to with at least the given role. Used by RLS policies.';

-- Name: deleted_user_ids(); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.deleted_user_ids() RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
  select u.id from app_public.users u
   where u.deleted_at is not null
     and exists (select 1 from app_public.team_memberships m
                  where m.user_id = u.id and m.team_id in (select app_hidden.current_user_team_ids()));
$$;

-- Name: FUNCTION deleted_user_ids(); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.deleted_user_ids() IS 'Ids of the soft-deleted users who are members of the caller''s own live teams (uses the partial index on deleted_at). Used by RLS policies to hide their memberships; never names users of other teams.';

-- Name: duration_bucket(bigint); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.duration_bucket(duration_ms bigint) RETURNS integer
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
  select least(200, greatest(1, floor(ln(greatest(duration_ms, 0) + 1) / ln(1.1))::integer + 1));
$$;

-- Name: FUNCTION duration_bucket(duration_ms bigint); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.duration_bucket(duration_ms bigint) IS 'Index (1..200) of the log-scaled duration histogram bucket (factor 1.1) holding duration_ms.';

-- Name: duration_bucket_value(integer); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.duration_bucket_value(bucket integer) RETURNS double precision
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
  -- in double precision (numeric power took ~6 us per call, most of a series point's cost)
  select pg_catalog.power(1.1::double precision, bucket - 0.5::double precision) - 1;
$$;

-- Name: FUNCTION duration_bucket_value(bucket integer); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.duration_bucket_value(bucket integer) IS 'Representative duration (ms) of a histogram bucket: its geometric midpoint (relative error <= 4.9% of d + 1).';

-- Name: duration_histogram(bigint[]); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.duration_histogram(durations bigint[]) RETURNS integer[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
  select array_agg(coalesce(c.n, 0)::integer order by g.i)
    from generate_series(1, 200) g(i)
    left join (select app_hidden.duration_bucket(d) as b, count(*) as n
                 from unnest(durations) d where d is not null group by 1) c on c.b = g.i;
$$;

-- Name: FUNCTION duration_histogram(durations bigint[]); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.duration_histogram(durations bigint[]) IS 'The 200-bucket histogram (integer counts) of the given durations; nulls are ignored.';

-- Name: escape_like(text); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.escape_like(pattern text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
  select pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pattern, E'\\', E'\\\\'), '%', E'\\%'), '_', E'\\_');
$$;

-- Name: FUNCTION escape_like(pattern text); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.escape_like(pattern text) IS 'Escapes LIKE wildcards (% _ \) so a user string matches literally.';

-- Name: execution_active_states(); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.execution_active_states() RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select array['running', 'waiting'];
$$;

-- Name: FUNCTION execution_active_states(); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.execution_active_states() IS 'The states in which an execution records node runs: running, waiting.';

-- Name: execution_created_at(uuid); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.execution_created_at(execution_id uuid) RETURNS timestamp with time zone
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
declare
  t timestamptz := app_hidden.uuid_v7_time(execution_id);
  v timestamptz;
begin
  -- Fast path: executions are created with created_at = the id's UUIDv7 time; one hour either side
  -- covers rows inserted with default values inside long transactions, and prunes to one or two partitions.
  select e.created_at into v from app_public.executions e
   where e.id = execution_id and e.created_at between t - interval '1 hour' and t + interval '1 hour';
  if v is null then
    select e.created_at into v from app_public.executions e where e.id = execution_id limit 1;
  end if;
  return v;
end;
$$;

-- Name: FUNCTION execution_created_at(execution_id uuid); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.execution_created_at(execution_id uuid) IS 'The created_at (partition key) of an execution given its id alone: searches the partitions around the UUIDv7 time first (pruned), then all partitions. Null when not found or not visible (RLS applies).';

-- Name: execution_error_text(jsonb); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.execution_error_text(error jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
  select coalesce(error ->> 'message', error #>> '{}');
$$;

-- Name: FUNCTION execution_error_text(error jsonb); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.execution_error_text(error jsonb) IS 'The text an error_text search matches: error.message when the error is an object with a message, else the error''s JSON text (a string error: the string itself).';

-- Name: execution_failure_states(); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.execution_failure_states() RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select array['failed', 'timed_out', 'crashed'];
$$;

-- Name: FUNCTION execution_failure_states(); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.execution_failure_states() IS 'The finished states that count as failures (metrics, read models, drift checks): failed, timed_out, crashed.';

-- Name: execution_labels_max(); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.execution_labels_max() RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$ select 32 $$;

-- Name: FUNCTION execution_labels_max(); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.execution_labels_max() IS 'Most labels one execution may carry.';

-- Name: execution_metric_tail(text, timestamp with time zone, timestamp with time zone, uuid, uuid); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.execution_metric_tail(bucket text, range_start timestamp with time zone, range_end timestamp with time zone, workflow_id uuid, team_id uuid) RETURNS TABLE(bucket_start timestamp with time zone, total integer, succeeded integer, failed integer, cancelled integer, timed_out integer, crashed integer, duration_count integer, duration_sum_ms bigint, cumulative integer[], node_count bigint, failed_node_count bigint, p50_bucket integer, p95_bucket integer)
    LANGUAGE sql STABLE
    AS $$
  select t.bucket_start, t.total, t.succeeded, t.failed, t.cancelled, t.timed_out, t.crashed, t.duration_count,
         t.duration_sum_ms, t.cumulative, t.node_count, t.failed_node_count,
         case when t.cumulative[200] > 0 then 1 + width_bucket(greatest(1, ceil(0.5 * t.cumulative[200]))::integer - 1, t.cumulative) end,
         case when t.cumulative[200] > 0 then 1 + width_bucket(greatest(1, ceil(0.95 * t.cumulative[200]))::integer - 1, t.cumulative) end
    from (
  select date_trunc(bucket, q.recorded_at, 'UTC') as bucket_start, count(*)::integer as total,
         (count(*) filter (where q.state = 'succeeded'))::integer as succeeded,
         (count(*) filter (where q.state = 'failed'))::integer as failed,
         (count(*) filter (where q.state = 'cancelled'))::integer as cancelled,
         (count(*) filter (where q.state = 'timed_out'))::integer as timed_out,
         (count(*) filter (where q.state = 'crashed'))::integer as crashed,
         count(q.duration_ms)::integer as duration_count,
         coalesce(sum(q.duration_ms), 0)::bigint as duration_sum_ms,
         app_hidden.histogram_cumulative(app_hidden.duration_histogram(array_agg(q.duration_ms))) as cumulative,
         sum(q.node_count)::bigint as node_count, sum(q.failed_node_count)::bigint as failed_node_count
    from app_hidden.execution_metric_fold_queue q
   where (q.workflow_id = execution_metric_tail.workflow_id or q.team_id = execution_metric_tail.team_id)
     and q.recorded_at >= range_start and q.recorded_at < range_end
     and exists (select 1 from app_public.workflows w where w.id = q.workflow_id)
   group by 1) t;
$$;

-- Name: FUNCTION execution_metric_tail(bucket text, range_start timestamp with time zone, range_end timestamp with time zone, workflow_id uuid, team_id uuid); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.execution_metric_tail(bucket text, range_start timestamp with time zone, range_end timestamp with time zone, workflow_id uuid, team_id uuid) IS 'The metric samples the fold has not reached yet (app_hidden.execution_metric_fold_queue) of one workflow or one team, per bucket, shaped like a rollup row with its cumulative histogram and its p50/p95 buckets: what execution_metrics_series adds to the rollups so that its counts equal the raw samples. Inlined into the caller (plain SQL, invoker rights: RLS applies).';

-- Name: execution_search_is_content(jsonb); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.execution_search_is_content(query jsonb) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select coalesce(pg_catalog.jsonb_typeof(query) = 'object' and query operator(pg_catalog.?|) array['input', 'output', 'error', 'error_text'], false)
$$;

-- Name: FUNCTION execution_search_is_content(query jsonb); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.execution_search_is_content(query jsonb) IS 'True when a search query filters on content (input, output, error, error_text): its hot search is served by the GIN (jsonb_path_ops, trigram) indexes, window by window, not by the order of the team index.';

-- Name: execution_search_predicate(jsonb); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.execution_search_predicate(query jsonb) RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    AS $_$
declare
  s record := app_hidden.execution_search_shape(query, 1);
  pieces text[] := regexp_split_to_array(s.predicate, '\$[0-9]+::');
  v_out text := pieces[1];
  n integer := 1;
  i integer;
begin
  for i in select m[1]::integer from regexp_matches(s.predicate, '\$([0-9]+)::', 'g') m loop
    n := n + 1;
    v_out := v_out || quote_literal(s.param_values[i]) || '::' || pieces[n];
  end loop;
  return v_out;
end;
$_$;

-- Name: FUNCTION execution_search_predicate(query jsonb); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.execution_search_predicate(query jsonb) IS 'Validates a search query document and compiles it into one SQL condition over an execution row e (values quoted as literals): app_hidden.execution_search_shape with its placeholders replaced by the values. Every field is optional; all given fields must match. Unknown fields, wrong types and bad JSON paths raise LFVAL with DETAIL field: query.<path>. See docs/search.md for the syntax.';

-- Name: execution_search_probe_terms(jsonb); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.execution_search_probe_terms(query jsonb) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO 'pg_catalog'
    AS $_$
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
$_$;

-- Name: FUNCTION execution_search_probe_terms(query jsonb); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.execution_search_probe_terms(query jsonb) IS 'The bloom terms every execution matching the query must hold (containment leaves and paths, simple path predicates, error-text trigrams). Call after execution_search_predicate validated the query.';

-- Name: execution_search_shape(jsonb, integer); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.execution_search_shape(query jsonb, first_param integer DEFAULT 1, OUT predicate text, OUT param_types text[], OUT param_values text[]) RETURNS record
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    AS $_$
declare
  parts text[] := array['true'];
  k text;
  v jsonb;
  r bigint[];
  col text;
  lk text;
  lv jsonb;
begin
  param_types := '{}';
  param_values := '{}';
  if query is null then predicate := 'true'; return; end if;
  if jsonb_typeof(query) <> 'object' then perform app_hidden.search_fail('query', 'the query must be a JSON object'); end if;
  for k, v in select x.key, x.value from jsonb_each(query) x loop
    if k = 'state' then
      param_values := param_values || app_hidden.search_text_list('query.state', v, app_hidden.execution_states())::text;
      param_types := param_types || 'text[]'::text;
      parts := parts || format('e.state = any ($%s::text[])', first_param + cardinality(param_values) - 1);
    elsif k = 'workflow_id' then
      begin
        param_values := param_values || (app_hidden.search_text_list('query.workflow_id', v, null)::uuid[])::text;
      exception when invalid_text_representation then
        perform app_hidden.search_fail('query.workflow_id', 'query.workflow_id must hold uuids');
      end;
      param_types := param_types || 'uuid[]'::text;
      parts := parts || format('e.workflow_id = any ($%s::uuid[])', first_param + cardinality(param_values) - 1);
    elsif k = 'trigger_type' then
      param_values := param_values || app_hidden.search_text_list('query.trigger_type', v, array['webhook', 'schedule', 'event', 'manual', 'retry'])::text;
      param_types := param_types || 'text[]'::text;
      parts := parts || format('e.trigger_type = any ($%s::text[])', first_param + cardinality(param_values) - 1);
    elsif k in ('created_from', 'created_before') then
      param_values := param_values || app_hidden.search_timestamp('query.' || k, v)::text;
      param_types := param_types || 'timestamptz'::text;
      parts := parts || format(case k when 'created_from' then 'e.created_at >= $%s::timestamptz' else 'e.created_at < $%s::timestamptz' end,
        first_param + cardinality(param_values) - 1);
    elsif k in ('attempt', 'duration_ms') then
      r := app_hidden.search_int_range('query.' || k, v);
      col := case k when 'attempt' then 'e.attempt' else 'e.duration_ms' end;
      if r[1] is not null then
        param_values := param_values || r[1]::text;
        param_types := param_types || 'bigint'::text;
        parts := parts || format('%s >= $%s::bigint', col, first_param + cardinality(param_values) - 1);
      end if;
      if r[2] is not null then
        param_values := param_values || r[2]::text;
        param_types := param_types || 'bigint'::text;
        parts := parts || format('%s <= $%s::bigint', col, first_param + cardinality(param_values) - 1);
      end if;
    elsif k = 'labels' then
      if jsonb_typeof(v) <> 'object' or v = '{}' or (select count(*) from jsonb_object_keys(v)) > 32 then
        perform app_hidden.search_fail('query.labels', 'query.labels must be an object of 1 to 32 key -> string (or null: the key is present)');
      end if;
      for lk, lv in select x.key, x.value from jsonb_each(v) x loop
        if jsonb_typeof(lv) not in ('string', 'null') then
          perform app_hidden.search_fail('query.labels.' || left(lk, 80), 'a label filter is a string (equal) or null (present)');
        end if;
        param_values := param_values || lk;
        param_types := param_types || 'text'::text;
        col := format('$%s::text', first_param + cardinality(param_values) - 1);
        if jsonb_typeof(lv) = 'string' then
          param_values := param_values || (lv #>> '{}');
          param_types := param_types || 'text'::text;
          col := format('%s and l.value = $%s::text', col, first_param + cardinality(param_values) - 1);
        end if;
        parts := parts || format('exists (select 1 from app_public.execution_labels l where l.team_id = e.team_id and l.execution_id = e.id and l.execution_created_at = e.created_at and l.key = %s)', col);
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
          param_values := param_values || lv::text;
          param_types := param_types || 'jsonb'::text;
          parts := parts || format('e.%I @> $%s::jsonb', k, first_param + cardinality(param_values) - 1);
        elsif lk in ('exists', 'matches') then
          param_values := param_values || app_hidden.search_jsonpath(format('query.%s.%s', k, lk), lv)::text;
          param_types := param_types || 'jsonpath'::text;
          parts := parts || format('e.%I %s $%s::jsonpath', k, case lk when 'exists' then '@?' else '@@' end, first_param + cardinality(param_values) - 1);
        else
          perform app_hidden.search_fail(format('query.%s.%s', k, left(lk, 80)), format('unknown field query.%s.%s (contains, exists, matches)', k, left(lk, 80)));
        end if;
      end loop;
    elsif k = 'error_text' then
      if jsonb_typeof(v) <> 'string' or char_length(v #>> '{}') not between 1 and 200 then
        perform app_hidden.search_fail('query.error_text', 'query.error_text must be a string of 1 to 200 characters');
      end if;
      param_values := param_values || ('%' || app_hidden.escape_like(v #>> '{}') || '%');
      param_types := param_types || 'text'::text;
      -- error is not null: lets the planner use the partial trigram index
      parts := parts || format('e.error is not null and app_hidden.execution_error_text(e.error) ilike $%s::text', first_param + cardinality(param_values) - 1);
    else
      perform app_hidden.search_fail('query.' || left(k, 80), format('unknown field query.%s (state, workflow_id, trigger_type, created_from, created_before, attempt, duration_ms, labels, input, output, error, error_text)', left(k, 80)));
    end if;
  end loop;
  predicate := array_to_string(parts, ' and ');
end;
$_$;

-- Name: FUNCTION execution_search_shape(query jsonb, first_param integer, OUT predicate text, OUT param_types text[], OUT param_values text[]); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.execution_search_shape(query jsonb, first_param integer, OUT predicate text, OUT param_types text[], OUT param_values text[]) IS 'Validates a search query document and compiles it into one SQL condition over an execution row e with the values as parameters: predicate holds $<n>::<type> placeholders numbered from first_param, param_types and param_values their types and values (as text) in order. Equal shapes (the same fields, label keys aside) give the same predicate, so a statement prepared for it serves every query of that shape. Unknown fields, wrong types and bad JSON paths raise LFVAL with DETAIL field: query.<path>. See docs/search.md for the syntax.';

-- Name: execution_states(); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.execution_states() RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select array['pending', 'queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled', 'timed_out', 'crashed'];
$$;

-- Name: FUNCTION execution_states(); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.execution_states() IS 'Every execution state, in lifecycle order: the one declaration that constraints, triggers and the engine refer to.';

-- Name: execution_terminal_states(); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.execution_terminal_states() RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select array['succeeded', 'failed', 'cancelled', 'timed_out', 'crashed'];
$$;

-- Name: FUNCTION execution_terminal_states(); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.execution_terminal_states() IS 'The finished (terminal) execution states: reaching one sets finished_at and duration_ms and records a metric sample; a finished execution changes again only through a retry.';

-- Name: has_team_role(uuid, text); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.has_team_role(team_id uuid, min_role text DEFAULT 'viewer'::text) RETURNS boolean
    LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
begin
  return exists (
    select 1 from app_public.team_memberships m
      join app_public.teams t on t.id = m.team_id and t.deleted_at is null
      join app_public.users u on u.id = m.user_id and u.deleted_at is null
     where m.team_id = has_team_role.team_id
       and m.user_id = app_public.current_user_id()
       and app_hidden.team_role_rank(m.role) >= app_hidden.team_role_rank(min_role));
end;
$$;

-- Name: FUNCTION has_team_role(team_id uuid, min_role text); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.has_team_role(team_id uuid, min_role text) IS 'True when the current (live) user is a member of the live team with at least the given role.';

-- Name: histogram_cumulative(integer[]); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.histogram_cumulative(histogram integer[]) RETURNS integer[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select pg_catalog.array_agg(x.s::integer order by x.i)
    from (select u.i, pg_catalog.sum(u.c) over (order by u.i) as s
            from pg_catalog.unnest(histogram) with ordinality u(c, i)) x;
$$;

-- Name: FUNCTION histogram_cumulative(histogram integer[]); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.histogram_cumulative(histogram integer[]) IS 'The running sums of a duration histogram: element i is the number of durations in buckets 1..i (the last element is the total). Null for null.';

-- Name: histogram_percentile(integer[], double precision); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.histogram_percentile(histogram integer[], fraction double precision) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
  select app_hidden.duration_bucket_value(x.i::integer)
    from (select u.i, sum(u.c) over (order by u.i) as cum, sum(u.c) over () as total
            from unnest(histogram) with ordinality u(c, i)) x
   where x.total > 0 and x.cum >= greatest(1, ceil(fraction * x.total))
   order by x.i limit 1;
$$;

-- Name: FUNCTION histogram_percentile(histogram integer[], fraction double precision); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.histogram_percentile(histogram integer[], fraction double precision) IS 'Nearest-rank percentile (like percentile_disc) read from a duration histogram: the representative value of the bucket holding the rank. Null for an empty histogram.';

-- Name: histogram_rank_bucket(integer[], double precision); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.histogram_rank_bucket(histogram integer[], fraction double precision) RETURNS integer
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
declare
  v_count integer;
  v_total bigint := 0;
  v_rank bigint;
  v_seen bigint := 0;
  v_bucket integer := 0;
begin
  foreach v_count in array histogram loop
    v_total := v_total + v_count;
  end loop;
  if v_total = 0 then
    return null;
  end if;
  v_rank := greatest(1, ceil(fraction * v_total));
  foreach v_count in array histogram loop
    v_bucket := v_bucket + 1;
    v_seen := v_seen + v_count;
    if v_seen >= v_rank then
      return v_bucket;
    end if;
  end loop;
  return null;
end;
$$;

-- Name: FUNCTION histogram_rank_bucket(histogram integer[], fraction double precision); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.histogram_rank_bucket(histogram integer[], fraction double precision) IS 'The histogram bucket holding the nearest-rank percentile of one duration histogram: the first bucket at which the running count reaches ceil(fraction x total) (at least 1), as cumulative_percentile finds it in a cumulative histogram; null for an empty histogram. One pass in plpgsql (~30 us; a window-function form took ~400 us).';

-- Name: int_array_add(integer[], integer[]); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.int_array_add(a integer[], b integer[]) RETURNS integer[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
  select array_agg(coalesce(x, 0) + coalesce(y, 0) order by i) from unnest(a, b) with ordinality u(x, y, i);
$$;

-- Name: FUNCTION int_array_add(a integer[], b integer[]); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.int_array_add(a integer[], b integer[]) IS 'Element-wise sum of two integer arrays (histogram merge).';

-- Name: jsonb_search_terms(text, jsonb); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.jsonb_search_terms(col text, doc jsonb) RETURNS SETOF text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
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

-- Name: FUNCTION jsonb_search_terms(col text, doc jsonb); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.jsonb_search_terms(col text, doc jsonb) IS 'The bloom terms of a JSON document: every key path (p:<col>:.a.b, arrays transparent) and every scalar at its path (v:<col>:.a.b=<value>). Containment and simple path predicates only match documents holding all of their terms.';

-- Name: node_run_finished_statuses(); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.node_run_finished_statuses() RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select array['succeeded', 'failed', 'skipped', 'cancelled'];
$$;

-- Name: FUNCTION node_run_finished_statuses(); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.node_run_finished_statuses() IS 'The statuses a node run may finish with: succeeded, failed, skipped, cancelled (the execution_node_runs_status_known constraint lists these plus pending and running).';

-- Name: search_cursor(timestamp with time zone, uuid); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.search_cursor(created_at timestamp with time zone, id uuid) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
  select rtrim(translate(replace(encode(convert_to(
           '{"k":"execution.search","v":["' || to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '","' || id::text || '"]}',
           'UTF8'), 'base64'), E'\n', ''), '+/', '-_'), '=');
$$;

-- Name: FUNCTION search_cursor(created_at timestamp with time zone, id uuid); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.search_cursor(created_at timestamp with time zone, id uuid) IS 'The opaque keyset cursor of a search result: base64url of the JSON {"k":"execution.search","v":["<created_at ISO, microseconds>","<id>"]}, the form of every repository cursor (src/db/cursor.ts), so SQL and TypeScript cursors are interchangeable.';

-- Name: search_cursor_parts(text); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.search_cursor_parts(cursor text, OUT created_at timestamp with time zone, OUT id uuid) RETURNS record
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO 'pg_catalog'
    AS $_$
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
$_$;

-- Name: FUNCTION search_cursor_parts(cursor text, OUT created_at timestamp with time zone, OUT id uuid); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.search_cursor_parts(cursor text, OUT created_at timestamp with time zone, OUT id uuid) IS 'Decodes a search cursor (LFVAL field: after when malformed).';

-- Name: search_fail(text, text); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.search_fail(field text, message text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO 'pg_catalog'
    AS $$
begin
  raise exception '%', message using errcode = 'LFVAL', detail = 'field: ' || field;
end;
$$;

-- Name: FUNCTION search_fail(field text, message text); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.search_fail(field text, message text) IS 'Raises the search query''s typed validation error (LFVAL, DETAIL field: query.<path>).';

-- Name: search_int_range(text, jsonb); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.search_int_range(field text, v jsonb) RETURNS bigint[]
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO 'pg_catalog'
    AS $_$
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
$_$;

-- Name: FUNCTION search_int_range(field text, v jsonb); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.search_int_range(field text, v jsonb) IS 'A search filter given as an integer or an inclusive {"min", "max"} range (either bound optional).';

-- Name: search_jsonpath(text, jsonb); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.search_jsonpath(field text, v jsonb) RETURNS jsonpath
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO 'pg_catalog'
    AS $$
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

-- Name: FUNCTION search_jsonpath(field text, v jsonb); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.search_jsonpath(field text, v jsonb) IS 'A JSON path from a search query (validated: a bad path is LFVAL with the field named).';

-- Name: search_scalar_text(jsonb); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.search_scalar_text(v jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select case when pg_catalog.jsonb_typeof(v) operator(pg_catalog.=) 'number'
              then pg_catalog.trim_scale((v operator(pg_catalog.#>>) '{}')::pg_catalog.numeric)::pg_catalog.text
              else v::pg_catalog.text end;
$$;

-- Name: FUNCTION search_scalar_text(v jsonb); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.search_scalar_text(v jsonb) IS 'Canonical text of a JSON scalar for the bloom filter (numbers normalised: 4711.0 = 4711, as containment compares them). Inlinable (no SET clause; every name schema-qualified).';

-- Name: search_text_list(text, jsonb, text[], integer); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.search_text_list(field text, v jsonb, allowed text[], max_items integer DEFAULT 100) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO 'pg_catalog'
    AS $$
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

-- Name: FUNCTION search_text_list(field text, v jsonb, allowed text[], max_items integer); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.search_text_list(field text, v jsonb, allowed text[], max_items integer) IS 'A search filter given as one string or a list of strings (optionally restricted to allowed values).';

-- Name: search_timestamp(text, jsonb); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.search_timestamp(field text, v jsonb) RETURNS timestamp with time zone
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
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

-- Name: FUNCTION search_timestamp(field text, v jsonb); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.search_timestamp(field text, v jsonb) IS 'A timestamp from a search query (ISO 8601; LFVAL otherwise).';

-- Name: team_role_rank(text); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.team_role_rank(role text) RETURNS integer
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
  select case role when 'viewer' then 1 when 'editor' then 2 when 'admin' then 3 when 'owner' then 4 end;
$$;

-- Name: FUNCTION team_role_rank(role text); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.team_role_rank(role text) IS 'The rank of a team role (viewer 1, editor 2, admin 3, owner 4; null for anything else): the one declaration of the team roles, which the membership constraint, assert_role and has_team_role refer to.';

-- Name: text_trigram_terms(text); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.text_trigram_terms(t text) RETURNS SETOF text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select distinct 't:' operator(pg_catalog.||) pg_catalog.substr(pg_catalog.lower(t), i, 3)
    from pg_catalog.generate_series(1, pg_catalog.char_length(t) operator(pg_catalog.-) 2) i
   where t is not null;
$$;

-- Name: FUNCTION text_trigram_terms(t text); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.text_trigram_terms(t text) IS 'The bloom terms of an error text: every three-character window of its lower-case form. Inlinable (no SET clause; every name schema-qualified).';

-- Name: uuid_v7_time(uuid); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.uuid_v7_time(id uuid) RETURNS timestamp with time zone
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
  select pg_catalog.to_timestamp(
    (('x' || pg_catalog.lpad(pg_catalog.substr(pg_catalog.replace(id::text, '-', ''), 1, 12), 16, '0'))::bit(64)::bigint) / 1000.0);
$$;

-- Name: FUNCTION uuid_v7_time(id uuid); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.uuid_v7_time(id uuid) IS 'The creation time embedded in a version 7 UUID (millisecond precision).';

-- Name: workflow_snapshot_diff(jsonb, jsonb); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.workflow_snapshot_diff(a jsonb, b jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
  with
  na as (select x->>'name' as name, x as node from pg_catalog.jsonb_array_elements(coalesce(a->'nodes', '[]')) x),
  nb as (select x->>'name' as name, x as node from pg_catalog.jsonb_array_elements(coalesce(b->'nodes', '[]')) x),
  changed as (
    select na.name,
           (select pg_catalog.jsonb_agg(k order by k) from pg_catalog.jsonb_object_keys(na.node || nb.node) k
             where k <> 'name' and (na.node->k) is distinct from (nb.node->k)) as fields,
           na.node as old_node, nb.node as new_node
      from na join nb using (name)
     where na.node <> nb.node),
  settings_keys as (
    select k, a->'settings'->k as old_value, b->'settings'->k as new_value
      from (select pg_catalog.jsonb_object_keys(coalesce(a->'settings', '{}')) as k
            union select pg_catalog.jsonb_object_keys(coalesce(b->'settings', '{}'))) ks
     where (a->'settings'->k) is distinct from (b->'settings'->k))
  select pg_catalog.jsonb_build_object(
    'identical', a is not distinct from b,
    'workflow', coalesce((select pg_catalog.jsonb_object_agg(k, pg_catalog.jsonb_build_object('from', a->k, 'to', b->k))
                            from unnest(array['name', 'description', 'tags']) k where (a->k) is distinct from (b->k)), '{}'),
    'settings', pg_catalog.jsonb_build_object(
      'added', coalesce((select pg_catalog.jsonb_object_agg(k, new_value) from settings_keys where old_value is null), '{}'),
      'removed', coalesce((select pg_catalog.jsonb_object_agg(k, old_value) from settings_keys where new_value is null), '{}'),
      'changed', coalesce((select pg_catalog.jsonb_object_agg(k, pg_catalog.jsonb_build_object('from', old_value, 'to', new_value))
                             from settings_keys where old_value is not null and new_value is not null), '{}')),
    'nodes', pg_catalog.jsonb_build_object(
      'added', coalesce((select pg_catalog.jsonb_agg(nb.node order by nb.name collate "C") from nb where not exists (select 1 from na where na.name = nb.name)), '[]'),
      'removed', coalesce((select pg_catalog.jsonb_agg(na.node order by na.name collate "C") from na where not exists (select 1 from nb where nb.name = na.name)), '[]'),
      'changed', coalesce((select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                   'name', c.name, 'fields', c.fields,
                   'from', (select pg_catalog.jsonb_object_agg(f, c.old_node->f) from pg_catalog.jsonb_array_elements_text(c.fields) f),
                   'to', (select pg_catalog.jsonb_object_agg(f, c.new_node->f) from pg_catalog.jsonb_array_elements_text(c.fields) f))
                 order by c.name collate "C") from changed c), '[]')),
    'connections', pg_catalog.jsonb_build_object(
      'added', coalesce((select pg_catalog.jsonb_agg(x) from (select x from pg_catalog.jsonb_array_elements(coalesce(b->'connections', '[]')) x
                                                             except all select x from pg_catalog.jsonb_array_elements(coalesce(a->'connections', '[]')) x) d), '[]'),
      'removed', coalesce((select pg_catalog.jsonb_agg(x) from (select x from pg_catalog.jsonb_array_elements(coalesce(a->'connections', '[]')) x
                                                               except all select x from pg_catalog.jsonb_array_elements(coalesce(b->'connections', '[]')) x) d), '[]')),
    'triggers', pg_catalog.jsonb_build_object(
      'added', coalesce((select pg_catalog.jsonb_agg(x) from (select x from pg_catalog.jsonb_array_elements(coalesce(b->'triggers', '[]')) x
                                                             except all select x from pg_catalog.jsonb_array_elements(coalesce(a->'triggers', '[]')) x) d), '[]'),
      'removed', coalesce((select pg_catalog.jsonb_agg(x) from (select x from pg_catalog.jsonb_array_elements(coalesce(a->'triggers', '[]')) x
                                                               except all select x from pg_catalog.jsonb_array_elements(coalesce(b->'triggers', '[]')) x) d), '[]')));
$$;

-- Name: FUNCTION workflow_snapshot_diff(a jsonb, b jsonb); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.workflow_snapshot_diff(a jsonb, b jsonb) IS 'Structural diff of two canonical workflow snapshots: workflow attribute changes, settings keys added/removed/changed, nodes added/removed/changed (by name, with the changed fields and their old and new values), connections and triggers added/removed.';

-- Name: workflow_trigger_config_error(text, jsonb); Type: FUNCTION; Schema: app_hidden; Owner: -

CREATE FUNCTION app_hidden.workflow_trigger_config_error(type text, config jsonb) RETURNS text
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $_$
begin
  if config is null or pg_catalog.jsonb_typeof(config) <> 'object' then
    return 'config must be an object';
  end if;
  case type
    when 'schedule' then
      if pg_catalog.jsonb_typeof(config->'cron') is distinct from 'string' then
        return 'a schedule trigger needs config.cron';
      end if;
      if not app_public.is_valid_cron_expression(config->>'cron') then
        return pg_catalog.format('invalid cron expression %L', config->>'cron');
      end if;
      if config ? 'timezone' then
        if pg_catalog.jsonb_typeof(config->'timezone') <> 'string' then
          return 'config.timezone must be a string';
        end if;
        begin
          perform pg_catalog.timezone(config->>'timezone', pg_catalog.now());
        exception when others then
          return pg_catalog.format('unknown time zone %L', config->>'timezone');
        end;
      end if;
    when 'webhook' then
      if pg_catalog.jsonb_typeof(config->'path') is distinct from 'string'
         or (config->>'path') !~ '^[A-Za-z0-9][A-Za-z0-9/_.-]{0,199}$' then
        return 'a webhook trigger needs config.path (letters, digits, / _ . -; at most 200)';
      end if;
      if config ? 'method' and (pg_catalog.jsonb_typeof(config->'method') <> 'string'
          or (config->>'method') not in ('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD')) then
        return 'config.method must be one of GET POST PUT PATCH DELETE HEAD';
      end if;
    when 'event' then
      if pg_catalog.jsonb_typeof(config->'event_type') is distinct from 'string'
         or pg_catalog.char_length(config->>'event_type') not between 1 and 200 then
        return 'an event trigger needs config.event_type (1..200 characters)';
      end if;
    when 'manual' then
      null;
    else
      return pg_catalog.format('unknown trigger type %L', type);
  end case;
  return null;
end;
$_$;

-- Name: FUNCTION workflow_trigger_config_error(type text, config jsonb); Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON FUNCTION app_hidden.workflow_trigger_config_error(type text, config jsonb) IS 'Why a trigger config is invalid for its type, or null when it is valid: schedule needs a valid config.cron (optional config.timezone), webhook a config.path (optional config.method), event a config.event_type; manual takes any object.';

-- Name: append_events(text, text, bigint, jsonb, uuid); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.append_events(stream_id text, stream_type text, expected_version bigint, events jsonb, team_id uuid DEFAULT NULL::uuid) RETURNS TABLE(event_id uuid, stream_version bigint, global_position bigint)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_types text[];
  v_datas jsonb[];
  v_metadatas jsonb[];
  v_plain boolean;
begin
  if jsonb_typeof(events) = 'array' and jsonb_array_length(events) > 0 then
    select bool_and(jsonb_typeof(e.x) = 'object' and jsonb_typeof(e.x->'type') = 'string'
                    and coalesce(jsonb_typeof(e.x->'event_id'), 'null') = 'null'
                    and coalesce(e.x->'schema_version', '1'::jsonb) = '1'::jsonb),
           array_agg(e.x->>'type' order by e.o), array_agg(e.x->'data' order by e.o), array_agg(e.x->'metadata' order by e.o)
      into v_plain, v_types, v_datas, v_metadatas
      from jsonb_array_elements(events) with ordinality e(x, o);
    if v_plain then
      return query
      select a.event_id, a.stream_version, a.global_position
        from app_private.append_stream_events(append_events.stream_id, append_events.stream_type, append_events.expected_version,
                                              v_types, v_datas, v_metadatas, append_events.team_id) a;
      return;
    end if;
  end if;
  return query
  select a.event_id, a.stream_version, a.global_position
    from app_private.append_to_streams(jsonb_build_array(jsonb_build_object(
           'stream_id', append_events.stream_id, 'stream_type', append_events.stream_type,
           'expected_version', append_events.expected_version, 'team_id', append_events.team_id,
           'events', coalesce(append_events.events, 'null'::jsonb)))) a;
end;
$$;

-- Name: FUNCTION append_events(stream_id text, stream_type text, expected_version bigint, events jsonb, team_id uuid); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.append_events(stream_id text, stream_type text, expected_version bigint, events jsonb, team_id uuid) IS 'Appends events (a JSON array of {event_id?, type, data, metadata, schema_version?}) to one stream: the
single-stream form of app_private.append_to_streams, with the same rules and errors.
expected_version: null = any, 0 = the stream must not exist yet, n = the stream must be at version n.
A stale expectation raises LFVER naming the current version and writes nothing; re-appending the same event
ids returns the original result (also while the original is in flight); ids reused with other content or
elsewhere raise LFDUP; an empty array is a no-op; an archived stream raises LFARC; bad input raises LFVAL.
Sends a wake-up NOTIFY on linkflow_events (only while no other appending transaction holds the notify gate, advisory lock 41004/0) unless the setting linkflow.events_notify is off.
Called by the domain functions in the same transaction as their state change.';

-- Name: append_execution_events(jsonb); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.append_execution_events(p_appends jsonb) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
begin
  -- p_appends has the multi-stream form [{stream_id, stream_type, expected_version, team_id, events: [...]}]
  if jsonb_array_length(p_appends) = 0 then
    return;
  end if;
  perform 1 from app_private.append_to_streams(p_appends);
end;
$$;

-- Name: FUNCTION append_execution_events(p_appends jsonb); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.append_execution_events(p_appends jsonb) IS 'Appends the events of a batch of moves, [{stream_id, stream_type, expected_version, team_id, events}] (one entry per execution stream), in one call of app_private.append_to_streams: the engine''s one door to the event store.';

-- Name: append_input_problem(jsonb); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.append_input_problem(s jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $_$
  select case
    when pg_catalog.jsonb_typeof(s) is distinct from 'object' then 'appends'
    when pg_catalog.jsonb_typeof(s->'stream_id') is distinct from 'string'
      or pg_catalog.char_length(s->>'stream_id') not between 1 and 300 then 'stream_id'
    when pg_catalog.jsonb_typeof(s->'stream_type') is distinct from 'string'
      or pg_catalog.char_length(s->>'stream_type') not between 1 and 100 then 'stream_type'
    when coalesce(pg_catalog.jsonb_typeof(s->'expected_version'), 'null') <> 'null'
      and (s->>'expected_version') !~ '^[0-9]{1,18}$' then 'expected_version'
    when coalesce(pg_catalog.jsonb_typeof(s->'team_id'), 'null') <> 'null'
      and (s->>'team_id') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then 'team_id'
    when pg_catalog.jsonb_typeof(s->'events') is distinct from 'array' then 'events'
  end
$_$;

-- Name: FUNCTION append_input_problem(s jsonb); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.append_input_problem(s jsonb) IS 'The first invalid field of one element of app_private.append_to_streams'' appends argument (stream_id,
stream_type, expected_version, team_id, events), or null when the element is valid.';

-- Name: append_retry_result(text[], integer[], uuid[], text[], jsonb[], jsonb[]); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.append_retry_result(stream_ids text[], event_streams integer[], event_ids uuid[], types text[], datas jsonb[], metadatas jsonb[]) RETURNS TABLE(stream_id text, event_id uuid, stream_version bigint, global_position bigint)
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_same integer;
  v_other text;
begin
  -- An exact retry: every event carries an id, and each id is stored on the same stream with the same type,
  -- data and metadata.
  select count(*) filter (where e.stream_id = stream_ids[x.sidx] and e.type = x.type and e.data = x.data and e.metadata = x.meta),
         min(stream_ids[x.sidx]) filter (where e.event_id is null or e.stream_id <> stream_ids[x.sidx]
                                            or e.type <> x.type or e.data <> x.data or e.metadata <> x.meta)
    into v_same, v_other
    from unnest(event_streams, event_ids, types, datas, metadatas) as x(sidx, id, type, data, meta)
    left join app_public.events e on e.event_id = x.id;
  if v_same < cardinality(event_ids) then
    raise exception 'event ids already appended with other content or to another stream (stream %)', v_other
      using errcode = 'LFDUP', detail = format('stream %s', v_other),
      hint = 'A retry must repeat the original append exactly; new events need new ids.';
  end if;
  return query
  select e.stream_id, e.event_id, e.stream_version, e.global_position
    from unnest(event_ids) with ordinality as x(id, k)
    join app_public.events e on e.event_id = x.id
   order by x.k;
end;
$$;

-- Name: FUNCTION append_retry_result(stream_ids text[], event_streams integer[], event_ids uuid[], types text[], datas jsonb[], metadatas jsonb[]); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.append_retry_result(stream_ids text[], event_streams integer[], event_ids uuid[], types text[], datas jsonb[], metadatas jsonb[]) IS 'Part of app_private.append_to_streams: answers a retry. When the given events (stream index into stream_ids,
id, type, data, metadata, in input order) were all appended before, identically and to the same streams, returns
the original result in input order; otherwise raises LFDUP naming a stream.';

-- Name: append_stream_events(text, text, bigint, text[], jsonb[], jsonb[], uuid, uuid[]); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.append_stream_events(stream_id text, stream_type text, expected_version bigint, types text[], datas jsonb[], metadatas jsonb[], team_id uuid DEFAULT NULL::uuid, event_ids uuid[] DEFAULT NULL::uuid[]) RETURNS TABLE(event_id uuid, stream_version bigint, global_position bigint)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_n integer := coalesce(cardinality(types), 0);
  v_base bigint;
  v_team uuid;
begin
  -- 1. The lean path: well-formed events without caller ids, for an existing live stream that meets the
  --    expectation. The UPDATE bumps and locks the stream in one step.
  if v_n > 0 and event_ids is null
     and cardinality(datas) = v_n and cardinality(metadatas) = v_n
     and char_length(stream_id) between 1 and 300 and char_length(stream_type) between 1 and 100
     and (expected_version is null or expected_version > 0)
     and not exists (select 1 from unnest(types, metadatas) x(type, metadata)
                      where x.type is null or char_length(x.type) not between 1 and 200
                         or coalesce(jsonb_typeof(x.metadata), 'null') not in ('null', 'object')) then
    update app_public.event_streams s set version = s.version + v_n, updated_at = now()
     where s.id = append_stream_events.stream_id and not s.archived
       and (append_stream_events.expected_version is null or s.version = append_stream_events.expected_version)
    returning s.version - v_n, s.team_id into v_base, v_team;
    if found then
      perform app_private.events_wake_up();
      return query
      insert into app_public.events as ev (stream_id, stream_type, stream_version, event_id, type, schema_version, data, metadata, team_id)
      select append_stream_events.stream_id, append_stream_events.stream_type, v_base + x.ord, app_public.uuid_generate_v7(), x.type, 1,
             coalesce(x.data, '{}'::jsonb), coalesce(nullif(x.metadata, 'null'::jsonb), '{}'::jsonb),
             coalesce(append_stream_events.team_id, v_team)
        from unnest(types, datas, metadatas) with ordinality as x(type, data, metadata, ord)
       order by x.ord
      returning ev.event_id, ev.stream_version, ev.global_position;
      return;
    end if;
  end if;

  -- 2. Everything else: the careful path, with the same events as one element of append_to_streams.
  if coalesce(cardinality(datas), 0) <> v_n or coalesce(cardinality(metadatas), 0) <> v_n
     or (event_ids is not null and cardinality(event_ids) <> v_n) then
    raise exception 'types, datas, metadatas (and event_ids when given) must have one element per event'
      using errcode = 'LFVAL', detail = 'field: events';
  end if;
  if types is not null and v_n = 0 then
    return;  -- nothing to append: a no-op, as for an empty JSON array
  end if;
  return query
  select a.event_id, a.stream_version, a.global_position
    from app_private.append_to_streams(jsonb_build_array(jsonb_build_object(
           'stream_id', append_stream_events.stream_id, 'stream_type', append_stream_events.stream_type,
           'expected_version', append_stream_events.expected_version, 'team_id', append_stream_events.team_id,
           'events', (select coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object('event_id', x.id)) ||
                                                jsonb_build_object('type', x.type, 'data', x.data, 'metadata', x.metadata)
                                                order by x.ord), 'null'::jsonb)
                        from unnest(types, datas, metadatas, event_ids) with ordinality as x(type, data, metadata, id, ord))))) a;
end;
$$;

-- Name: FUNCTION append_stream_events(stream_id text, stream_type text, expected_version bigint, types text[], datas jsonb[], metadatas jsonb[], team_id uuid, event_ids uuid[]); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.append_stream_events(stream_id text, stream_type text, expected_version bigint, types text[], datas jsonb[], metadatas jsonb[], team_id uuid, event_ids uuid[]) IS 'The array form of append_events (owner only): appends events to one stream, given as parallel arrays (types, datas, metadatas, and optionally event_ids), with the rules and errors of app_private.append_to_streams.
expected_version: null = any, 0 = the stream must not exist yet, n = the stream must be at version n.
A well-formed append without event ids to an existing live stream that meets the expectation is one UPDATE of the stream and one INSERT of the events; everything else (a new stream, LFVER, LFARC, retries and LFDUP, LFVAL) goes through append_to_streams. Returns one row per event in order.';

-- Name: append_streams_events(text[], text[], uuid[], integer[], text[], jsonb[], jsonb[]); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.append_streams_events(stream_ids text[], stream_types text[], team_ids uuid[], event_streams integer[], types text[], datas jsonb[], metadatas jsonb[]) RETURNS TABLE(stream_id text, event_id uuid, stream_version bigint, global_position bigint)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
declare
  v_n integer := coalesce(cardinality(stream_ids), 0);
  v_e integer := coalesce(cardinality(types), 0);
  v_live integer;
  v_base bigint[];
  v_team uuid[];
begin
  -- 1. The lean path: well-formed arrays, distinct streams that all get events, all existing and live.
  if v_n > 0 and v_e > 0
     and cardinality(stream_types) = v_n and cardinality(team_ids) = v_n
     and cardinality(event_streams) = v_e and cardinality(datas) = v_e and cardinality(metadatas) = v_e
     and not exists (select 1 from unnest(stream_ids, stream_types) s(id, type)
                      where s.id is null or char_length(s.id) not between 1 and 300
                         or s.type is null or char_length(s.type) not between 1 and 100)
     and (select count(distinct s.id) from unnest(stream_ids) s(id)) = v_n
     and (select count(distinct x.k) from unnest(event_streams) x(k) where x.k between 1 and v_n) = v_n
     and not exists (select 1 from unnest(event_streams, types, metadatas) x(k, type, metadata)
                      where x.k is null or x.k not between 1 and v_n
                         or x.type is null or char_length(x.type) not between 1 and 200
                         or coalesce(jsonb_typeof(x.metadata), 'null') not in ('null', 'object')) then
    -- lock the streams in stream-id order (concurrent multi-stream appends never deadlock)
    select count(*) filter (where not l.archived) into v_live
      from (select s.archived from app_public.event_streams s where s.id = any (stream_ids) order by s.id for update) l;
    if v_live = v_n then
      with bumped as (
        update app_public.event_streams s set version = s.version + c.n, updated_at = now()
          from (select x.k, count(*) as n from unnest(event_streams) x(k) group by x.k) c
         where s.id = stream_ids[c.k]
        returning c.k, s.version - c.n as base, s.team_id
      )
      select array_agg(b.base order by b.k), array_agg(b.team_id order by b.k) into v_base, v_team from bumped b;
      perform app_private.events_wake_up();
      return query
      insert into app_public.events as ev (stream_id, stream_type, stream_version, event_id, type, schema_version, data, metadata, team_id)
      select stream_ids[x.k], stream_types[x.k], v_base[x.k] + row_number() over (partition by x.k order by x.ord),
             app_public.uuid_generate_v7(), x.type, 1, coalesce(x.data, '{}'::jsonb),
             coalesce(nullif(x.metadata, 'null'::jsonb), '{}'::jsonb), coalesce(team_ids[x.k], v_team[x.k])
        from unnest(event_streams, types, datas, metadatas) with ordinality as x(k, type, data, metadata, ord)
       order by x.ord
      returning ev.stream_id, ev.event_id, ev.stream_version, ev.global_position;
      return;
    end if;
  end if;

  -- 2. Everything else: the careful path, the same appends as JSON (streams in the given order, events in input order).
  if coalesce(cardinality(stream_types), 0) <> v_n or coalesce(cardinality(team_ids), 0) <> v_n
     or coalesce(cardinality(event_streams), 0) <> v_e or coalesce(cardinality(datas), 0) <> v_e
     or coalesce(cardinality(metadatas), 0) <> v_e then
    raise exception 'stream_ids, stream_types, team_ids (one per stream) and event_streams, types, datas, metadatas (one per event) must have matching lengths'
      using errcode = 'LFVAL', detail = 'field: events';
  end if;
  return query
  select * from app_private.append_to_streams((
    select coalesce(jsonb_agg(jsonb_build_object('stream_id', s.id, 'stream_type', s.type, 'expected_version', null, 'team_id', s.team,
                                                 'events', coalesce(e.events, '[]'::jsonb)) order by s.k), '[]'::jsonb)
      from unnest(stream_ids, stream_types, team_ids) with ordinality s(id, type, team, k)
      left join lateral (
        select jsonb_agg(jsonb_build_object('type', x.type, 'data', x.data, 'metadata', x.metadata) order by x.ord) as events
          from unnest(event_streams, types, datas, metadatas) with ordinality as x(k, type, data, metadata, ord)
         where x.k = s.k) e on true));
end;
$$;

-- Name: FUNCTION append_streams_events(stream_ids text[], stream_types text[], team_ids uuid[], event_streams integer[], types text[], datas jsonb[], metadatas jsonb[]); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.append_streams_events(stream_ids text[], stream_types text[], team_ids uuid[], event_streams integer[], types text[], datas jsonb[], metadatas jsonb[]) IS 'The multi-stream array form of the append (owner only), expected version "any" for every stream: streams as parallel arrays (stream_ids, stream_types, team_ids), events as parallel arrays (event_streams: the 1-based index of the event''s stream, types, datas, metadatas), in input order. When every stream exists and is live and every event is well formed: the streams are locked in id order, bumped in one UPDATE and the events inserted in one INSERT (stream versions in input order per stream). Anything else (a new stream, an archived stream, bad input) goes through app_private.append_to_streams with its rules and errors before anything is written. One row per event, in input order.';

-- Name: append_to_streams(jsonb); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.append_to_streams(appends jsonb) RETURNS TABLE(stream_id text, event_id uuid, stream_version bigint, global_position bigint)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
declare
  -- one entry per stream with events, sorted by stream id (the lock order)
  v_sid text[];
  v_type text[];
  v_expected bigint[];
  v_team uuid[];
  v_count integer[];
  v_pos integer[];          -- the stream's position in the input
  v_base bigint[];          -- the stream's version before this append (null: not yet locked and bumped)
  v_stream_team uuid[];     -- the stream's own team
  v_n integer;
  -- one entry per event, in input order
  e_sidx integer[];
  e_ord integer[];
  e_id uuid[];
  e_type text[];
  e_schema integer[];
  e_data jsonb[];
  e_meta jsonb[];
  v_total integer;
  v_with_ids integer;
  v_problem text;
  v_done integer;
  v_version bigint;
  v_archived boolean;
  v_team_of uuid;
begin
  if appends is null or jsonb_typeof(appends) <> 'array' then
    raise exception 'appends must be a JSON array' using errcode = 'LFVAL', detail = 'field: appends';
  end if;

  -- 1. The streams: bad elements and a stream named twice are refused; streams without events are skipped.
  select (array_agg(format('appends[%s].%s', a.pos - 1, p.problem) order by a.pos) filter (where p.problem is not null))[1]
    into v_problem
    from jsonb_array_elements(appends) with ordinality a(s, pos)
    cross join lateral (select app_private.append_input_problem(a.s) as problem) p;
  if v_problem is not null then
    raise exception '% is missing or invalid', v_problem using errcode = 'LFVAL',
      detail = format('field: %s', regexp_replace(v_problem, '^.*\.', '')),
      hint = 'stream_id: text 1..300, stream_type: text 1..100, expected_version: null | 0 | n, team_id: uuid | null, events: array';
  end if;
  select array_agg(a.s->>'stream_id' order by a.s->>'stream_id'),
         array_agg(a.s->>'stream_type' order by a.s->>'stream_id'),
         array_agg((a.s->>'expected_version')::bigint order by a.s->>'stream_id'),
         array_agg((a.s->>'team_id')::uuid order by a.s->>'stream_id'),
         array_agg(jsonb_array_length(a.s->'events') order by a.s->>'stream_id'),
         array_agg(a.pos::integer order by a.s->>'stream_id')
    into v_sid, v_type, v_expected, v_team, v_count, v_pos
    from jsonb_array_elements(appends) with ordinality a(s, pos)
   where jsonb_array_length(a.s->'events') > 0;
  if v_sid is null then
    return;
  end if;
  v_n := cardinality(v_sid);
  if v_n > 1 and (select count(distinct x) from unnest(v_sid) x) < v_n then
    raise exception 'a stream appears more than once in one append' using errcode = 'LFVAL', detail = 'field: stream_id',
      hint = 'Put all of a stream''s events in one element.';
  end if;

  -- 2. The events, in input order (stream by stream as given, then event by event): bad events and an event id
  --    given twice are refused.
  -- (one sort of the events by input position feeds every aggregate, in that order)
  select count(*), count(x.id),
         array_agg(x.sidx), array_agg(x.ord), array_agg(x.id), array_agg(x.e->>'type'),
         array_agg(case when x.problem is null then coalesce((x.e->>'schema_version')::integer, 1) end),
         array_agg(coalesce(x.e->'data', '{}'::jsonb)),
         array_agg(coalesce(nullif(x.e->'metadata', 'null'::jsonb), '{}'::jsonb)),
         (array_agg(format('appends[%s].events[%s].%s', x.pos - 1, x.ord - 1, x.problem)) filter (where x.problem is not null))[1]
    into v_total, v_with_ids, e_sidx, e_ord, e_id, e_type, e_schema, e_data, e_meta, v_problem
    from (select u.sidx::integer as sidx, u.pos, ev.ord::integer as ord, ev.e, p.problem,
                 case when p.problem is null then (ev.e->>'event_id')::uuid end as id
            from unnest(v_pos) with ordinality u(pos, sidx)
            cross join lateral jsonb_array_elements((appends->(u.pos - 1))->'events') with ordinality ev(e, ord)
            cross join lateral (select app_private.event_input_problem(ev.e) as problem) p
           order by u.pos, ev.ord) x;
  if v_problem is not null then
    raise exception '% is missing or invalid', v_problem using errcode = 'LFVAL',
      detail = format('field: %s', regexp_replace(v_problem, '^.*\.', '')),
      hint = 'An event is {event_id?: uuid, type: text 1..200, data?: json, metadata?: object, schema_version?: integer >= 1}.';
  end if;
  if v_with_ids > 1 and (select count(distinct x) from unnest(e_id) x) < v_with_ids then
    raise exception 'an event id appears more than once in one append' using errcode = 'LFVAL', detail = 'field: event_id';
  end if;

  -- 3. Lock the existing streams in stream-id order: concurrent multi-stream appends never deadlock, and an
  --    in-flight append to them (the original of a retry) finishes first.
  if v_n > 1 or v_with_ids > 0 then
    perform 1 from app_public.event_streams s where s.id = any (v_sid) order by s.id for update;
  end if;

  -- 4. A retry (caller ids already stored): the original result, or LFDUP.
  if v_with_ids > 0 and exists (select 1 from app_public.events e where e.event_id = any (e_id)) then
    return query select * from app_private.append_retry_result(v_sid, e_sidx, e_id, e_type, e_data, e_meta);
    return;
  end if;

  -- 5. Bump every existing stream whose expectation holds, in one statement.
  with bumped as (
    update app_public.event_streams s
       set version = s.version + c.n, updated_at = now()
      from unnest(v_sid, v_count, v_expected) with ordinality c(sid, n, expected, i)
     where s.id = c.sid and not s.archived and (c.expected is null or s.version = c.expected)
    returning c.i, s.version - c.n as base, s.team_id
  )
  select (select count(*) from bumped),
         array(select b.base from generate_series(1, v_n) k left join bumped b on b.i = k order by k),
         array(select b.team_id from generate_series(1, v_n) k left join bumped b on b.i = k order by k)
    into v_done, v_base, v_stream_team;

  if v_done < v_n then
    -- 6. New streams (expected any or none): created already bumped, in stream-id order.
    with created as (
      insert into app_public.event_streams as s (id, type, team_id, version)
      select c.sid, c.stype, c.team, c.n
        from unnest(v_sid, v_type, v_team, v_count, v_expected, v_base) c(sid, stype, team, n, expected, base)
       where c.base is null and (c.expected is null or c.expected = 0)
       order by c.sid
      on conflict (id) do nothing
      returning s.id, s.team_id
    )
    select v_done + (select count(*) from created),
           array(select case when cr.id is not null then 0 else v_base[k] end
                   from generate_series(1, v_n) k left join created cr on cr.id = v_sid[k] order by k),
           array(select case when cr.id is not null then cr.team_id else v_stream_team[k] end
                   from generate_series(1, v_n) k left join created cr on cr.id = v_sid[k] order by k)
      into v_done, v_base, v_stream_team;

    -- 7. The careful path, stream by stream: lock it, answer a retry whose original committed meanwhile, or
    --    say why the append is refused, or bump it.
    for i in 1 .. v_n loop
      continue when v_base[i] is not null;
      select s.version, s.archived, s.team_id into v_version, v_archived, v_team_of
        from app_public.event_streams s where s.id = v_sid[i] for update;
      if v_with_ids > 0 and exists (select 1 from app_public.events e where e.event_id = any (e_id)) then
        if v_done > 0 then
          raise exception 'event ids already appended while this append ran (stream %)', v_sid[i]
            using errcode = 'LFDUP', detail = format('stream %s', v_sid[i]);
        end if;
        return query select * from app_private.append_retry_result(v_sid, e_sidx, e_id, e_type, e_data, e_meta);
        return;
      end if;
      if not found then
        raise exception 'stream % does not exist, not at the expected version %', v_sid[i], v_expected[i]
          using errcode = 'LFVER', detail = format('current_version=0 stream_id=%s', v_sid[i]);
      end if;
      if v_archived then
        raise exception 'stream % is archived', v_sid[i] using errcode = 'LFARC', detail = format('stream_id=%s', v_sid[i]);
      end if;
      if v_expected[i] is not null and v_expected[i] <> v_version then
        raise exception 'stream % is at version %, not the expected %', v_sid[i], v_version, v_expected[i]
          using errcode = 'LFVER', detail = format('current_version=%s stream_id=%s', v_version, v_sid[i]);
      end if;
      update app_public.event_streams s set version = v_version + v_count[i], updated_at = now() where s.id = v_sid[i];
      v_base[i] := v_version;
      v_stream_team[i] := v_team_of;
      v_done := v_done + 1;
    end loop;
  end if;

  -- 8. Wake-up (app_private.events_wake_up: the notify gate).
  perform app_private.events_wake_up();

  -- 9. One INSERT of every event, in input order. With caller ids, an id that another append (on other
  --    streams, so no stream lock ordered the two) stored meanwhile is LFDUP, never a raw unique violation.
  if v_with_ids = 0 then
    return query
    insert into app_public.events as ev (stream_id, stream_type, stream_version, event_id, type, schema_version, data, metadata, team_id)
    select v_sid[x.sidx], v_type[x.sidx], v_base[x.sidx] + x.ord, app_public.uuid_generate_v7(), x.type, x.sv, x.data, x.meta,
           coalesce(v_team[x.sidx], v_stream_team[x.sidx])
      from unnest(e_sidx, e_ord, e_type, e_schema, e_data, e_meta) as x(sidx, ord, type, sv, data, meta)
    returning ev.stream_id, ev.event_id, ev.stream_version, ev.global_position;
  else
    return query
    insert into app_public.events as ev (stream_id, stream_type, stream_version, event_id, type, schema_version, data, metadata, team_id)
    select v_sid[x.sidx], v_type[x.sidx], v_base[x.sidx] + x.ord, coalesce(x.id, app_public.uuid_generate_v7()), x.type, x.sv, x.data, x.meta,
           coalesce(v_team[x.sidx], v_stream_team[x.sidx])
      from unnest(e_sidx, e_ord, e_id, e_type, e_schema, e_data, e_meta) as x(sidx, ord, id, type, sv, data, meta)
    on conflict on constraint events_event_id_key do nothing
    returning ev.stream_id, ev.event_id, ev.stream_version, ev.global_position;
    get diagnostics v_done = row_count;
    if v_done < v_total then
      raise exception 'event ids already appended by a concurrent append to another stream' using errcode = 'LFDUP',
        detail = 'field: event_id', hint = 'A retry must repeat the original append exactly; new events need new ids.';
    end if;
  end if;
end;
$$;

-- Name: FUNCTION append_to_streams(appends jsonb); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.append_to_streams(appends jsonb) IS 'The event store''s append: appends events to one or more streams atomically (all or nothing).
appends: a JSON array of {stream_id, stream_type, expected_version, team_id, events}, where expected_version is
null (any), 0 (the stream must not exist yet) or n (the stream must be at version n), team_id (optional) is the
owning team (default: the stream''s), and events is an array of {event_id?, type, data, metadata?, schema_version?}.
Returns one row per event in input order: stream_id, event_id, stream_version, global_position.
Rules: a stale expectation raises LFVER (DETAIL current_version=N stream_id=S, message names the stream); an
archived stream raises LFARC; bad input raises LFVAL (DETAIL field: F, message names the element); a stream
given twice or an event id given twice is LFVAL; elements with no events are skipped (an all-empty call is a
no-op). A retry with the same event ids returns the original result, also when it arrives while the original
is still in flight (it waits for the original to commit; after a rollback it appends normally); reused ids with
other content, another stream or beside new events raise LFDUP. Streams are locked in stream-id order, so
concurrent multi-stream appends do not deadlock. Sends a wake-up NOTIFY on linkflow_events (only while no
other appending transaction holds the notify gate, advisory lock 41004/0) unless linkflow.events_notify is off.
Called by the domain functions in the same transaction as their state change.';

-- Name: apply_execution_move_requests(app_private.execution_move_request[], uuid, boolean); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.apply_execution_move_requests(p_requests app_private.execution_move_request[], p_actor uuid DEFAULT NULL::uuid, p_check_role boolean DEFAULT false) RETURNS SETOF app_public.execution_transition_result
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
declare
  v_moves app_private.execution_move[];
begin
  if cardinality(p_requests) > 10000 then
    raise exception 'at most 10000 transitions per call' using errcode = 'LFLIM', detail = format('limit=10000 size=%s', cardinality(p_requests));
  end if;
  if coalesce(cardinality(p_requests), 0) = 0 then
    return;
  end if;
  v_moves := array(
    select p from app_private.plan_execution_moves(
      p_requests,
      array(select l from app_private.lock_executions(array(select r.execution_id from unnest(p_requests) r)) l),
      p_check_role) p);
  perform app_private.write_execution_moves(v_moves, p_actor);
  return query
    select m.ord, m.execution_id,
           case when m.execution_created_at is not null and m.denied is null then m.execution_created_at end,
           m.ok, m.error_code,
           case when m.error_code = 'LFNTF' then null else m.state end,
           case when m.ok then m.version end,
           case when m.error_code = 'LFNTF' then null else m.attempt end
      from unnest(v_moves) m
     order by m.ord;
end;
$$;

-- Name: FUNCTION apply_execution_move_requests(p_requests app_private.execution_move_request[], p_actor uuid, p_check_role boolean); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.apply_execution_move_requests(p_requests app_private.execution_move_request[], p_actor uuid, p_check_role boolean) IS 'The transition engine''s batched path over parsed requests (owner only): lock_executions (id order), plan_execution_moves (input order, several moves per execution allowed; the state machine decides each), write_execution_moves (set-based: rows, transitions, events through the event store''s append, metric samples). Returns one result per request in ord order; refused requests write nothing and report error_code + current_state; unexpected errors abort the whole call. At most 10000 requests (LFLIM). apply_execution_transitions is its JSON form; callers holding typed ids (app_private.bulk_action_step) build the requests themselves (ord from 1, well_formed true).';

-- Name: apply_execution_transitions(jsonb, uuid, boolean); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.apply_execution_transitions(p_items jsonb, p_actor uuid DEFAULT NULL::uuid, p_check_role boolean DEFAULT false) RETURNS SETOF app_public.execution_transition_result
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
declare
  v_requests app_private.execution_move_request[];
  one app_private.execution_move_request;
begin
  if p_items is null or jsonb_typeof(p_items) <> 'array' then
    raise exception 'items must be a JSON array' using errcode = 'LFVAL', detail = 'field: items';
  end if;
  if jsonb_array_length(p_items) > 10000 then
    raise exception 'at most 10000 transitions per call' using errcode = 'LFLIM', detail = format('limit=10000 size=%s', jsonb_array_length(p_items));
  end if;
  v_requests := array(select r from app_private.parse_execution_moves(p_items) r);
  if cardinality(v_requests) = 0 then
    return;
  end if;
  if cardinality(v_requests) = 1 then
    -- one item: the lean single move
    one := v_requests[1];
    return query select (m.result).* from app_private.move_execution(
      one.execution_id, one.to_state, one.expected_from,
      case when one.well_formed then one.details else coalesce(p_items->0->'details', 'false'::jsonb) end,
      p_actor, p_check_role) m;
    return;
  end if;
  return query select * from app_private.apply_execution_move_requests(v_requests, p_actor, p_check_role);
end;
$$;

-- Name: FUNCTION apply_execution_transitions(p_items jsonb, p_actor uuid, p_check_role boolean); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.apply_execution_transitions(p_items jsonb, p_actor uuid, p_check_role boolean) IS 'The transition engine (owner only). items: [{id, to_state, expected_from?, details?: {reason?, output?, error?, correlation_id?, causation_id?, trace_id?, ...}}] (at most 10000).
One item takes the lean path (move_execution). More: parse_execution_moves, then apply_execution_move_requests (lock_executions in id order,
plan_execution_moves in input order with several moves per execution allowed, write_execution_moves set-based). Returns one result per item in
input order; refused items write nothing and report error_code + current_state; unexpected errors abort the whole call.';

-- Name: apply_workflow_version_retention(integer, uuid); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.apply_workflow_version_retention(keep_last integer DEFAULT NULL::integer, only_workflow_id uuid DEFAULT NULL::uuid) RETURNS TABLE(workflow_id uuid, deleted integer, skipped boolean)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  k integer := coalesce(keep_last, (select s.retention_keep_last from app_private.workflow_settings s where s.id));
  wf record;
  n integer;
begin
  if k is null then
    return; -- the default policy: keep every version
  end if;
  if k < 1 then
    raise exception 'keep_last must be at least 1' using errcode = 'LFVAL', detail = 'field: keep_last';
  end if;
  for wf in
    select w.id, w.current_version from app_public.workflows w
     where (only_workflow_id is null or w.id = only_workflow_id)
       and exists (select 1 from app_public.workflow_versions v where v.workflow_id = w.id and v.version <= w.current_version - k)
     order by w.id
  loop
    begin
      delete from app_public.workflow_versions v
       where v.workflow_id = wf.id
         and v.version <= wf.current_version - k
         and not exists (select 1 from app_public.workflow_activations a where a.workflow_id = v.workflow_id and a.version = v.version)
         and not exists (select 1 from app_public.executions e where e.workflow_id = v.workflow_id and e.workflow_version = v.version);
      get diagnostics n = row_count;
      workflow_id := wf.id; deleted := n; skipped := false;
      if n > 0 then
        return next;
      end if;
    exception when foreign_key_violation then
      -- an execution pinned a version concurrently: leave this workflow for the next run
      workflow_id := wf.id; deleted := 0; skipped := true;
      return next;
    end;
  end loop;
end;
$$;

-- Name: FUNCTION apply_workflow_version_retention(keep_last integer, only_workflow_id uuid); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.apply_workflow_version_retention(keep_last integer, only_workflow_id uuid) IS 'Applies the retention policy (keep_last, default workflow_settings.retention_keep_last; null keeps everything): deletes versions older than the last keep_last, except versions that were ever active and versions pinned by executions. Returns the workflows touched. Run by the workflow_version_retention task.';

-- Name: archive_batch_documents(uuid[]); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.archive_batch_documents(batch_ids uuid[]) RETURNS TABLE(batch_id uuid, row_no integer, id uuid, team_id uuid, workflow_id uuid, workflow_version integer, state text, trigger_type text, trigger_id uuid, input jsonb, output jsonb, error jsonb, attempt integer, idempotency_key text, version integer, created_at bigint, started_at bigint, finished_at bigint, duration_ms bigint, updated_at bigint, transitions json, node_runs json, transition_count integer, node_run_count integer, actor_ids uuid[], pg_bytes bigint)
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    SET jit TO 'off'
    SET "DateStyle" TO 'ISO, YMD'
    AS $$
  select a.batch_id, a.row_no, e.id, e.team_id, e.workflow_id, e.workflow_version, e.state, e.trigger_type, e.trigger_id,
         e.input, e.output, e.error, e.attempt, e.idempotency_key, e.version,
         (extract(epoch from e.created_at) * 1000000)::bigint, (extract(epoch from e.started_at) * 1000000)::bigint,
         (extract(epoch from e.finished_at) * 1000000)::bigint, e.duration_ms, (extract(epoch from e.updated_at) * 1000000)::bigint,
         coalesce(t.docs, '[]'::json), coalesce(n.docs, '[]'::json), t.n::integer, n.n::integer, t.actors,
         pg_column_size(e.*)::bigint + coalesce(t.bytes, 0) + coalesce(n.bytes, 0)
    from app_private.archived_executions a
    join app_public.executions e on e.id = a.execution_id and e.created_at = a.created_at
   cross join lateral (
     select json_agg(json_build_object('seq', x.seq, 'from_state', x.from_state, 'to_state', x.to_state,
              'at', replace(rpad((x.at at time zone 'UTC')::text, 26, case when length((x.at at time zone 'UTC')::text) = 19 then '.000000' else '0' end), ' ', 'T') || 'Z', 'actor_id', x.actor_id, 'reason', x.reason,
              'details', x.details) order by x.seq) as docs,
            count(*) as n, array_agg(distinct x.actor_id) filter (where x.actor_id is not null) as actors,
            sum(pg_column_size(x.*))::bigint as bytes
       from app_public.execution_transitions x
      where x.execution_id = e.id and x.execution_created_at = e.created_at) t
   cross join lateral (
     select json_agg(json_build_object('node_name', r.node_name, 'node_id', r.node_id, 'attempt', r.attempt, 'status', r.status,
              'started_at', replace(rpad((r.started_at at time zone 'UTC')::text, 26, case when length((r.started_at at time zone 'UTC')::text) = 19 then '.000000' else '0' end), ' ', 'T') || 'Z',
              'finished_at', replace(rpad((r.finished_at at time zone 'UTC')::text, 26, case when length((r.finished_at at time zone 'UTC')::text) = 19 then '.000000' else '0' end), ' ', 'T') || 'Z',
              'output', r.output, 'error', r.error) order by r.node_name, r.attempt) as docs,
            count(*) as n, sum(pg_column_size(r.*))::bigint as bytes
       from app_public.execution_node_runs r
      where r.execution_id = e.id and r.execution_created_at = e.created_at) n
   where a.batch_id = any(batch_ids);
$$;

-- Name: FUNCTION archive_batch_documents(batch_ids uuid[]); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.archive_batch_documents(batch_ids uuid[]) IS 'The hot executions of planned batches as the archiver writes them: each with its batch and row number, transitions and node runs as nested JSON (ordered; timestamps as ISO strings with microseconds, the text of app_private.archive_iso), top-level timestamps as exact epoch microseconds, the nested row counts, the transitions'' actors and pg_bytes (the PostgreSQL size of the rows, pg_column_size). Rows come in no particular order: order by row_no. An execution of a batch that is no longer hot is absent.';

-- Name: archive_batch_is_held(uuid); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.archive_batch_is_held(batch_id uuid) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
  select exists (
    select 1 from app_private.archived_executions a
     where a.batch_id = archive_batch_is_held.batch_id
       and app_private.archive_is_held(a.team_id, a.workflow_id, a.execution_id));
$$;

-- Name: FUNCTION archive_batch_is_held(batch_id uuid); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.archive_batch_is_held(batch_id uuid) IS 'True when an active legal hold covers any execution of the batch.';

-- Name: archive_candidates(integer, timestamp with time zone); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.archive_candidates(default_hot_days integer, terminal_before timestamp with time zone DEFAULT now()) RETURNS TABLE(team_id uuid, day date, executions bigint)
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
  select d.team_id, d.day, count(*) from app_private.lifecycle_archive_due(default_hot_days, null, terminal_before) d
   group by 1, 2 order by 2, 1;
$$;

-- Name: FUNCTION archive_candidates(default_hot_days integer, terminal_before timestamp with time zone); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.archive_candidates(default_hot_days integer, terminal_before timestamp with time zone) IS 'Teams and UTC days with executions due for the archive under the retention policies (app_private.lifecycle_archive_due; default_hot_days is the fallback).';

-- Name: archive_delete_batch(uuid); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.archive_delete_batch(batch_id uuid) RETURNS boolean
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  b app_private.archive_batches;
  v_deleted integer;
begin
  select * into b from app_private.archive_batches x where x.id = archive_delete_batch.batch_id for update;
  if not found then
    raise exception 'archive batch % not found', batch_id using errcode = 'LFNTF';
  end if;
  if b.state = 'deleted' then
    return true;
  end if;
  if b.state <> 'verified' then
    raise exception 'archive batch % is %', batch_id, b.state using errcode = 'LFSTA', detail = format('current_state=%s', b.state);
  end if;
  if app_private.archive_batch_is_held(b.id) then
    return false;
  end if;
  -- transitions and node runs go with their execution (foreign keys on delete cascade)
  delete from app_public.executions e
   using app_private.archived_executions a
   where a.batch_id = b.id and e.id = a.execution_id and e.created_at = a.created_at
     and e.created_at >= b.min_created_at and e.created_at <= b.max_created_at;
  get diagnostics v_deleted = row_count;
  update app_private.archive_batches x set state = 'deleted', deleted_at = now(), updated_at = now() where x.id = b.id;
  perform app_private.archive_event(b.team_id, 'ArchiveBatchDeleted',
    jsonb_build_object('batch_id', b.id, 'key', b.key, 'mode', 'rows', 'hot_rows_deleted', v_deleted));
  return true;
end;
$$;

-- Name: FUNCTION archive_delete_batch(batch_id uuid); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.archive_delete_batch(batch_id uuid) IS 'Deletes the hot rows of a verified batch (executions, with their transitions and node runs by cascade) and marks it deleted, in one transaction. Returns false (and deletes nothing) while a legal hold covers any of its executions.';

-- Name: archive_delete_batches(uuid[]); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.archive_delete_batches(batch_ids uuid[]) RETURNS TABLE(batch_id uuid, deleted boolean)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_bad record;
  v_ok uuid[];
  v_events integer;
begin
  perform 1 from app_private.archive_batches x where x.id = any(batch_ids) order by x.id for update of x;
  select k.id, x.id as found_id, x.state into v_bad
    from unnest(batch_ids) k(id) left join app_private.archive_batches x on x.id = k.id
   where x.id is null or x.state not in ('verified', 'deleted') order by (x.id is null) desc limit 1;
  if found and v_bad.found_id is null then
    raise exception 'archive batch % not found', v_bad.id using errcode = 'LFNTF';
  elsif found then
    raise exception 'archive batch % is %', v_bad.id, v_bad.state using errcode = 'LFSTA', detail = format('current_state=%s', v_bad.state);
  end if;
  -- batches a legal hold covers keep their rows (served hot)
  select coalesce(array_agg(x.id), '{}') into v_ok
    from app_private.archive_batches x
   where x.id = any(batch_ids) and x.state = 'verified'
     and not exists (select 1 from app_private.archived_executions a
                      where a.batch_id = x.id and app_private.archive_is_held(a.team_id, a.workflow_id, a.execution_id));
  with gone as (
    delete from app_public.executions e
     using app_private.archived_executions a
     where a.batch_id = any(v_ok) and e.id = a.execution_id and e.created_at = a.created_at
    returning a.batch_id
  ), counts as (
    select g.batch_id, count(*) as n from gone g group by g.batch_id
  ), marked as (
    update app_private.archive_batches x set state = 'deleted', deleted_at = now(), updated_at = now()
     where x.id = any(v_ok)
    returning x.id, x.team_id, x.key
  )
  select app_private.archive_events(jsonb_agg(jsonb_build_object('team_id', m.team_id, 'type', 'ArchiveBatchDeleted',
           'data', jsonb_build_object('batch_id', m.id, 'key', m.key, 'mode', 'rows', 'hot_rows_deleted', coalesce(c.n, 0)))
           order by array_position(batch_ids, m.id)))
    into v_events
    from marked m left join counts c on c.batch_id = m.id;
  return query
  select k.id, x.state = 'deleted' from unnest(batch_ids) with ordinality k(id, ord) join app_private.archive_batches x on x.id = k.id order by k.ord;
end;
$$;

-- Name: FUNCTION archive_delete_batches(batch_ids uuid[]); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.archive_delete_batches(batch_ids uuid[]) IS 'app_private.archive_delete_batch for many batches at once: the hot rows of every verified batch no legal hold covers are deleted by one statement (transitions and node runs by cascade) and the batches marked deleted, one ArchiveBatchDeleted event (mode rows) each. Held batches keep their rows (deleted false); already deleted ones answer true. Refuses with LFNTF (unknown batch) or LFSTA (a batch not verified). Returns one row per batch, in input order.';

-- Name: archive_drop_partitions(date, integer); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.archive_drop_partitions(before_day date, max_days integer DEFAULT 3) RETURNS TABLE(day date, batches integer)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET jit TO 'off'
    AS $_$
declare
  v_day date;
  v_part text;
  v_runs text;
  v_transitions text;
  v_busy boolean;
  v_ids uuid[];
  v_lock_timeout text := current_setting('lock_timeout');
begin
  for v_day in
    select substring(c.relname from '_p(\d{8})$')::date as d
      from pg_inherits i join pg_class c on c.oid = i.inhrelid
     where i.inhparent = 'app_public.executions'::regclass and c.relname ~ '_p\d{8}$'
     order by 1
  loop
    exit when v_day >= before_day or coalesce(max_days, 3) <= 0;
    max_days := coalesce(max_days, 3) - 1;
    v_part := 'app_partitions.' || quote_ident(app_private.partition_name('app_public.executions'::regclass, v_day));
    v_runs := 'app_partitions.' || quote_ident(app_private.partition_name('app_public.execution_node_runs'::regclass, v_day));
    v_transitions := 'app_partitions.' || quote_ident(app_private.partition_name('app_public.execution_transitions'::regclass, v_day));
    -- Every lock the drop needs, first and at once (the parents, then the day's partitions), waiting at most
    -- linkflow.archive_drop_lock_timeout (a session setting; default 500 ms): a reader or
    -- writer of those tables is never deadlocked by the drop, nor queued behind it for longer; when the locks are
    -- not had in time the day stays for the next run (its rows are deleted by batch meanwhile). The check below
    -- then runs under the lock, so no row (a restore, say) can arrive between the check and the drop.
    begin
      perform set_config('lock_timeout', coalesce(nullif(current_setting('linkflow.archive_drop_lock_timeout', true), ''), '500ms'), true);
      execute format('lock table only app_public.executions, only app_public.execution_transitions, only app_public.execution_node_runs, %s, %s, %s in access exclusive mode',
        v_part, v_transitions, v_runs);
      perform set_config('lock_timeout', v_lock_timeout, true);
    exception when lock_not_available then
      perform set_config('lock_timeout', v_lock_timeout, true);
      raise notice 'archive_drop_partitions: the partitions of % are in use; left for the next run', v_day;
      exit;
    end;
    -- every row must belong to a verified batch that no legal hold covers: one pass over the day's rows, each found
    -- in the index by its primary key (so no estimate of the batches can turn it into a nested rescan), which also
    -- yields the day's batches; then the active holds (few) joined to the day's rows by the rule of
    -- app_private.archive_is_held
    execute format($q$
      select coalesce(bool_or(bb.state is distinct from 'verified'), false), coalesce(array_agg(distinct a.batch_id) filter (where a.batch_id is not null), '{}')
        from %1$s e
        left join app_private.archived_executions a on a.execution_id = e.id
        left join app_private.archive_batches bb on bb.id = a.batch_id$q$, v_part) into v_busy, v_ids;
    exit when v_busy;
    execute format($q$
      select exists (select 1 from app_private.legal_holds h join %1$s e on e.team_id = h.team_id
                      where h.released_at is null
                        and (h.workflow_id is null and h.execution_id is null or h.workflow_id = e.workflow_id or h.execution_id = e.id))$q$,
      v_part) into v_busy;
    exit when v_busy;
    -- a batch may span only this day (batches are per team and day), so all its rows are in this partition
    perform 1 from app_private.archive_batches x where x.id = any(v_ids) order by x.id for update;
    -- the day's rows leave hot usage here, per team in one pass over each of the day's three partitions (every
    -- row of them belongs to one of these batches); the batches' usage trigger then counts only their cold side
    perform app_private.archive_subtract_hot_usage_of_day(v_day);
    perform set_config('linkflow.archive_hot_usage_counted', 'on', true);
    update app_private.archive_batches x set state = 'deleted', deleted_at = now(), updated_at = now() where x.id = any(v_ids);
    perform set_config('linkflow.archive_hot_usage_counted', '', true);
    perform app_private.archive_events((
      select jsonb_agg(jsonb_build_object('team_id', x.team_id, 'type', 'ArchiveBatchDeleted',
               'data', jsonb_build_object('batch_id', x.id, 'key', x.key, 'mode', 'partition', 'day', v_day)) order by x.id)
        from app_private.archive_batches x where x.id = any(v_ids)));
    -- the day's transitions and node runs first: their foreign keys are the only references to the day's executions
    execute format('drop table %s, %s', v_runs, v_transitions);
    execute format('drop table %s', v_part);
    day := v_day; batches := coalesce(array_length(v_ids, 1), 0);
    return next;
  end loop;
end;
$_$;

-- Name: FUNCTION archive_drop_partitions(before_day date, max_days integer); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.archive_drop_partitions(before_day date, max_days integer) IS 'From the oldest day forward (so no partition gap appears) and before before_day: when every execution of a day partition belongs to a verified, unheld batch, drops that day''s partitions of execution_node_runs, execution_transitions and executions (DROP TABLE; their foreign keys are day-local, so no other day is checked) and marks the batches deleted, instead of deleting rows. Takes every lock it needs first, at once, waiting at most linkflow.archive_drop_lock_timeout (default 500 ms): readers and writers are never deadlocked by it nor queued behind it for longer; a day whose tables are in use is left for the next run (RAISE NOTICE). The check runs under the lock. Stops at the first day that still holds other rows, or after max_days days (each dropped partition holds locks until commit: call again for more).';

-- Name: archive_erase_team(uuid); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.archive_erase_team(team_id uuid) RETURNS TABLE(batch_id uuid, key text)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  b record;
begin
  if exists (select 1 from app_private.legal_holds h where h.team_id = archive_erase_team.team_id and h.released_at is null) then
    raise exception 'team % is under legal hold', team_id using errcode = 'LFCNF', detail = 'field: team_id';
  end if;
  for b in select x.id, x.key, x.state, x.bytes from app_private.archive_batches x
            where x.team_id = archive_erase_team.team_id and x.state not in ('erased', 'restored') order by x.id for update loop
    if b.bytes is not null and b.state <> 'expired' then
      insert into app_private.archive_object_deletions (key, reason) values (b.key, 'erased') on conflict do nothing;
    end if;
    delete from app_private.archived_executions a where a.batch_id = b.id;
    update app_private.archive_batches x set state = 'erased', erased_at = now(), actor_ids = '{}', updated_at = now() where x.id = b.id;
    perform app_private.archive_event(archive_erase_team.team_id, 'ArchiveBatchErased', jsonb_build_object('batch_id', b.id, 'key', b.key));
    batch_id := b.id; key := b.key;
    return next;
  end loop;
end;
$$;

-- Name: FUNCTION archive_erase_team(team_id uuid); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.archive_erase_team(team_id uuid) IS 'Erases a team''s archived data: every batch file is queued for deletion (files hold one team only, so the rewrite is a removal), index entries are removed, manifest entries are kept as erased. Refused (LFCNF) under a legal hold.';

-- Name: archive_event(uuid, text, jsonb); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.archive_event(team_id uuid, type text, data jsonb) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
begin
  perform 1 from app_private.append_events(
    'archive-' || archive_event.team_id::text, 'archive', null,
    jsonb_build_array(jsonb_build_object('type', archive_event.type, 'data', data || jsonb_build_object('team_id', archive_event.team_id),
      'metadata', jsonb_build_object('actor', app_public.current_user_id()))),
    (select t.id from app_public.teams t where t.id = archive_event.team_id));
end;
$$;

-- Name: FUNCTION archive_event(team_id uuid, type text, data jsonb); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.archive_event(team_id uuid, type text, data jsonb) IS 'Appends one event of an archive action to the stream archive-<team> (stream_type archive).';

-- Name: archive_events(jsonb); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.archive_events(events jsonb) RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_appends jsonb;
  v_n integer;
begin
  select jsonb_agg(jsonb_build_object('stream_id', 'archive-' || g.team_id::text, 'stream_type', 'archive', 'expected_version', null,
           'team_id', (select t.id from app_public.teams t where t.id = g.team_id), 'events', g.events) order by g.team_id::text),
         sum(g.n)::integer
    into v_appends, v_n
    from (select (x.e->>'team_id')::uuid as team_id, count(*) as n,
                 jsonb_agg(jsonb_build_object('type', x.e->>'type',
                   'data', (x.e->'data') || jsonb_build_object('team_id', (x.e->>'team_id')::uuid),
                   'metadata', jsonb_build_object('actor', app_public.current_user_id())) order by x.o) as events
            from jsonb_array_elements(events) with ordinality x(e, o)
           group by 1) g;
  if v_appends is null then
    return 0;
  end if;
  perform 1 from app_private.append_to_streams(v_appends);
  return v_n;
end;
$$;

-- Name: FUNCTION archive_events(events jsonb); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.archive_events(events jsonb) IS 'Appends the events of many archive actions (a JSON array of {team_id, type, data}) in one call of app_private.append_to_streams: each team''s events, in input order, to its stream archive-<team> (stream_type archive). Returns the number of events.';

-- Name: archive_expire_batches(integer, integer, timestamp with time zone); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.archive_expire_batches(default_cold_days integer, max_batches integer DEFAULT 1000, at timestamp with time zone DEFAULT now()) RETURNS TABLE(batch_id uuid, key text)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  b record;
begin
  perform app_private.lifecycle_assert_as_of(at);
  for b in
    select x.id, x.team_id, x.key from app_private.archive_batches x
     where x.id in (select d.batch_id from app_private.lifecycle_expire_due(default_cold_days, null, at) d)
     order by x.max_created_at
     limit max_batches
     for update of x skip locked
  loop
    continue when app_private.archive_batch_is_held(b.id);
    update app_private.archive_batches x set state = 'expired', expired_at = now(), updated_at = now() where x.id = b.id and x.state = 'deleted';
    continue when not found;
    insert into app_private.archive_object_deletions (key, reason) values (b.key, 'expired') on conflict do nothing;
    perform app_private.archive_event(b.team_id, 'ArchiveBatchExpired', jsonb_build_object('batch_id', b.id, 'key', b.key));
    batch_id := b.id; key := b.key;
    return next;
  end loop;
end;
$$;

-- Name: FUNCTION archive_expire_batches(default_cold_days integer, max_batches integer, at timestamp with time zone); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.archive_expire_batches(default_cold_days integer, max_batches integer, at timestamp with time zone) IS 'Cold retention: batches due at `at` (default now(); never in the future) under the retention policies (app_private.lifecycle_expire_due; default_cold_days is the fallback) that no legal hold covers become expired; their files are queued for deletion; manifest entries (and the index) are kept.';

-- Name: archive_is_held(uuid, uuid, uuid); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.archive_is_held(team_id uuid, workflow_id uuid, execution_id uuid) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
  select exists (
    select 1 from app_private.legal_holds h
     where h.released_at is null and h.team_id = archive_is_held.team_id
       and (h.workflow_id is null and h.execution_id is null
            or h.workflow_id = archive_is_held.workflow_id
            or h.execution_id = archive_is_held.execution_id));
$$;

-- Name: FUNCTION archive_is_held(team_id uuid, workflow_id uuid, execution_id uuid); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.archive_is_held(team_id uuid, workflow_id uuid, execution_id uuid) IS 'True when an active legal hold covers the execution (through its team, its workflow or itself).';

-- Name: archive_iso(timestamp with time zone); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.archive_iso(t timestamp with time zone) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
  select to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
$$;

-- Name: FUNCTION archive_iso(t timestamp with time zone); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.archive_iso(t timestamp with time zone) IS 'A timestamp as an ISO 8601 UTC string with microseconds: the one text form archived and hot documents share.';

-- Name: archive_list_keys(uuid, uuid, text, timestamp with time zone, timestamp with time zone, timestamp with time zone, uuid, integer, boolean); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.archive_list_keys(team_id uuid, workflow_id uuid, state text, from_time timestamp with time zone, to_time timestamp with time zone, after_created_at timestamp with time zone, after_id uuid, max_rows integer, include_cold boolean DEFAULT true) RETURNS TABLE(id uuid, created_at timestamp with time zone, batch_id uuid, row_no integer)
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
begin
  if team_id is null and workflow_id is null then
    raise exception 'a team or a workflow is required' using errcode = 'LFVAL', detail = 'field: team_id';
  end if;
  if max_rows is null or max_rows < 1 or max_rows > 10000 then
    raise exception 'limit must be between 1 and 10000' using errcode = 'LFVAL', detail = 'field: limit';
  end if;
  return query
  (select e.id, e.created_at, null::uuid, null::integer
     from app_public.executions e
    where (archive_list_keys.team_id is null or e.team_id = archive_list_keys.team_id)
      and (archive_list_keys.workflow_id is null or e.workflow_id = archive_list_keys.workflow_id)
      and (archive_list_keys.state is null or e.state = archive_list_keys.state)
      and (from_time is null or e.created_at >= from_time)
      and (to_time is null or e.created_at < to_time)
      and (after_created_at is null or (e.created_at, e.id) < (after_created_at, after_id))
    order by e.created_at desc, e.id desc
    limit max_rows)
  union all
  (select a.execution_id, a.created_at, a.batch_id, a.row_no
     from app_private.archived_executions a
     join app_private.archive_batches b on b.id = a.batch_id and b.state = 'deleted'
    where include_cold
      and (archive_list_keys.team_id is null or a.team_id = archive_list_keys.team_id)
      and (archive_list_keys.workflow_id is null or a.workflow_id = archive_list_keys.workflow_id)
      and (archive_list_keys.state is null or a.state = archive_list_keys.state)
      and (from_time is null or a.created_at >= from_time)
      and (to_time is null or a.created_at < to_time)
      and (after_created_at is null or (a.created_at, a.execution_id) < (after_created_at, after_id))
    order by a.created_at desc, a.execution_id desc
    limit max_rows)
  order by 2 desc, 1 desc
  limit max_rows;
end;
$$;

-- Name: FUNCTION archive_list_keys(team_id uuid, workflow_id uuid, state text, from_time timestamp with time zone, to_time timestamp with time zone, after_created_at timestamp with time zone, after_id uuid, max_rows integer, include_cold boolean); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.archive_list_keys(team_id uuid, workflow_id uuid, state text, from_time timestamp with time zone, to_time timestamp with time zone, after_created_at timestamp with time zone, after_id uuid, max_rows integer, include_cold boolean) IS 'One page of execution keys (newest first, keyset after (after_created_at, after_id)) filtered by team, workflow, state and [from_time, to_time), across hot rows and cold batches (state deleted). Cold keys carry their batch and row. Hot rows of batches not yet deleted are served hot, so no execution appears twice.';

-- Name: archive_list_page(uuid, uuid, text, timestamp with time zone, timestamp with time zone, timestamp with time zone, uuid, integer, boolean); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.archive_list_page(team_id uuid, workflow_id uuid, state text, from_time timestamp with time zone, to_time timestamp with time zone, after_created_at timestamp with time zone, after_id uuid, max_rows integer, include_cold boolean DEFAULT true) RETURNS SETOF app_private.archive_list_row
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    SET "TimeZone" TO 'UTC'
    SET "DateStyle" TO 'ISO, YMD'
    AS $$
-- timestamps as their text output in UTC (the client makes the ISO form of it): app_private.archive_iso is not
-- inlined (a function call per column and row) and its to_char costs about a third of the page's statement
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
           e.input, e.output, e.error, e.attempt, e.idempotency_key, e.version,
           e.created_at::text, e.started_at::text, e.finished_at::text, e.duration_ms, e.updated_at::text
      from app_public.executions e
     where e.workflow_id = archive_list_page.workflow_id
       and (archive_list_page.team_id is null or e.team_id = archive_list_page.team_id)
       and (archive_list_page.state is null or e.state = archive_list_page.state)
       and e.created_at >= lo and e.created_at < hi and (e.created_at, e.id) < (ca, ci)
     order by e.created_at desc, e.id desc limit max_rows;
  elsif state is not null then
    return query
    select e.id, e.created_at, null::uuid, null::integer, e.team_id, e.workflow_id, e.workflow_version, e.state, e.trigger_type, e.trigger_id,
           e.input, e.output, e.error, e.attempt, e.idempotency_key, e.version,
           e.created_at::text, e.started_at::text, e.finished_at::text, e.duration_ms, e.updated_at::text
      from app_public.executions e
     where e.team_id = archive_list_page.team_id and e.state = archive_list_page.state
       and e.created_at >= lo and e.created_at < hi and (e.created_at, e.id) < (ca, ci)
     order by e.created_at desc, e.id desc limit max_rows;
  else
    return query
    select e.id, e.created_at, null::uuid, null::integer, e.team_id, e.workflow_id, e.workflow_version, e.state, e.trigger_type, e.trigger_id,
           e.input, e.output, e.error, e.attempt, e.idempotency_key, e.version,
           e.created_at::text, e.started_at::text, e.finished_at::text, e.duration_ms, e.updated_at::text
      from app_public.executions e
     where e.team_id = archive_list_page.team_id
       and e.created_at >= lo and e.created_at < hi and (e.created_at, e.id) < (ca, ci)
     order by e.created_at desc, e.id desc limit max_rows;
  end if;
  if include_cold then
    return query
    select a.execution_id, a.created_at, a.batch_id, a.row_no, a.team_id, a.workflow_id, null::integer, a.state, null::text, null::uuid,
           null::jsonb, null::jsonb, null::jsonb, null::integer, null::text, null::integer, null::text, null::text, null::text, null::bigint, null::text
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

-- Name: FUNCTION archive_list_page(team_id uuid, workflow_id uuid, state text, from_time timestamp with time zone, to_time timestamp with time zone, after_created_at timestamp with time zone, after_id uuid, max_rows integer, include_cold boolean); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.archive_list_page(team_id uuid, workflow_id uuid, state text, from_time timestamp with time zone, to_time timestamp with time zone, after_created_at timestamp with time zone, after_id uuid, max_rows integer, include_cold boolean) IS 'Up to 2 x max_rows candidates of one listing page (newest first, keyset after (after_created_at, after_id), filtered by team, workflow, state and [from_time, to_time)): hot executions with their columns (timestamps as text in UTC), and cold keys of deleted batches. The caller takes the first max_rows in (created_at desc, id desc) order. Hot rows of batches not yet deleted are served hot, so no execution appears twice. Refuses a call without team and workflow, and a max_rows outside 1..10000 (LFVAL).';

-- Name: archive_locate(uuid); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.archive_locate(execution_id uuid) RETURNS TABLE(batch_id uuid, row_no integer, key text, state text, sha256 text, bytes bigint, encrypted boolean, team_id uuid)
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
  select b.id, a.row_no, b.key, b.state, b.sha256, b.bytes, b.encrypted, b.team_id
    from app_private.archived_executions a join app_private.archive_batches b on b.id = a.batch_id
   where a.execution_id = archive_locate.execution_id;
$$;

-- Name: FUNCTION archive_locate(execution_id uuid); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.archive_locate(execution_id uuid) IS 'Where an archived execution lives: its batch, row, file key, checksum and the batch state.';

-- Name: archive_mark_batches_uploaded(jsonb); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.archive_mark_batches_uploaded(batches jsonb) RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_bad record;
  v_n integer;
begin
  if batches is null or jsonb_typeof(batches) <> 'array' then
    raise exception 'batches must be a JSON array' using errcode = 'LFVAL', detail = 'field: batches';
  end if;
  create temporary table if not exists archive_mark_rows (batch_id uuid, bytes bigint, sha256 text, pg_bytes bigint, transition_count integer,
    node_run_count integer, actor_ids uuid[]) on commit drop;
  truncate archive_mark_rows;
  insert into archive_mark_rows
  select r.batch_id, r.bytes, r.sha256, r.pg_bytes, r.transition_count, r.node_run_count, r.actor_ids
    from jsonb_to_recordset(batches) r(batch_id uuid, bytes bigint, sha256 text, pg_bytes bigint, transition_count integer, node_run_count integer, actor_ids uuid[]);
  perform 1 from app_private.archive_batches x where x.id in (select m.batch_id from archive_mark_rows m) order by x.id for update of x;
  select m.batch_id, x.state into v_bad
    from archive_mark_rows m left join app_private.archive_batches x on x.id = m.batch_id
   where x.id is null or x.state not in ('planned', 'uploaded') limit 1;
  if found and v_bad.state is null then
    raise exception 'archive batch % not found', v_bad.batch_id using errcode = 'LFNTF';
  elsif found then
    raise exception 'archive batch % is %', v_bad.batch_id, v_bad.state using errcode = 'LFSTA', detail = format('current_state=%s', v_bad.state);
  end if;
  update app_private.archive_batches x
     set state = 'uploaded', bytes = m.bytes, sha256 = m.sha256, pg_bytes = m.pg_bytes, transition_count = m.transition_count,
         node_run_count = m.node_run_count, actor_ids = coalesce(m.actor_ids, '{}'), uploaded_at = now(), updated_at = now()
    from archive_mark_rows m where x.id = m.batch_id;
  get diagnostics v_n = row_count;
  perform app_private.archive_events((
    select jsonb_agg(jsonb_build_object('team_id', x.team_id, 'type', 'ArchiveBatchUploaded',
             'data', jsonb_build_object('batch_id', x.id, 'key', x.key, 'bytes', m.bytes, 'sha256', m.sha256, 'pg_bytes', m.pg_bytes)) order by o.ord)
      from jsonb_array_elements(batches) with ordinality o(e, ord)
      join archive_mark_rows m on m.batch_id = (o.e->>'batch_id')::uuid
      join app_private.archive_batches x on x.id = m.batch_id));
  return v_n;
end;
$$;

-- Name: FUNCTION archive_mark_batches_uploaded(batches jsonb); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.archive_mark_batches_uploaded(batches jsonb) IS 'app_private.archive_mark_uploaded for many batches at once (a JSON array of {batch_id, bytes, sha256, pg_bytes, transition_count, node_run_count, actor_ids}): all or nothing, one ArchiveBatchUploaded event per batch. Refuses with LFNTF (unknown batch) or LFSTA (a batch neither planned nor uploaded). Returns the number of batches.';

-- Name: archive_mark_batches_verified(jsonb); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.archive_mark_batches_verified(batches jsonb) RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_bad record;
  v_n integer;
begin
  if batches is null or jsonb_typeof(batches) <> 'array' then
    raise exception 'batches must be a JSON array' using errcode = 'LFVAL', detail = 'field: batches';
  end if;
  perform 1 from app_private.archive_batches x
    where x.id in (select (e->>'batch_id')::uuid from jsonb_array_elements(batches) e) order by x.id for update of x;
  select r.batch_id, r.row_count, r.sha256, x.id as found_id, x.state, x.row_count as manifest_rows, x.sha256 as manifest_sha256 into v_bad
    from jsonb_to_recordset(batches) r(batch_id uuid, row_count integer, sha256 text)
    left join app_private.archive_batches x on x.id = r.batch_id
   where x.id is null or x.state <> 'uploaded' or x.row_count is distinct from r.row_count or x.sha256 is distinct from r.sha256
   order by (x.id is null) desc, (x.state <> 'uploaded') desc limit 1;
  if found and v_bad.found_id is null then
    raise exception 'archive batch % not found', v_bad.batch_id using errcode = 'LFNTF';
  elsif found and v_bad.state <> 'uploaded' then
    raise exception 'archive batch % is %', v_bad.batch_id, v_bad.state using errcode = 'LFSTA', detail = format('current_state=%s', v_bad.state);
  elsif found then
    raise exception 'archive batch % failed verification', v_bad.batch_id using errcode = 'LFVAL',
      detail = format('field: row_count expected %s/%s got %s/%s', v_bad.manifest_rows, v_bad.manifest_sha256, v_bad.row_count, v_bad.sha256);
  end if;
  update app_private.archive_batches x set state = 'verified', verified_at = now(), updated_at = now()
    from jsonb_to_recordset(batches) r(batch_id uuid) where x.id = r.batch_id;
  get diagnostics v_n = row_count;
  perform app_private.archive_events((
    select jsonb_agg(jsonb_build_object('team_id', x.team_id, 'type', 'ArchiveBatchVerified',
             'data', jsonb_build_object('batch_id', x.id, 'key', x.key, 'row_count', x.row_count, 'sha256', x.sha256)) order by o.ord)
      from jsonb_array_elements(batches) with ordinality o(e, ord)
      join app_private.archive_batches x on x.id = (o.e->>'batch_id')::uuid));
  return v_n;
end;
$$;

-- Name: FUNCTION archive_mark_batches_verified(batches jsonb); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.archive_mark_batches_verified(batches jsonb) IS 'app_private.archive_mark_verified for many batches at once (a JSON array of {batch_id, row_count, sha256} read back from the stored files): all or nothing, one ArchiveBatchVerified event per batch. Refuses with LFNTF (unknown batch), LFSTA (a batch not uploaded) or LFVAL (row count or sha256 differ from the manifest). Returns the number of batches.';

-- Name: archive_mark_uploaded(uuid, bigint, text, bigint, integer, integer, uuid[]); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.archive_mark_uploaded(batch_id uuid, bytes bigint, sha256 text, pg_bytes bigint, transition_count integer, node_run_count integer, actor_ids uuid[]) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  b app_private.archive_batches;
begin
  select * into b from app_private.archive_batches x where x.id = archive_mark_uploaded.batch_id for update;
  if not found then
    raise exception 'archive batch % not found', batch_id using errcode = 'LFNTF';
  end if;
  if b.state not in ('planned', 'uploaded') then
    raise exception 'archive batch % is %', batch_id, b.state using errcode = 'LFSTA', detail = format('current_state=%s', b.state);
  end if;
  update app_private.archive_batches x
     set state = 'uploaded', bytes = archive_mark_uploaded.bytes, sha256 = archive_mark_uploaded.sha256,
         pg_bytes = archive_mark_uploaded.pg_bytes, transition_count = archive_mark_uploaded.transition_count,
         node_run_count = archive_mark_uploaded.node_run_count, actor_ids = coalesce(archive_mark_uploaded.actor_ids, '{}'),
         uploaded_at = now(), updated_at = now()
   where x.id = b.id;
  perform app_private.archive_event(b.team_id, 'ArchiveBatchUploaded',
    jsonb_build_object('batch_id', b.id, 'key', b.key, 'bytes', bytes, 'sha256', sha256, 'pg_bytes', pg_bytes));
end;
$$;

-- Name: FUNCTION archive_mark_uploaded(batch_id uuid, bytes bigint, sha256 text, pg_bytes bigint, transition_count integer, node_run_count integer, actor_ids uuid[]); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.archive_mark_uploaded(batch_id uuid, bytes bigint, sha256 text, pg_bytes bigint, transition_count integer, node_run_count integer, actor_ids uuid[]) IS 'Records that the batch file is stored (size, sha256, PostgreSQL bytes of the same rows, nested row counts, actors): planned -> uploaded. Re-recording an uploaded batch (after a re-upload) is allowed.';

-- Name: archive_mark_verified(uuid, integer, text); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.archive_mark_verified(batch_id uuid, row_count integer, sha256 text) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  b app_private.archive_batches;
begin
  select * into b from app_private.archive_batches x where x.id = archive_mark_verified.batch_id for update;
  if not found then
    raise exception 'archive batch % not found', batch_id using errcode = 'LFNTF';
  end if;
  if b.state <> 'uploaded' then
    raise exception 'archive batch % is %', batch_id, b.state using errcode = 'LFSTA', detail = format('current_state=%s', b.state);
  end if;
  if b.row_count <> archive_mark_verified.row_count or b.sha256 <> archive_mark_verified.sha256 then
    raise exception 'archive batch % failed verification', batch_id using errcode = 'LFVAL',
      detail = format('field: row_count expected %s/%s got %s/%s', b.row_count, b.sha256, row_count, sha256);
  end if;
  update app_private.archive_batches x set state = 'verified', verified_at = now(), updated_at = now() where x.id = b.id;
  perform app_private.archive_event(b.team_id, 'ArchiveBatchVerified',
    jsonb_build_object('batch_id', b.id, 'key', b.key, 'row_count', row_count, 'sha256', sha256));
end;
$$;

-- Name: FUNCTION archive_mark_verified(batch_id uuid, row_count integer, sha256 text); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.archive_mark_verified(batch_id uuid, row_count integer, sha256 text) IS 'Records that the stored file was read back with the manifest''s row count and sha256: uploaded -> verified.';

-- Name: archive_micros(timestamp with time zone); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.archive_micros(t timestamp with time zone) RETURNS bigint
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
  select (extract(epoch from t) * 1000000)::bigint;
$$;

-- Name: FUNCTION archive_micros(t timestamp with time zone); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.archive_micros(t timestamp with time zone) IS 'Microseconds since the Unix epoch (exact): how archive files store timestamps (Parquet TIMESTAMP_MICROS).';

-- Name: archive_plan_batch(uuid, date, integer, integer, text, boolean); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.archive_plan_batch(team_id uuid, day date, max_rows integer, default_hot_days integer, key_prefix text DEFAULT 'executions'::text, encrypted boolean DEFAULT false) RETURNS uuid
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_no integer;
  v_id uuid;
  v_key text;
  v_count integer;
begin
  if max_rows is null or max_rows < 1 then
    raise exception 'max_rows must be positive' using errcode = 'LFVAL', detail = 'field: max_rows';
  end if;
  -- one planner per team at a time
  perform pg_advisory_xact_lock(hashtext('archive_plan:' || archive_plan_batch.team_id::text));
  create temporary table if not exists archive_plan_rows (id uuid, created_at timestamptz, workflow_id uuid, state text) on commit drop;
  truncate archive_plan_rows;
  insert into archive_plan_rows
  select d.execution_id, d.created_at, d.workflow_id, d.state
    from app_private.lifecycle_archive_due(default_hot_days, archive_plan_batch.team_id) d
   where d.created_at >= archive_plan_batch.day::timestamp at time zone 'UTC' and d.created_at < (archive_plan_batch.day + 1)::timestamp at time zone 'UTC'
   order by d.created_at, d.execution_id
   limit max_rows;
  get diagnostics v_count = row_count;
  if v_count = 0 then
    return null;
  end if;
  select coalesce(max(b.batch_no), 0) + 1 into v_no from app_private.archive_batches b
   where b.team_id = archive_plan_batch.team_id and b.day = archive_plan_batch.day;
  v_key := format('%s/team_id=%s/date=%s/%s.parquet', key_prefix, archive_plan_batch.team_id, to_char(day, 'YYYY-MM-DD'), lpad(v_no::text, 6, '0'));
  insert into app_private.archive_batches (team_id, day, batch_no, key, min_created_at, max_created_at, row_count, encrypted)
  select archive_plan_batch.team_id, archive_plan_batch.day, v_no, v_key, min(p.created_at), max(p.created_at), count(*), archive_plan_batch.encrypted
    from archive_plan_rows p
  returning id into v_id;
  insert into app_private.archived_executions (execution_id, created_at, batch_id, row_no, team_id, workflow_id, state)
  select p.id, p.created_at, v_id, (row_number() over (order by p.created_at desc, p.id desc) - 1)::integer,
         archive_plan_batch.team_id, p.workflow_id, p.state
    from archive_plan_rows p;
  perform app_private.archive_event(archive_plan_batch.team_id, 'ArchiveBatchPlanned',
    jsonb_build_object('batch_id', v_id, 'key', v_key, 'day', day, 'row_count', v_count));
  return v_id;
end;
$$;

-- Name: FUNCTION archive_plan_batch(team_id uuid, day date, max_rows integer, default_hot_days integer, key_prefix text, encrypted boolean); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.archive_plan_batch(team_id uuid, day date, max_rows integer, default_hot_days integer, key_prefix text, encrypted boolean) IS 'Plans the next batch of a team''s day: up to max_rows executions due under the retention policies (app_private.lifecycle_archive_due) are assigned to a new manifest row (state planned, deterministic key <prefix>/team_id=<team>/date=<day>/<batch_no>.parquet) and indexed with their row number (newest first). Returns the batch id, or null when nothing is left.';

-- Name: archive_plan_batches(integer, integer, integer, text, boolean, uuid, integer, timestamp with time zone); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.archive_plan_batches(max_rows integer, group_rows integer, default_hot_days integer, key_prefix text DEFAULT 'executions'::text, encrypted boolean DEFAULT false, only_team_id uuid DEFAULT NULL::uuid, max_batches integer DEFAULT NULL::integer, at timestamp with time zone DEFAULT now()) RETURNS TABLE(batch_id uuid, team_id uuid, day date, key text, row_count integer, execution_ids uuid[])
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET jit TO 'off'
    AS $_$
declare
  v_ids uuid[];
  v_created timestamptz[];
  v_team uuid[];
  v_workflow uuid[];
  v_state text[];
  v_day date[];
  v_chunk integer[];
  v_first date;
  v_last date;
  v_span integer := 1;
  v_lo timestamptz;
  v_hi timestamptz;
  v_due bigint;
  v_all_ids uuid[] := '{}';
  v_all_created timestamptz[] := '{}';
  v_all_team uuid[] := '{}';
  v_all_workflow uuid[] := '{}';
  v_all_state text[] := '{}';
  v_all_day date[] := '{}';
begin
  if max_rows is null or max_rows < 1 then
    raise exception 'max_rows must be positive' using errcode = 'LFVAL', detail = 'field: max_rows';
  end if;
  if group_rows is null or group_rows < 1 then
    raise exception 'group_rows must be positive' using errcode = 'LFVAL', detail = 'field: group_rows';
  end if;
  perform app_private.lifecycle_assert_as_of(at);
  if max_batches is not null and max_batches < 1 then
    return;
  end if;
  -- Only the oldest days are read: a window of day partitions from the oldest one, doubled until it holds at
  -- least group_rows due executions (or reaches the newest partition). The group is a prefix in (day, team)
  -- order, so it lies inside such a window, and a run of many groups does not re-read every due row each time.
  select min(substring(c.relname from '_p(\d{8})$')::date), max(substring(c.relname from '_p(\d{8})$')::date)
    into v_first, v_last
    from pg_inherits i join pg_class c on c.oid = i.inhrelid
   where i.inhparent = 'app_public.executions'::regclass and c.relname ~ '_p\d{8}$';
  -- nothing newer than the shortest hot retention anywhere is due: the window need not grow past it
  v_last := least(v_last, ((at - make_interval(days => least(default_hot_days,
    (select min(p.hot_days) from app_public.retention_policies p), (select min(r.hot_days) from app_private.archive_retention r),
    (select min(s.default_hot_days) from app_private.lifecycle_settings s)))) at time zone 'UTC')::date + 1);
  -- Each day is read once: the window grows by doubling, and each round reads only the days the window gained,
  -- appending to what the earlier rounds found.
  v_lo := '-infinity';
  v_due := 0;
  loop
    v_hi := case when v_first is null or v_first + v_span > v_last then 'infinity' else (v_first + v_span)::timestamp at time zone 'UTC' end;
    with got as (
      select array_agg(d.execution_id) as ids, array_agg(d.created_at) as created, array_agg(d.team_id) as team,
             array_agg(d.workflow_id) as workflow, array_agg(d.state) as state, array_agg(d.day) as day, count(*) as n
        from app_private.lifecycle_archive_due(default_hot_days, only_team_id, at) d
       where d.created_at >= v_lo and d.created_at < v_hi
    )
    select v_all_ids || coalesce(g.ids, '{}'), v_all_created || coalesce(g.created, '{}'), v_all_team || coalesce(g.team, '{}'),
           v_all_workflow || coalesce(g.workflow, '{}'), v_all_state || coalesce(g.state, '{}'), v_all_day || coalesce(g.day, '{}'), v_due + g.n
      into v_all_ids, v_all_created, v_all_team, v_all_workflow, v_all_state, v_all_day, v_due
      from got g;
    exit when v_due >= group_rows or v_hi = 'infinity';
    v_lo := v_hi;
    v_span := v_span * 2;
  end loop;
  with due as (
    select d.id as execution_id, d.created_at, d.team_id, d.workflow_id, d.state, d.day,
           ((row_number() over (partition by d.team_id, d.day order by d.created_at, d.id) - 1) / max_rows)::integer as chunk
      from unnest(v_all_ids, v_all_created, v_all_team, v_all_workflow, v_all_state, v_all_day) d(id, created_at, team_id, workflow_id, state, day)
  ), chunks as (
    select c.team_id, c.day, c.chunk,
           coalesce(sum(count(*)) over (order by c.day, c.team_id::text, c.chunk rows between unbounded preceding and 1 preceding), 0) as rows_before,
           row_number() over (order by c.day, c.team_id::text, c.chunk) as ord
      from due c group by c.team_id, c.day, c.chunk
  )
  select array_agg(d.execution_id), array_agg(d.created_at), array_agg(d.team_id), array_agg(d.workflow_id), array_agg(d.state),
         array_agg(d.day), array_agg(d.chunk)
    into v_ids, v_created, v_team, v_workflow, v_state, v_day, v_chunk
    from due d join chunks c on c.team_id = d.team_id and c.day = d.day and c.chunk = d.chunk
   where c.rows_before < group_rows and (max_batches is null or c.ord <= max_batches);
  if v_ids is null then
    return;
  end if;
  -- one planner per team at a time (the lock archive_plan_batch takes), in team order; then nothing picked may
  -- have been planned by another planner meanwhile (each statement sees what committed before it)
  perform pg_advisory_xact_lock(hashtext('archive_plan:' || t.id::text))
     from (select distinct x.id from unnest(v_team) x(id) order by x.id) t;
  if exists (select 1 from app_private.archived_executions a where a.execution_id = any(v_ids)) then
    raise exception 'another archive planner planned some of these executions meanwhile' using errcode = 'LFCNF', detail = 'field: team_id';
  end if;
  return query
  with picked as (
    select * from unnest(v_ids, v_created, v_team, v_workflow, v_state, v_day, v_chunk) p(id, created_at, team_id, workflow_id, state, day, chunk)
  ), batches as (
    select p.team_id, p.day, p.chunk, count(*)::integer as n, min(p.created_at) as lo, max(p.created_at) as hi,
           coalesce((select max(b.batch_no) from app_private.archive_batches b where b.team_id = p.team_id and b.day = p.day), 0)
             + dense_rank() over (partition by p.team_id, p.day order by p.chunk) as batch_no
      from picked p group by p.team_id, p.day, p.chunk
  ), ins as (
    insert into app_private.archive_batches (team_id, day, batch_no, key, min_created_at, max_created_at, row_count, encrypted)
    select b.team_id, b.day, b.batch_no,
           format('%s/team_id=%s/date=%s/%s.parquet', key_prefix, b.team_id, to_char(b.day, 'YYYY-MM-DD'), lpad(b.batch_no::text, 6, '0')),
           b.lo, b.hi, b.n, archive_plan_batches.encrypted
      from batches b order by b.day, b.team_id::text, b.chunk
    returning archive_batches.id, archive_batches.team_id, archive_batches.day, archive_batches.batch_no, archive_batches.key,
              archive_batches.row_count
  ), rows as (
    select i.id as batch_id, p.id, p.created_at, p.team_id, p.workflow_id, p.state,
           (row_number() over (partition by i.id order by p.created_at desc, p.id desc) - 1)::integer as row_no
      from picked p
      join batches b on b.team_id = p.team_id and b.day = p.day and b.chunk = p.chunk
      join ins i on i.team_id = b.team_id and i.day = b.day and i.batch_no = b.batch_no
  ), idx as (
    insert into app_private.archived_executions (execution_id, created_at, batch_id, row_no, team_id, workflow_id, state)
    select r.id, r.created_at, r.batch_id, r.row_no, r.team_id, r.workflow_id, r.state from rows r
  )
  select i.id, i.team_id, i.day, i.key, i.row_count,
         (select array_agg(r.id order by r.row_no) from rows r where r.batch_id = i.id)
    from ins i join batches b on b.team_id = i.team_id and b.day = i.day and b.batch_no = i.batch_no
   order by b.day, b.team_id::text, b.chunk;
  perform app_private.archive_events((
    select jsonb_agg(jsonb_build_object('team_id', b.team_id, 'type', 'ArchiveBatchPlanned',
             'data', jsonb_build_object('batch_id', b.id, 'key', b.key, 'day', b.day, 'row_count', b.row_count)) order by b.day, b.team_id::text, b.batch_no)
      from app_private.archive_batches b
     where b.id in (select a.batch_id from app_private.archived_executions a where a.execution_id = any(v_ids))));
end;
$_$;

-- Name: FUNCTION archive_plan_batches(max_rows integer, group_rows integer, default_hot_days integer, key_prefix text, encrypted boolean, only_team_id uuid, max_batches integer, at timestamp with time zone); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.archive_plan_batches(max_rows integer, group_rows integer, default_hot_days integer, key_prefix text, encrypted boolean, only_team_id uuid, max_batches integer, at timestamp with time zone) IS 'Plans a group of batches in one pass: the executions due at `at` (default now(); never in the future: LFVAL field at) under the retention policies (app_private.lifecycle_archive_due, default_hot_days the fallback; only one team when only_team_id is given) are cut per team and UTC day into batches of up to max_rows (oldest first), and batches are taken in (day, team) order while the group holds fewer than group_rows executions (a group may exceed it by one batch), at most max_batches. Each becomes a manifest row (state planned, deterministic key <prefix>/team_id=<team>/date=<day>/<batch_no>.parquet, batch_no the next of its team and day) with its index rows (row number newest first) and an ArchiveBatchPlanned event. Returns the batches in plan order with their execution ids in row order; none when nothing is due. Raises LFCNF when another planner planned some of the same executions meanwhile.';

-- Name: archive_record_rewrite(uuid, text, bigint, text, uuid[], text); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.archive_record_rewrite(batch_id uuid, new_key text, bytes bigint, sha256 text, actor_ids uuid[], reason text) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  b app_private.archive_batches;
begin
  select * into b from app_private.archive_batches x where x.id = archive_record_rewrite.batch_id for update;
  if not found then
    raise exception 'archive batch % not found', batch_id using errcode = 'LFNTF';
  end if;
  if b.state not in ('uploaded', 'verified', 'deleted') then
    raise exception 'archive batch % is %', batch_id, b.state using errcode = 'LFSTA', detail = format('current_state=%s', b.state);
  end if;
  if b.key <> new_key then
    insert into app_private.archive_object_deletions (key, reason) values (b.key, 'superseded') on conflict do nothing;
  end if;
  update app_private.archive_batches x
     set key = new_key, generation = b.generation + 1, bytes = archive_record_rewrite.bytes, sha256 = archive_record_rewrite.sha256,
         actor_ids = coalesce(archive_record_rewrite.actor_ids, '{}'), updated_at = now()
   where x.id = b.id;
  perform app_private.archive_event(b.team_id, 'ArchiveBatchRewritten', jsonb_build_object('batch_id', b.id, 'old_key', b.key,
    'key', new_key, 'sha256', sha256, 'reason', reason));
end;
$$;

-- Name: FUNCTION archive_record_rewrite(batch_id uuid, new_key text, bytes bigint, sha256 text, actor_ids uuid[], reason text); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.archive_record_rewrite(batch_id uuid, new_key text, bytes bigint, sha256 text, actor_ids uuid[], reason text) IS 'Points a batch at its rewritten file (erasure): new key, size and sha256; the old file is queued for deletion.';

-- Name: archive_restore_batch(uuid, jsonb, integer); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.archive_restore_batch(batch_id uuid, documents jsonb, keep_days integer DEFAULT 7) RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  b app_private.archive_batches;
  v_count integer;
begin
  select * into b from app_private.archive_batches x where x.id = archive_restore_batch.batch_id for update;
  if not found then
    raise exception 'archive batch % not found', batch_id using errcode = 'LFNTF';
  end if;
  if b.state <> 'deleted' then
    raise exception 'archive batch % is %', batch_id, b.state using errcode = 'LFSTA', detail = format('current_state=%s', b.state);
  end if;
  if jsonb_typeof(documents) <> 'array' or jsonb_array_length(documents) <> b.row_count then
    raise exception 'restore needs the batch''s % documents', b.row_count using errcode = 'LFVAL', detail = 'field: documents';
  end if;
  perform app_private.ensure_partitions_between(b.day, b.day);
  insert into app_public.executions (id, created_at, team_id, workflow_id, workflow_version, state, trigger_type, trigger_id,
      input, output, error, attempt, idempotency_key, version, started_at, finished_at, duration_ms, updated_at)
  select d.id, d.created_at, d.team_id, d.workflow_id, d.workflow_version, d.state, d.trigger_type, d.trigger_id,
         d.input, d.output, d.error, d.attempt, d.idempotency_key, d.version, d.started_at, d.finished_at, d.duration_ms, d.updated_at
    from jsonb_to_recordset(documents) as d(id uuid, created_at timestamptz, team_id uuid, workflow_id uuid, workflow_version integer,
      state text, trigger_type text, trigger_id uuid, input jsonb, output jsonb, error jsonb, attempt integer, idempotency_key text,
      version integer, started_at timestamptz, finished_at timestamptz, duration_ms bigint, updated_at timestamptz);
  get diagnostics v_count = row_count;
  insert into app_public.execution_transitions (execution_id, execution_created_at, seq, team_id, from_state, to_state, at, actor_id, reason, details)
  select (d->>'id')::uuid, (d->>'created_at')::timestamptz, t.seq, (d->>'team_id')::uuid, t.from_state, t.to_state, t.at, t.actor_id, t.reason, t.details
    from jsonb_array_elements(documents) d
   cross join lateral jsonb_to_recordset(d->'transitions') as t(seq integer, from_state text, to_state text, at timestamptz,
      actor_id uuid, reason text, details jsonb);
  insert into app_public.execution_node_runs (execution_id, execution_created_at, team_id, node_name, node_id, attempt, status,
      started_at, finished_at, output, error)
  select (d->>'id')::uuid, (d->>'created_at')::timestamptz, (d->>'team_id')::uuid, r.node_name, r.node_id, r.attempt, r.status,
         r.started_at, r.finished_at, r.output, r.error
    from jsonb_array_elements(documents) d
   cross join lateral jsonb_to_recordset(d->'node_runs') as r(node_name text, node_id uuid, attempt integer, status text,
      started_at timestamptz, finished_at timestamptz, output jsonb, error jsonb);
  insert into app_private.archive_restored_executions (execution_id, batch_id, keep_until)
  select a.execution_id, b.id, now() + make_interval(days => coalesce(keep_days, 7))
    from app_private.archived_executions a where a.batch_id = b.id
  on conflict (execution_id) do update set batch_id = excluded.batch_id, keep_until = excluded.keep_until;
  delete from app_private.archived_executions a where a.batch_id = b.id;
  update app_private.archive_batches x set state = 'restored', restored_at = now(), updated_at = now() where x.id = b.id;
  insert into app_private.archive_object_deletions (key, reason) values (b.key, 'restored') on conflict do nothing;
  perform app_private.archive_event(b.team_id, 'ArchiveBatchRestored', jsonb_build_object('batch_id', b.id, 'key', b.key, 'row_count', v_count));
  return v_count;
end;
$$;

-- Name: FUNCTION archive_restore_batch(batch_id uuid, documents jsonb, keep_days integer); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.archive_restore_batch(batch_id uuid, documents jsonb, keep_days integer) IS 'Restores a deleted batch into the hot tables from its documents (read and verified from the file by the caller): recreates the day''s partitions if dropped, inserts executions, transitions and node runs, removes the index entries, keeps the executions hot for keep_days, marks the batch restored and queues its file for deletion. All or nothing.';

-- Name: archive_subtract_hot_usage_of_day(date); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.archive_subtract_hot_usage_of_day(day date) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $_$
declare
  v_from timestamptz := day::timestamp at time zone 'UTC';
  v_to timestamptz := (day + 1)::timestamp at time zone 'UTC';
begin
  -- literal bounds: each scan is pruned to the day's partition when planned
  execute format($q$
    insert into app_hidden.team_usage_deltas (team_id, hot_executions, hot_bytes)
    select x.team_id, -sum(x.n), -sum(x.b)
      from (select e.team_id, 1 as n, app_private.execution_bytes(e.*) as b
              from app_public.executions e where e.created_at >= %1$L and e.created_at < %2$L
            union all
            select t.team_id, 0, app_private.execution_transition_bytes(t.*)
              from app_public.execution_transitions t where t.execution_created_at >= %1$L and t.execution_created_at < %2$L
            union all
            select r.team_id, 0, app_private.execution_node_run_bytes(r.*)
              from app_public.execution_node_runs r where r.execution_created_at >= %1$L and r.execution_created_at < %2$L) x
     group by x.team_id
    having sum(x.n) <> 0 or sum(x.b) <> 0$q$, v_from, v_to);
end;
$_$;

-- Name: FUNCTION archive_subtract_hot_usage_of_day(day date); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.archive_subtract_hot_usage_of_day(day date) IS 'Subtracts from hot usage (app_hidden.team_usage_deltas: hot_executions, hot_bytes) every execution, transition and node run of one UTC day, per team, by the same byte rules as the row triggers (execution_bytes, execution_transition_bytes, execution_node_run_bytes): one pass over each of the day''s partitions. archive_drop_partitions calls it before it drops the day (DROP TABLE fires no delete trigger).';

-- Name: assert_password_strength(text, text); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.assert_password_strength(password text, email text DEFAULT NULL::text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO 'pg_catalog'
    AS $$
begin
  if password is null or char_length(password) < 8 then
    raise exception 'password must have at least 8 characters' using errcode = 'LFVAL', detail = 'field: password';
  end if;
  if octet_length(password) > 72 then
    raise exception 'password must have at most 72 bytes' using errcode = 'LFVAL', detail = 'field: password';
  end if;
  if password !~ '[[:alpha:]]' or password !~ '[^[:alpha:]]' then
    raise exception 'password must mix letters with digits or symbols' using errcode = 'LFVAL', detail = 'field: password';
  end if;
  if email is not null and (lower(password) = lower(email) or lower(password) = lower(split_part(email, '@', 1))) then
    raise exception 'password must not be the email address' using errcode = 'LFVAL', detail = 'field: password';
  end if;
  if lower(password) in ('password1', 'password123', 'qwerty123', '12345678a', 'letmein1', 'welcome1', 'abc12345', 'passw0rd') then
    raise exception 'password is too common' using errcode = 'LFVAL', detail = 'field: password';
  end if;
end;
$$;

-- Name: FUNCTION assert_password_strength(password text, email text); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.assert_password_strength(password text, email text) IS 'Raises LFVAL (field: password) unless the password has 8+ characters, at most 72 bytes (the bcrypt limit), mixes letters with other characters, is not the email and is not a common password.';

-- Name: assert_role(text); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.assert_role(role text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO 'pg_catalog'
    AS $$
begin
  if app_hidden.team_role_rank(role) is null then
    raise exception 'unknown role %', role using errcode = 'LFVAL', detail = 'field: role';
  end if;
end;
$$;

-- Name: FUNCTION assert_role(role text); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.assert_role(role text) IS 'Raises LFVAL (field: role) unless the role is a team role (one that app_hidden.team_role_rank ranks: owner, admin, editor, viewer).';

-- Name: assert_team_has_owner(uuid); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.assert_team_has_owner(team_id uuid) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
begin
  if not exists (select 1 from app_public.team_memberships m where m.team_id = assert_team_has_owner.team_id and m.role = 'owner') then
    raise exception 'a team must keep at least one owner' using errcode = 'LFCNF', detail = 'field: role';
  end if;
end;
$$;

-- Name: FUNCTION assert_team_has_owner(team_id uuid); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.assert_team_has_owner(team_id uuid) IS 'Raises LFCNF (field: role) when the team has no owner left; called at the end of every membership change.';

-- Name: base64url(bytea); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.base64url(data bytea) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
  select translate(encode(data, 'base64'), E'+/=\n', '-_');
$$;

-- Name: FUNCTION base64url(data bytea); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.base64url(data bytea) IS 'base64url without padding (RFC 4648 section 5), as JWTs use.';

-- Name: budget_month(timestamp with time zone); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.budget_month(at timestamp with time zone DEFAULT now()) RETURNS date
    LANGUAGE sql STABLE
    AS $$ select (date_trunc('month', at at time zone 'UTC'))::date; $$;

-- Name: FUNCTION budget_month(at timestamp with time zone); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.budget_month(at timestamp with time zone) IS 'The budget period (UTC month) of a moment.';

-- Name: bulk_action_candidates(uuid, text, jsonb, timestamp with time zone, timestamp with time zone, uuid, integer); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.bulk_action_candidates(team_id uuid, action text, filter jsonb, upper_created_at timestamp with time zone, after_created_at timestamp with time zone, after_id uuid, max_rows integer) RETURNS TABLE(id uuid, created_at timestamp with time zone, workflow_id uuid, state text)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
declare
  v_workflow_id uuid := (filter->>'workflow_id')::uuid;
  v_state text := filter->>'state';
  v_from timestamptz := coalesce((filter->>'created_from')::timestamptz, '-infinity');
  v_before timestamptz := least(coalesce((filter->>'created_before')::timestamptz, 'infinity'), upper_created_at);
  v_states text[] := app_private.bulk_action_states(action);
  -- the keyset position, or the top: before v_before (an id sorts below the all-ones UUID)
  v_at timestamptz := coalesce(after_created_at, v_before);
  v_after uuid := case when after_created_at is null then 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid else after_id end;
  v_query jsonb;
  v_chunk integer;
  v_got integer := 0;
  c_ids uuid[];
  c_cas timestamptz[];
  c_wfs uuid[];
  c_states text[];
begin
  if filter ? 'query' then
    -- a search query: the search's hot path, pages of at most 1,000 in the same order from the same position
    v_query := app_private.bulk_action_search_query(action, filter -> 'query', upper_created_at);
    if v_query is null then
      return;
    end if;
    v_at := after_created_at;
    v_after := after_id;
    loop
      v_chunk := case when max_rows is null then 1000 else least(1000, max_rows - v_got) end;
      select array_agg(s.id order by s.created_at desc, s.id desc), array_agg(s.created_at order by s.created_at desc, s.id desc),
             array_agg(s.workflow_id order by s.created_at desc, s.id desc), array_agg(s.state order by s.created_at desc, s.id desc)
        into c_ids, c_cas, c_wfs, c_states
        from app_private.search_executions_hot(bulk_action_candidates.team_id, v_query, v_at, v_after, v_chunk) s;
      exit when c_ids is null;
      return query select * from unnest(c_ids, c_cas, c_wfs, c_states);
      v_got := v_got + cardinality(c_ids);
      exit when cardinality(c_ids) < v_chunk or v_got >= max_rows;
      v_at := c_cas[cardinality(c_cas)];
      v_after := c_ids[cardinality(c_ids)];
    end loop;
    return;
  end if;
  if v_workflow_id is not null then
    -- one workflow: down its (workflow_id, created_at desc, id desc) index
    return query
      select e.id, e.created_at, e.workflow_id, e.state
        from app_public.executions e
       where e.workflow_id = v_workflow_id and e.team_id = bulk_action_candidates.team_id
         and (v_state is null or e.state = v_state) and e.state = any (v_states)
         and e.created_at >= v_from and e.created_at < v_before
         and e.created_at <= v_at and (e.created_at, e.id) < (v_at, v_after)
       order by e.created_at desc, e.id desc
       limit max_rows;
  else
    -- the team: down its (team_id, created_at desc, id desc) index
    return query
      select e.id, e.created_at, e.workflow_id, e.state
        from app_public.executions e
       where e.team_id = bulk_action_candidates.team_id
         and (v_state is null or e.state = v_state) and e.state = any (v_states)
         and e.created_at >= v_from and e.created_at < v_before
         and e.created_at <= v_at and (e.created_at, e.id) < (v_at, v_after)
       order by e.created_at desc, e.id desc
       limit max_rows;
  end if;
end;
$$;

-- Name: FUNCTION bulk_action_candidates(team_id uuid, action text, filter jsonb, upper_created_at timestamp with time zone, after_created_at timestamp with time zone, after_id uuid, max_rows integer); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.bulk_action_candidates(team_id uuid, action text, filter jsonb, upper_created_at timestamp with time zone, after_created_at timestamp with time zone, after_id uuid, max_rows integer) IS 'The executions a bulk action reaches after a keyset position (created_at desc, id desc; from the top when after_created_at is null): the team''s hot executions matching the filter in a state the action applies to, created before the action started; at most max_rows (null: all). History filter: a walk down the workflow''s or the team''s (created_at desc, id desc) index that stops at max_rows, planned once per session (plan_cache_mode force_generic_plan: partitions after the position are pruned when the plan starts); ~8 ms per 5,000. Search query filter: app_private.search_executions_hot with app_private.bulk_action_search_query''s query, in pages of at most 1,000 from the same position (the search''s own plans: label index, GIN windows). Volatile: the search prepares its statements per session.';

-- Name: bulk_action_filter(jsonb); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.bulk_action_filter(filter jsonb) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
declare
  k text;
  v jsonb := coalesce(filter, '{}');
  v_detail text;
  v_message text;
begin
  if jsonb_typeof(v) <> 'object' then
    raise exception 'filter must be a JSON object' using errcode = 'LFVAL', detail = 'field: filter';
  end if;
  for k in select jsonb_object_keys(v) loop
    if k not in ('workflow_id', 'state', 'created_from', 'created_before', 'query') then
      raise exception 'unknown filter field %', k using errcode = 'LFVAL', detail = 'field: filter.' || k;
    end if;
  end loop;
  if v ? 'query' then
    -- the search query: alone (its own fields say workflow, state and time), validated by the search's compiler
    if (select count(*) from jsonb_object_keys(v)) > 1 then
      raise exception 'a search query filter takes no other fields: put them in the query' using errcode = 'LFVAL',
        detail = 'field: filter.query', hint = 'The query language has workflow_id, state, created_from and created_before too.';
    end if;
    if jsonb_typeof(v -> 'query') is distinct from 'object' then
      raise exception 'filter.query must be a search query object' using errcode = 'LFVAL', detail = 'field: filter.query';
    end if;
    begin
      perform app_hidden.execution_search_predicate(v -> 'query');
    exception when sqlstate 'LFVAL' then
      get stacked diagnostics v_message = message_text, v_detail = pg_exception_detail;
      raise exception '%', v_message using errcode = 'LFVAL',
        detail = regexp_replace(coalesce(v_detail, 'field: query'), '^field: ', 'field: filter.');
    end;
    return jsonb_build_object('query', v -> 'query');
  end if;
  begin
    perform (v->>'workflow_id')::uuid, (v->>'created_from')::timestamptz, (v->>'created_before')::timestamptz;
  exception when others then
    raise exception 'malformed filter value' using errcode = 'LFVAL', detail = 'field: filter';
  end;
  if v ? 'state' and v->>'state' is not null and not ((v->>'state') = any (app_hidden.execution_states())) then
    raise exception 'unknown state' using errcode = 'LFVAL', detail = 'field: filter.state';
  end if;
  return jsonb_strip_nulls(jsonb_build_object('workflow_id', v->>'workflow_id', 'state', v->>'state',
    'created_from', app_private.archive_iso((v->>'created_from')::timestamptz), 'created_before', app_private.archive_iso((v->>'created_before')::timestamptz)));
end;
$$;

-- Name: FUNCTION bulk_action_filter(filter jsonb); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.bulk_action_filter(filter jsonb) IS 'Validates and normalises a bulk-action filter: the execution-history filter {workflow_id?, state?, created_from?, created_before?}, or a search query {query: <search query document>} (docs/search.md) and nothing else. LFVAL names the field otherwise (filter.<key>, filter.query.<path>).';

-- Name: bulk_action_search_query(text, jsonb, timestamp with time zone); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.bulk_action_search_query(action text, search jsonb, upper_created_at timestamp with time zone) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_states text[] := app_private.bulk_action_states(action);
  v_before timestamptz := upper_created_at;
begin
  if search ? 'state' then
    v_states := array(select s from unnest(v_states) s
                       where s = any (app_hidden.search_text_list('query.state', search -> 'state', app_hidden.execution_states())));
  end if;
  if cardinality(v_states) = 0 then
    return null;  -- the query's states and the action's have none in common: nothing to reach
  end if;
  if search ? 'created_before' then
    v_before := least(v_before, app_hidden.search_timestamp('query.created_before', search -> 'created_before'));
  end if;
  return search || jsonb_build_object('state', to_jsonb(v_states), 'created_before', app_private.archive_iso(v_before));
end;
$$;

-- Name: FUNCTION bulk_action_search_query(action text, search jsonb, upper_created_at timestamp with time zone); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.bulk_action_search_query(action text, search jsonb, upper_created_at timestamp with time zone) IS 'The search query a bulk action with a query filter runs: the given query, its states narrowed to those the action applies to (bulk_action_states) and its created_before to the action''s start (upper_created_at). Null when no state is left.';

-- Name: bulk_action_states(text); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.bulk_action_states(action text) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select case action
    when 'cancel' then array['pending', 'queued', 'running', 'waiting']
    when 'retry' then array['failed', 'timed_out', 'crashed']
    when 'delete' then app_hidden.execution_terminal_states()
  end;
$$;

-- Name: FUNCTION bulk_action_states(action text); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.bulk_action_states(action text) IS 'The states an action applies to: cancel the unfinished, retry the retryable (execution_allowed_transitions is_retry), delete the finished.';

-- Name: uuid_generate_v7(); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.uuid_generate_v7() RETURNS uuid
    LANGUAGE sql PARALLEL SAFE
    AS $$
  -- 48-bit unix ms timestamp, version 7, variant 10, random rest
  select pg_catalog.encode(
    pg_catalog.set_bit(pg_catalog.set_bit(pg_catalog.set_bit(pg_catalog.set_bit(pg_catalog.set_bit(pg_catalog.set_bit(
      overlay(public.gen_random_bytes(16)
        placing substring(pg_catalog.int8send((extract(epoch from pg_catalog.clock_timestamp()) * 1000)::bigint) from 3)
        from 1 for 6),
      55, 0), 54, 1), 53, 1), 52, 1), 71, 1), 70, 0), 'hex')::uuid;
$$;

-- Name: FUNCTION uuid_generate_v7(); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.uuid_generate_v7() IS '@resultFieldName uuid
A time-ordered UUID (RFC 9562 version 7): good locality in b-tree indexes; the first 48 bits are the unix time in milliseconds.';

-- Name: bulk_actions; Type: TABLE; Schema: app_public; Owner: -

CREATE TABLE app_public.bulk_actions (
    team_id uuid NOT NULL,
    id uuid DEFAULT app_public.uuid_generate_v7() NOT NULL,
    action text NOT NULL,
    filter jsonb NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    expected_count bigint NOT NULL,
    processed bigint DEFAULT 0 NOT NULL,
    acted bigint DEFAULT 0 NOT NULL,
    skipped bigint DEFAULT 0 NOT NULL,
    batch_size integer DEFAULT 1000 NOT NULL,
    upper_created_at timestamp with time zone DEFAULT now() NOT NULL,
    cursor_created_at timestamp with time zone,
    cursor_id uuid,
    steps integer DEFAULT 0 NOT NULL,
    created_by uuid,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    started_at timestamp with time zone,
    finished_at timestamp with time zone,
    CONSTRAINT bulk_actions_action_known CHECK ((action = ANY (ARRAY['cancel'::text, 'retry'::text, 'delete'::text]))),
    CONSTRAINT bulk_actions_batch_size_range CHECK (((batch_size >= 1) AND (batch_size <= 10000))),
    CONSTRAINT bulk_actions_cursor_pair CHECK (((cursor_created_at IS NULL) = (cursor_id IS NULL))),
    CONSTRAINT bulk_actions_status_known CHECK ((status = ANY (ARRAY['pending'::text, 'running'::text, 'succeeded'::text, 'cancelled'::text])))
);

-- Name: TABLE bulk_actions; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON TABLE app_public.bulk_actions IS 'A bulk action (cancel, retry or delete) over the executions matching a filter, run in batches by the worker (task lifecycle_bulk_action). Progress: processed (executions visited), acted (moved or deleted), skipped (no longer eligible when reached: finished meanwhile, under legal hold), out of expected_count (the dry-run count at start). The keyset position (cursor_created_at, cursor_id) advances in the same transaction as each batch''s moves, so a crash repeats nothing and loses nothing. Executions created after the action started (upper_created_at) are not included. Owners/admins see their teams'' actions.';

-- Name: COLUMN bulk_actions.cursor_created_at; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON COLUMN app_public.bulk_actions.cursor_created_at IS '@behavior -*
Keyset position: the last execution processed (created_at).';

-- Name: COLUMN bulk_actions.cursor_id; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON COLUMN app_public.bulk_actions.cursor_id IS '@behavior -*
Keyset position: the last execution processed (id).';

-- Name: bulk_action_step(uuid, uuid); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.bulk_action_step(team_id uuid, id uuid) RETURNS app_public.bulk_actions
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_custom_plan'
    AS $$
declare
  v app_public.bulk_actions;
  v_ids uuid[];
  v_cas timestamptz[];
  v_n integer;
  v_acted integer := 0;
  v_details jsonb;
  v_requests app_private.execution_move_request[];
begin
  -- one step per action at a time: the row lock serialises runners (a second runner waits, then continues from the new position)
  select * into v from app_public.bulk_actions b where b.team_id = bulk_action_step.team_id and b.id = bulk_action_step.id for update;
  if v.id is null then
    raise exception 'bulk action not found' using errcode = 'LFNTF', detail = 'field: id';
  end if;
  if v.status not in ('pending', 'running') then
    return v;
  end if;
  select array_agg(c.id order by c.created_at desc, c.id desc), array_agg(c.created_at order by c.created_at desc, c.id desc)
    into v_ids, v_cas
    from app_private.bulk_action_candidates(v.team_id, v.action, v.filter, v.upper_created_at, v.cursor_created_at, v.cursor_id, v.batch_size) c;
  v_n := coalesce(cardinality(v_ids), 0);
  if v_n = 0 then
    update app_public.bulk_actions b set status = 'succeeded', started_at = coalesce(b.started_at, now()), finished_at = now(), updated_at = now()
     where b.team_id = v.team_id and b.id = v.id returning * into v;
    perform app_private.lifecycle_event(v.team_id, 'BulkActionFinished', jsonb_build_object(
      'bulk_action_id', v.id, 'action', v.action, 'processed', v.processed, 'acted', v.acted, 'skipped', v.skipped));
    return v;
  end if;
  if v.action in ('cancel', 'retry') then
    -- through the engine: the state machine decides each move; a move refused now (finished meanwhile) is skipped
    -- typed requests straight from the ids (no JSON item per execution to build and parse again), one details value for the batch
    v_details := jsonb_build_object('reason', 'bulk ' || v.action, 'bulk_action_id', v.id);
    v_requests := array(
      select row(x.ord::integer, x.id, case v.action when 'cancel' then 'cancelled' else 'queued' end, null::text, v_details, true)::app_private.execution_move_request
        from unnest(v_ids) with ordinality x(id, ord));
    select count(*) filter (where r.ok) into v_acted from app_private.apply_execution_move_requests(v_requests, v.created_by, false) r;
  else
    delete from app_public.executions e
     using unnest(v_ids, v_cas) x(id, created_at)
     where e.id = x.id and e.created_at = x.created_at and e.team_id = v.team_id
       and e.state = any (app_hidden.execution_terminal_states())
       -- legal holds win (the rule of app_private.archive_is_held, as one anti-join)
       and not exists (select 1 from app_private.legal_holds h
                        where h.released_at is null and h.team_id = e.team_id
                          and (h.workflow_id is null and h.execution_id is null
                               or h.workflow_id = e.workflow_id or h.execution_id = e.id));
    get diagnostics v_acted = row_count;
    perform app_private.lifecycle_event(v.team_id, 'ExecutionsDeleted', jsonb_build_object(
      'bulk_action_id', v.id, 'count', v_acted, 'execution_ids', to_jsonb(v_ids)));
  end if;
  update app_public.bulk_actions b
     set status = 'running', started_at = coalesce(b.started_at, now()), updated_at = now(), steps = b.steps + 1,
         processed = b.processed + v_n, acted = b.acted + v_acted, skipped = b.skipped + (v_n - v_acted),
         cursor_created_at = v_cas[v_n], cursor_id = v_ids[v_n]
   where b.team_id = v.team_id and b.id = v.id
  returning * into v;
  return v;
end;
$$;

-- Name: FUNCTION bulk_action_step(team_id uuid, id uuid); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.bulk_action_step(team_id uuid, id uuid) IS 'Applies the next batch of a bulk action in one transaction: locks the action row, takes the next batch_size executions after the keyset position (bulk_action_candidates), cancels or retries them through the transition engine''s batched path, app_private.apply_execution_move_requests, with typed requests built from the ids (the state machine decides; refused moves count as skipped) or deletes the finished, unheld ones (ExecutionsDeleted event with their ids), and advances the position and counters in the same transaction: each execution is acted on at most once, and a crash loses or repeats nothing. A step that finds nothing left marks the action succeeded. Returns the action row. Plans its statements per call (plan_cache_mode force_custom_plan; the engine it calls keeps its own setting).';

-- Name: bulk_create_users(jsonb, boolean); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.bulk_create_users(items jsonb, best_effort boolean DEFAULT false) RETURNS SETOF app_private.bulk_row_result
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_out app_private.bulk_row_result[];
  v_base text[] := app_private.bulk_user_ids_base();
  v_prefix text := v_base[1];
  v_start bigint := v_base[2]::bigint;
begin
  if items is null or jsonb_typeof(items) <> 'array' then
    raise exception 'items must be a JSON array' using errcode = 'LFVAL', detail = 'field: items';
  end if;
  if jsonb_array_length(items) > 50000 then
    raise exception 'at most 50000 rows per call' using errcode = 'LFLIM', detail = 'field: items';
  end if;
  begin
    -- Fast path (every row valid, no email taken: the same answer in both modes): one plain INSERT of the rows in
    -- the canonical order (lower(email)), checked by the table's own constraints and unique index, ids made here
    -- in that order, the answer built from the input.
    with input as materialized (
      select w.*, app_private.bulk_user_id(v_prefix, v_start + w.n) as id
        from (select x.ord::integer as ord, x.email, x.name, coalesce(x.status, 'active') as status,
                     row_number() over (order by lower(x.email) collate "C", x.ord) as n
                from rows from (jsonb_to_recordset(items) as (email text, name text, status text)) with ordinality as x(email, name, status, ord)) w
    ), ins as (
      insert into app_public.users (id, email, name, status) select i.id, i.email, i.name, i.status from input i order by i.n
    )
    select array_agg(row(i.ord, i.id, 1, null, null, null)::app_private.bulk_row_result order by i.ord) into v_out from input i;
  exception when unique_violation or check_violation or not_null_violation then
    -- Some row is invalid, repeated or taken: the insert is undone (this block is a subtransaction).
    v_out := app_private.bulk_create_users_careful(items, best_effort);
  end;
  return query select * from unnest(v_out);
end;
$$;

-- Name: FUNCTION bulk_create_users(items jsonb, best_effort boolean); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.bulk_create_users(items jsonb, best_effort boolean) IS 'Creates many users ([{email, name, status?}], up to 50,000) and returns one result per input row.
The common case (every row valid, no email taken) costs one plain INSERT, close to a COPY of the same rows: the table''s
constraints and unique index do the checking, ids are made beforehand (bulk_user_id: a counter and random(), no
strong random call per row), no ON CONFLICT, no RETURNING. Rows are inserted in the order of lower(email), so concurrent imports with
overlapping emails wait for each other instead of deadlocking. When any row fails, that insert is undone and the
careful path (bulk_create_users_careful) validates every row in SQL (shape, lengths, status, repeats in the batch) and
finds taken emails (also those of concurrent transactions) with ON CONFLICT DO NOTHING. All-or-nothing (default):
when any row fails nothing is written and only failures are reported. best_effort: valid rows are written, failures
reported. Users created this way have no password (invited or SSO).';

-- Name: bulk_create_users_careful(jsonb, boolean); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.bulk_create_users_careful(items jsonb, best_effort boolean) RETURNS app_private.bulk_row_result[]
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_out app_private.bulk_row_result[];
  v_base text[] := app_private.bulk_user_ids_base();
  v_prefix text := v_base[1];
  v_start bigint := v_base[2]::bigint;
begin
  begin
    with input as (
      select x.ord::integer as ord, x.email, x.name, coalesce(x.status, 'active') as status
        from rows from (jsonb_to_recordset(items) as (email text, name text, status text)) with ordinality as x(email, name, status, ord)
    ), checked as (
      select i.*, app_private.bulk_user_row_error(i.email, i.name, i.status,
                    row_number() over (partition by lower(i.email) order by i.ord) > 1) as err
        from input i
    ), valid as (
      select c.email, c.name, c.status, row_number() over (order by lower(c.email) collate "C") as n
        from checked c where c.err is null
    ), ins as (
      insert into app_public.users (id, email, name, status)
      select app_private.bulk_user_id(v_prefix, v_start + v.n), v.email, v.name, v.status
        from valid v
       order by v.n
      on conflict (email) do nothing
      returning users.id, users.email, users.version
    )
    select array_agg(row(c.ord, ins.id, ins.version,
             case when c.err is not null then split_part(c.err, ':', 2) when ins.id is null then 'LFCNF' end,
             case when c.err is not null then split_part(c.err, ':', 1) when ins.id is null then 'email' end,
             case when c.err is not null then split_part(c.err, ':', 3) when ins.id is null then 'email taken' end
           )::app_private.bulk_row_result order by c.ord)
      into v_out
      from checked c
      left join ins on lower(ins.email::text) = lower(c.email) and c.err is null;
    if not best_effort and exists (select 1 from unnest(v_out) o where o.error_code is not null) then
      -- Undo this block's inserts (a subtransaction) but keep the per-row report. LFBLK never leaves this function.
      raise exception 'bulk create refused' using errcode = 'LFBLK';
    end if;
  exception when sqlstate 'LFBLK' then
    select array_agg(row(o.ord, null, null, o.error_code, o.error_field, o.error_message)::app_private.bulk_row_result order by o.ord)
      into v_out from unnest(v_out) o;
  end;
  return v_out;
end;
$$;

-- Name: FUNCTION bulk_create_users_careful(items jsonb, best_effort boolean); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.bulk_create_users_careful(items jsonb, best_effort boolean) IS 'The careful path of bulk_create_users: inserts the valid rows in the order of lower(email) with ON CONFLICT (email) DO NOTHING, so taken emails (also those of concurrent transactions, waited for in that order) are reported per row; all-or-nothing undoes its inserts (a subtransaction) when any row failed. Owner only.';

-- Name: bulk_update_users(jsonb, boolean); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.bulk_update_users(items jsonb, best_effort boolean DEFAULT false) RETURNS SETOF app_private.bulk_row_result
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $_$
declare
  v_out app_private.bulk_row_result[];
  v_failed integer;
begin
  if items is null or jsonb_typeof(items) <> 'array' then
    raise exception 'items must be a JSON array' using errcode = 'LFVAL', detail = 'field: items';
  end if;
  if jsonb_array_length(items) > 50000 then
    raise exception 'at most 50000 rows per call' using errcode = 'LFLIM', detail = 'field: items';
  end if;
  with input as (
    select x.ord::integer as ord, (x.r->>'id')::uuid as id, x.r->>'email' as email, x.r->>'name' as name,
           x.r->>'status' as status, (x.r->>'expected_version')::integer as expected_version
      from jsonb_array_elements(items) with ordinality as x(r, ord)
  ), checked as (
    select i.*, u.version as current_version,
      case
        when u.id is null then 'id:LFNTF:user not found'
        when i.expected_version is not null and i.expected_version <> u.version then 'version:LFVER:current_version=' || u.version
        when i.email is not null and (length(i.email) > 320 or i.email !~ '^[^@\s]+@[^@\s]+\.[^@\s]+$') then 'email:LFVAL:invalid email'
        when i.name is not null and char_length(i.name) not between 1 and 200 then 'name:LFVAL:name must have 1 to 200 characters'
        when i.status is not null and i.status not in ('active', 'invited', 'suspended') then 'status:LFVAL:unknown status'
        when row_number() over (partition by i.id order by i.ord) > 1 then 'id:LFCNF:id repeated in this batch'
        when i.email is not null and count(*) over (partition by lower(i.email)) > 1 then 'email:LFCNF:email repeated in this batch'
        when i.email is not null and exists (select 1 from app_public.users o where o.email operator(public.=) i.email::public.citext and o.id <> i.id)
          then 'email:LFCNF:email taken'
      end as err
      from input i
      left join app_public.users u on u.id = i.id and u.deleted_at is null
  ), ok as (
    select c.* from checked c
     where c.err is null and (best_effort or not exists (select 1 from checked e where e.err is not null))
  ), upd as (
    -- version and updated_at set here as the triggers would (they then stand aside: no per-row function call)
    update app_public.users u
       set email = coalesce(ok.email, u.email::text), name = coalesce(ok.name, u.name), status = coalesce(ok.status, u.status),
           version = u.version + 1,
           updated_at = case when u.updated_at >= now() then u.updated_at + interval '1 millisecond' else now() end
      from ok
     where u.id = ok.id and u.deleted_at is null and u.version = ok.current_version
    returning u.id, u.version
  )
  select array_agg(row(c.ord, c.id, upd.version,
           case when c.err is not null then split_part(c.err, ':', 2) when ok.ord is not null and upd.id is null then 'LFVER' end,
           case when c.err is not null then split_part(c.err, ':', 1) when ok.ord is not null and upd.id is null then 'version' end,
           case when c.err is not null then split_part(c.err, ':', 3) when ok.ord is not null and upd.id is null then 'changed concurrently' end
         )::app_private.bulk_row_result order by c.ord)
    into v_out
    from checked c
    left join ok on ok.ord = c.ord
    left join upd on upd.id = c.id and ok.ord is not null;
  select count(*) into v_failed from unnest(v_out) o where o.error_code is not null;
  if v_failed > 0 and not best_effort and exists (select 1 from unnest(v_out) o where o.version is not null) then
    raise exception 'bulk update failed: % rows changed concurrently', v_failed using errcode = 'LFVER', detail = 'field: version';
  end if;
  return query select * from unnest(v_out);
end;
$_$;

-- Name: FUNCTION bulk_update_users(items jsonb, best_effort boolean); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.bulk_update_users(items jsonb, best_effort boolean) IS 'Updates many users ([{id, email?, name?, status?, expected_version?}], up to 50,000) in one statement; one result per input row.
All-or-nothing by default (any failing row: nothing written, failures reported); best_effort writes the valid rows.
Sets version and updated_at itself (as the _110_version and _100_timestamps_update triggers would, which then do not fire).';

-- Name: bulk_user_id(text, bigint); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.bulk_user_id(prefix text, counter bigint) RETURNS uuid
    LANGUAGE sql PARALLEL RESTRICTED
    AS $$
  -- 26-bit counter in rand_a and the 14 bits after the variant, then 48 bits of random()
  select (prefix || lpad(to_hex(counter >> 14), 3, '0') || '-' || to_hex(32768 | (counter & 16383)::integer) || '-'
          || lpad(to_hex((random() * 281474976710656)::bigint), 12, '0'))::uuid;
$$;

-- Name: FUNCTION bulk_user_id(prefix text, counter bigint); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.bulk_user_id(prefix text, counter bigint) IS 'Id number counter of a bulk_create_users call (prefix and counter start from bulk_user_ids_base): a UUIDv7 (RFC 9562, counter method) whose 26-bit counter follows the millisecond, so the ids of a call increase in insertion order (the primary key inserts on its rightmost leaf page), and whose last 48 bits are random, so one id does not give away its neighbours. Distinct within a call by the counter; two calls in the same millisecond share an id only if their counter ranges overlap and 48 random bits agree. Cheap: a plain SQL expression, inlined into the bulk statement (no SET clause, which would stop inlining), with the backend''s random() instead of a strong random call per row.';

-- Name: bulk_user_ids_base(); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.bulk_user_ids_base() RETURNS text[]
    LANGUAGE sql PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
  -- [prefix, start]: the text of this instant's millisecond timestamp and the version digit ('tttttttt-tttt-7'),
  -- and a random 25-bit start of the call's counter (start + n stays below 2^26 for any n of one call).
  select array[substr(t, 1, 8) || '-' || substr(t, 9, 4) || '-7',
               ((('x' || substr(public.gen_random_uuid()::text, 1, 8))::bit(32)::bigint) >> 7)::text]
    from lpad(to_hex((extract(epoch from clock_timestamp()) * 1000)::bigint), 12, '0') t;
$$;

-- Name: FUNCTION bulk_user_ids_base(); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.bulk_user_ids_base() IS 'The per-call part of the ids bulk_create_users makes (bulk_user_id): [prefix, start], the call''s millisecond as the start of a UUIDv7 and a random 25-bit start of its counter.';

-- Name: bulk_user_row_error(text, text, text, boolean); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.bulk_user_row_error(email text, name text, status text, repeated boolean) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $_$
  select case
    when email is null or length(email) > 320 or email !~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' then 'email:LFVAL:invalid email'
    when name is null or char_length(name) not between 1 and 200 then 'name:LFVAL:name must have 1 to 200 characters'
    when status not in ('active', 'invited', 'suspended') then 'status:LFVAL:unknown status'
    when repeated then 'email:LFCNF:email repeated in this batch'
  end;
$_$;

-- Name: FUNCTION bulk_user_row_error(email text, name text, status text, repeated boolean); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.bulk_user_row_error(email text, name text, status text, repeated boolean) IS 'Checks one row of bulk_create_users: null when valid, else ''field:SQLSTATE:message'' (the same rules as the users table''s constraints, plus repeats within the batch). Written to be inlined into the bulk statements (a plain SQL expression: no SET clause, which would stop inlining).';

-- Name: cache_keys(text, jsonb); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.cache_keys(table_name text, r jsonb) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
  select case
    when r is null then '{}'::text[]
    when table_name = 'users' then array['users:id:' || (r->>'id'), 'users:email:' || lower(r->>'email')]
    when table_name = 'teams' then array['teams:id:' || (r->>'id')]
    when table_name = 'workflows' then array['workflows:graph:' || (r->>'id')]
    when table_name in ('workflow_nodes', 'workflow_connections', 'workflow_triggers') then array['workflows:graph:' || (r->>'workflow_id')]
    else '{}'::text[]
  end;
$$;

-- Name: FUNCTION cache_keys(table_name text, r jsonb); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.cache_keys(table_name text, r jsonb) IS 'The cache keys (src/cache/entities.ts formats) that a row of a cached table feeds: a write to the row invalidates them.';

-- Name: cache_tags(text, jsonb); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.cache_tags(table_name text, r jsonb) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
  select case
    when r is null then '{}'::text[]
    when table_name = 'users' then array['user:' || (r->>'id')]
    when table_name = 'teams' then array['team:' || (r->>'id')]
    when table_name = 'team_memberships' then array['team:' || (r->>'team_id')]
    when table_name = 'workflows' then array['team-workflows:' || (r->>'team_id'), 'team:' || (r->>'team_id')]
    else '{}'::text[]
  end;
$$;

-- Name: FUNCTION cache_tags(table_name text, r jsonb); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.cache_tags(table_name text, r jsonb) IS 'The cache tags (read-model queries, src/cache/entities.ts) that a row of a cached table feeds.';

-- Name: check_execution_budget(uuid, integer); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.check_execution_budget(team_id uuid, n integer DEFAULT 1) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_budget integer;
  v_warn integer;
  v_month date := app_private.budget_month();
  v_shards integer;
  v_pref integer;
  v_left integer := n;
  v_take integer;
  v_used integer;
  v_allot integer;
  v_s integer;
  v_total bigint;
begin
  select b.executions_per_month, b.warn_percent into v_budget, v_warn from app_public.team_budgets b where b.team_id = check_execution_budget.team_id;
  if v_budget is null or n <= 0 then
    return;
  end if;
  if not exists (select 1 from app_private.team_budget_slots s where s.team_id = check_execution_budget.team_id and s.month = v_month) then
    perform app_private.ensure_budget_slots(check_execution_budget.team_id, v_month, v_budget);
  end if;
  select count(*) into v_shards from app_private.team_budget_slots s where s.team_id = check_execution_budget.team_id and s.month = v_month;
  v_pref := pg_backend_pid() % greatest(v_shards, 1);
  if n = 1 then
    -- the common case: preferred shard first, then the others. The UPDATE re-checks used < allot on the latest
    -- committed row after waiting for its lock, and locks nothing when the shard is full, so a starter holds
    -- at most the lock of the shard it took from.
    for v_s in
      select s.shard from app_private.team_budget_slots s
       where s.team_id = check_execution_budget.team_id and s.month = v_month and s.used < s.allot
       order by (s.shard - v_pref + v_shards) % v_shards
    loop
      update app_private.team_budget_slots s set used = s.used + 1
       where s.team_id = check_execution_budget.team_id and s.month = v_month and s.shard = v_s and s.used < s.allot;
      if found then
        v_left := 0;
        exit;
      end if;
    end loop;
  else
    -- many at once (set-based inserts): shards in ascending order under their locks (no deadlock between such callers)
    for v_s in
      select s.shard from app_private.team_budget_slots s
       where s.team_id = check_execution_budget.team_id and s.month = v_month and s.used < s.allot
       order by s.shard
    loop
      select s.used, s.allot into v_used, v_allot from app_private.team_budget_slots s
       where s.team_id = check_execution_budget.team_id and s.month = v_month and s.shard = v_s for update;
      continue when v_used >= v_allot;
      v_take := least(v_left, v_allot - v_used);
      update app_private.team_budget_slots s set used = s.used + v_take
       where s.team_id = check_execution_budget.team_id and s.month = v_month and s.shard = v_s;
      v_left := v_left - v_take;
      exit when v_left = 0;
    end loop;
  end if;
  select coalesce(sum(s.used), 0) into v_total from app_private.team_budget_slots s
   where s.team_id = check_execution_budget.team_id and s.month = v_month;
  if v_left > 0 then
    raise exception 'execution budget exceeded: % of % executions this month', v_total + v_left - n, v_budget using errcode = 'LFLIM',
      detail = format('budget=executions_per_month limit=%s usage=%s requested=%s month=%s', v_budget, v_total + v_left - n, n, to_char(v_month, 'YYYY-MM')),
      hint = 'raise the team budget (set_team_budget) or wait for the next month';
  end if;
  if v_total >= ceil(v_budget::numeric * v_warn / 100) then
    insert into app_private.team_budget_warnings (team_id, month) values (check_execution_budget.team_id, v_month) on conflict do nothing;
    if found then
      perform app_private.lifecycle_event(check_execution_budget.team_id, 'BudgetThresholdReached', jsonb_build_object(
        'budget', 'executions_per_month', 'limit', v_budget, 'usage', v_total, 'warn_percent', v_warn, 'month', to_char(v_month, 'YYYY-MM')));
    end if;
  end if;
end;
$$;

-- Name: FUNCTION check_execution_budget(team_id uuid, n integer); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.check_execution_budget(team_id uuid, n integer) IS 'Takes n executions from the team''s budget for the current UTC month, or raises LFLIM (DETAIL budget=executions_per_month limit=<n> usage=<n> requested=<n> month=<YYYY-MM>) and takes nothing. Exact under concurrency: units come from allotment shards locked one at a time (see team_budget_slots); a rolled-back start returns its unit. Appends BudgetThresholdReached once per month when usage reaches warn_percent. No budget: returns at once.';

-- Name: configure_auth(text, text, text, interval, integer, interval); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.configure_auth(jwt_secret text, jwt_issuer text DEFAULT NULL::text, jwt_audience text DEFAULT NULL::text, token_ttl interval DEFAULT '01:00:00'::interval, bcrypt_cost integer DEFAULT 10, restore_window interval DEFAULT '30 days'::interval) RETURNS void
    LANGUAGE sql
    SET search_path TO 'pg_catalog'
    AS $$
  update app_private.auth_settings s
     set jwt_secret = configure_auth.jwt_secret, jwt_issuer = configure_auth.jwt_issuer,
         jwt_audience = configure_auth.jwt_audience, token_ttl = configure_auth.token_ttl,
         bcrypt_cost = configure_auth.bcrypt_cost, restore_window = configure_auth.restore_window, updated_at = now()
   where s.id;
$$;

-- Name: FUNCTION configure_auth(jwt_secret text, jwt_issuer text, jwt_audience text, token_ttl interval, bcrypt_cost integer, restore_window interval); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.configure_auth(jwt_secret text, jwt_issuer text, jwt_audience text, token_ttl interval, bcrypt_cost integer, restore_window interval) IS 'Stores the JWT signing settings, bcrypt cost and restore window (called by the trusted server at start from its configuration). Owner only.';

-- Name: consistency_position(); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.consistency_position(OUT xmax xid8, OUT wal_lsn pg_lsn) RETURNS record
    LANGUAGE sql
    SET search_path TO 'pg_catalog'
    AS $$
  select pg_snapshot_xmax(pg_current_snapshot()), pg_current_wal_lsn();
$$;

-- Name: FUNCTION consistency_position(OUT xmax xid8, OUT wal_lsn pg_lsn); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.consistency_position(OUT xmax xid8, OUT wal_lsn pg_lsn) IS 'The raw parts of a consistency token, taken after a write has committed: xmax, the first transaction id not yet finished when it was taken (every committed write of the caller has a smaller id), and the primary''s WAL position. A read model covers the token once every event of a transaction below xmax is applied (app_private.projections_cover); a replica covers it once it has replayed wal_lsn.';

-- Name: users; Type: TABLE; Schema: app_public; Owner: -

CREATE TABLE app_public.users (
    id uuid DEFAULT app_public.uuid_generate_v7() NOT NULL,
    email public.citext NOT NULL,
    name text NOT NULL,
    status text DEFAULT 'active'::text NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    deleted_at timestamp with time zone,
    CONSTRAINT users_deleted_after_created CHECK (((deleted_at IS NULL) OR (deleted_at >= created_at))),
    CONSTRAINT users_email_shape CHECK (((length((email)::text) <= 320) AND (email OPERATOR(public.~) '^[^@\s]+@[^@\s]+\.[^@\s]+$'::public.citext))),
    CONSTRAINT users_name_length CHECK (((char_length(name) >= 1) AND (char_length(name) <= 200))),
    CONSTRAINT users_status_known CHECK ((status = ANY (ARRAY['active'::text, 'invited'::text, 'suspended'::text]))),
    CONSTRAINT users_version_positive CHECK ((version > 0))
);

-- Name: TABLE users; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON TABLE app_public.users IS 'A person who uses LinkFlow. Email is unique case-insensitively. Soft-deleted users (deleted_at set) are invisible on every read path.';

-- Name: COLUMN users.version; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON COLUMN app_public.users.version IS 'Row version, incremented on every update; used for optimistic concurrency.';

-- Name: create_user(text, text, text, text); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.create_user(email text, name text, password text DEFAULT NULL::text, status text DEFAULT 'active'::text) RETURNS app_public.users
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
#variable_conflict use_variable
declare
  v_user app_public.users;
begin
  if password is not null then
    perform app_private.assert_password_strength(password, email);
  end if;
  insert into app_public.users (email, name, status)
    values (create_user.email, create_user.name, coalesce(create_user.status, 'active'))
    returning * into v_user;
  insert into app_private.user_secrets (user_id, password_hash, password_changed_at)
    values (v_user.id, case when password is null then null else app_private.hash_password(password) end,
            case when password is null then null else now() end);
  return v_user;
end;
$$;

-- Name: FUNCTION create_user(email text, name text, password text, status text); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.create_user(email text, name text, password text, status text) IS 'Creates a user (and its secrets row; the password, when given, is strength-checked and bcrypt-hashed). A taken email raises 23505 users_email_key (ConflictError, field email). Owner only: the repository''s Create.';

-- Name: enqueue_cache_invalidation(text[], text[], text[]); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.enqueue_cache_invalidation(keys text[], tags text[] DEFAULT '{}'::text[], patterns text[] DEFAULT '{}'::text[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_bulk boolean := cardinality(keys) > 1000;
  k text[] := array(select d.x from (select distinct x from unnest(keys) x where x is not null) d order by d.x collate "C");
  t text[] := array(select d.x from (select distinct x from unnest(tags) x where x is not null) d order by d.x collate "C");
  p text[] := array(select d.x from (select distinct x from unnest(patterns) x where x is not null) d order by d.x collate "C");
  v_added text[];
  v_lost text[];
begin
  if cardinality(k) + cardinality(t) + cardinality(p) = 0 then
    return;
  end if;
  with specs (ord, payload, job_key) as (
    -- A bulk write (thousands of rows in one statement): jobs of up to 1,000 keys each (input order), without job keys.
    select g.i, json_build_object('keys', to_json(b.keys[g.i:g.i + 999])), null::text
      from (select array_remove(keys, null) as keys) b, generate_series(1, cardinality(b.keys), 1000) g(i)
     where v_bulk
    union all
    -- Entity keys (a user, a workflow graph): one job per key, its job_key prefixed with the task name, so a
    -- burst of writes to the same entity collapses into one pending job; a job already running is never lost
    -- (graphile-worker creates a new one). Sorted, so concurrent writers upsert job keys in one order.
    select u.i, json_build_object('keys', json_build_array(u.x)), 'cache_invalidate:k:' || u.x
      from unnest(k) with ordinality u(x, i)
     where not v_bulk and cardinality(k) <= 16
    union all
    select 1, json_build_object('keys', to_json(k)), null
     where not v_bulk and cardinality(k) > 16
    union all
    -- Tags and patterns are shared by many writers (every workflow of a team feeds its team's tags): one job per
    -- statement, without a job key. Upserting shared job keys from transactions that touch them in different
    -- orders deadlocks; a few extra cheap jobs do not.
    select 2147483647, json_build_object('tags', to_json(t), 'patterns', to_json(p)), null
     where cardinality(t) + cardinality(p) > 0
  )
  -- the aggregate reads every row add_jobs returns, so every spec is enqueued
  select coalesce(array_agg(j.key), '{}') into v_added
    from graphile_worker.add_jobs(array(
      select row('cache_invalidate', s.payload, null, null, null, s.job_key, null, null)::graphile_worker.job_spec
        from specs s order by s.ord)) j;
  -- A keyed spec with no job back: a worker locked the pending job of this key at this very instant and
  -- graphile-worker's upsert skipped it (neither updated nor inserted). That job may have run before this commit:
  -- a keyless job takes the key, so an invalidation always runs after this transaction commits.
  if not v_bulk and cardinality(k) <= 16 then
    v_lost := array(select u.x from unnest(k) u(x) where not ('cache_invalidate:k:' || u.x) = any (v_added) order by u.x collate "C");
    if cardinality(v_lost) > 0 then
      perform graphile_worker.add_job('cache_invalidate', json_build_object('keys', to_json(v_lost)));
    end if;
  end if;
end;
$$;

-- Name: FUNCTION enqueue_cache_invalidation(keys text[], tags text[], patterns text[]); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.enqueue_cache_invalidation(keys text[], tags text[], patterns text[]) IS 'Enqueues cache_invalidate jobs, all in one graphile_worker.add_jobs call: up to 16 entity keys get one deduplicated job each (job_key cache_invalidate:k:<key>, upserted in sorted order; a key whose upsert meets a job being locked by a worker at that instant, which graphile-worker then neither updates nor inserts, goes into a keyless job); up to 1,000 keys one job; a bulk write (more than 1,000 keys) jobs of up to 1,000 keys each in input order; tags and patterns go into one job per call without a job key (shared by many writers: no deadlock-prone upserts). The jobs run after the calling transaction commits; a rollback enqueues nothing.';

-- Name: ensure_budget_slots(uuid, date, integer); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.ensure_budget_slots(team_id uuid, month date, budget integer) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_shards integer := (select s.budget_shards from app_private.lifecycle_settings s);
  v_used bigint := 0;
  v_room bigint;
begin
  -- starts already made this month (before the budget existed) count: shard 0 carries them
  if month = app_private.budget_month() then
    select u.executions_this_month into v_used from app_private.team_usage(ensure_budget_slots.team_id) u;
  end if;
  v_room := greatest(budget - v_used, 0);
  insert into app_private.team_budget_slots (team_id, month, shard, allot, used)
  select ensure_budget_slots.team_id, ensure_budget_slots.month, g,
         (case when g = 0 then v_used else 0 end + v_room / v_shards + case when g < v_room % v_shards then 1 else 0 end)::integer,
         case when g = 0 then v_used else 0 end
    from generate_series(0, v_shards - 1) g
  on conflict do nothing;
end;
$$;

-- Name: FUNCTION ensure_budget_slots(team_id uuid, month date, budget integer); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.ensure_budget_slots(team_id uuid, month date, budget integer) IS 'Creates a team''s allotment shards for a month, if missing: the executions already started this month (team_usage) are carried by shard 0, the room left in the budget is split evenly.';

-- Name: ensure_partitions(integer); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.ensure_partitions(days_ahead integer DEFAULT NULL::integer) RETURNS TABLE(parent text, partition_name text, range_from date, range_to date, created boolean)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  today date := (now() at time zone 'UTC')::date;
  ahead integer := coalesce(days_ahead, (select max(premake_days) from app_private.partitioned_tables), 7);
begin
  return query select * from app_private.ensure_partitions_between(today - 1, today + ahead);
end;
$$;

-- Name: FUNCTION ensure_partitions(days_ahead integer); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.ensure_partitions(days_ahead integer) IS 'Keeps daily partitions created from yesterday to days_ahead days ahead (default: the configured premake, 7). Run by the partition_maintenance worker task.';

-- Name: ensure_partitions_between(date, date); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.ensure_partitions_between(from_day date, to_day date) RETURNS TABLE(parent text, partition_name text, range_from date, range_to date, created boolean)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  t record;
  d date;
  pname text;
begin
  for t in select p.parent, p.fillfactor from app_private.partitioned_tables p order by p.parent::text loop
    d := from_day;
    while d <= to_day loop
      pname := app_private.partition_name(t.parent, d);
      parent := t.parent::text; partition_name := 'app_partitions.' || pname; range_from := d; range_to := d + 1;
      if to_regclass('app_partitions.' || quote_ident(pname)) is null then
        execute format('create table app_partitions.%I partition of %s for values from (%L) to (%L)%s',
          pname, t.parent, d::timestamptz, (d + 1)::timestamptz,
          case when t.fillfactor is not null then format(' with (fillfactor = %s)', t.fillfactor) else '' end);
        perform app_private.inherit_column_compression(('app_partitions.' || quote_ident(pname))::regclass);
        created := true;
      else
        created := false;
      end if;
      return next;
      d := d + 1;
    end loop;
  end loop;
  perform app_private.link_execution_partitions(from_day, to_day);
end;
$$;

-- Name: FUNCTION ensure_partitions_between(from_day date, to_day date); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.ensure_partitions_between(from_day date, to_day date) IS 'Creates the missing daily partitions of every managed parent for the days from_day..to_day (UTC dates, inclusive), with the parent''s configured fillfactor, and their day-local foreign keys (app_private.link_execution_partitions). Idempotent.';

-- Name: erase_event_personal_data(uuid, text); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.erase_event_personal_data(user_id uuid, reason text DEFAULT 'erasure request'::text) RETURNS bigint
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  n bigint;
begin
  if user_id is null then
    raise exception 'user_id is required' using errcode = 'LFVAL', detail = 'field: user_id';
  end if;
  perform set_config('linkflow.allow_event_erasure', 'on', true);
  with target as (
    select e.global_position from app_public.events e
     where e.metadata->>'actor' = user_id::text
        or e.data->>'user_id' = user_id::text
        or e.data->>'actor_id' = user_id::text
        or e.data->>'author_id' = user_id::text
        or e.data->>'created_by' = user_id::text
  )
  update app_public.events e
     set metadata = (case when e.metadata->>'actor' = user_id::text then jsonb_set(e.metadata, '{actor}', 'null') else e.metadata end)
                    || jsonb_build_object('erased', jsonb_build_object('at', now(), 'reason', reason)),
         data = (select coalesce(jsonb_object_agg(d.key,
                    case when d.value = to_jsonb(user_id::text) then 'null'::jsonb
                         when exists (select 1 from app_private.event_personal_data_fields f
                                       where f.field = d.key and f.event_type in ('*', e.type)) then to_jsonb('[erased]'::text)
                         else d.value end), '{}'::jsonb)
                   from jsonb_each(e.data) d)
    from target t
   where e.global_position = t.global_position and jsonb_typeof(e.data) = 'object';
  get diagnostics n = row_count;
  perform set_config('linkflow.allow_event_erasure', 'off', true);
  return n;
end;
$$;

-- Name: FUNCTION erase_event_personal_data(user_id uuid, reason text); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.erase_event_personal_data(user_id uuid, reason text) IS 'Redacts a person''s data from the event log (the only allowed UPDATE of events): in every event whose actor
or user/actor/author/created_by field is the user, the actor becomes null, values equal to the user id become
null, the personal fields listed in app_private.event_personal_data_fields become "[erased]", and
metadata.erased records when and why. Returns the number of events redacted. Types, order and ids stay.';

-- Name: event_input_problem(jsonb); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.event_input_problem(e jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $_$
  select case
    when pg_catalog.jsonb_typeof(e) is distinct from 'object' then 'events'
    when coalesce(pg_catalog.jsonb_typeof(e->'event_id'), 'null') <> 'null'
      and (e->>'event_id') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then 'event_id'
    when pg_catalog.jsonb_typeof(e->'type') is distinct from 'string'
      or pg_catalog.char_length(e->>'type') not between 1 and 200 then 'type'
    when coalesce(pg_catalog.jsonb_typeof(e->'metadata'), 'null') not in ('null', 'object') then 'metadata'
    when coalesce(pg_catalog.jsonb_typeof(e->'schema_version'), 'null') <> 'null'
      and (e->>'schema_version') !~ '^[1-9][0-9]{0,8}$' then 'schema_version'
  end
$_$;

-- Name: FUNCTION event_input_problem(e jsonb); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.event_input_problem(e jsonb) IS 'The first invalid field of one new event ({event_id?, type, data, metadata?, schema_version?}) given to the
append, or null when the event is valid.';

-- Name: event_store_horizon(); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.event_store_horizon(OUT snapshot_xmin xid8, OUT next_xid xid8, OUT oldest_running_xid_age bigint, OUT oldest_writer_seconds double precision, OUT oldest_writer_pid integer) RETURNS record
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
  select pg_snapshot_xmin(s), pg_snapshot_xmax(s),
         (pg_snapshot_xmax(s)::text::bigint - pg_snapshot_xmin(s)::text::bigint),
         (select extract(epoch from clock_timestamp() - a.xact_start)::double precision
            from pg_stat_activity a where a.backend_xid is not null order by a.xact_start limit 1),
         (select a.pid from pg_stat_activity a where a.backend_xid is not null order by a.xact_start limit 1)
    from (select pg_current_snapshot() as s) x;
$$;

-- Name: FUNCTION event_store_horizon(OUT snapshot_xmin xid8, OUT next_xid xid8, OUT oldest_running_xid_age bigint, OUT oldest_writer_seconds double precision, OUT oldest_writer_pid integer); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.event_store_horizon(OUT snapshot_xmin xid8, OUT next_xid xid8, OUT oldest_running_xid_age bigint, OUT oldest_writer_seconds double precision, OUT oldest_writer_pid integer) IS 'The event store''s visibility horizon: the snapshot xmin (events of transactions at or after it are not yet
readable), the next xid, the age in xids of the oldest running transaction (0 when none), and - when the
caller may see other sessions (pg_monitor / pg_read_all_stats) - how long the oldest writer has been open and
its pid. A large age means a long-open writer is delaying every projection.';

-- Name: events_wake_up(); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.events_wake_up() RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
begin
  -- NOTIFY serialises the commits of notifying transactions cluster-wide (a global lock held through the commit's
  -- WAL flush), which cut single-append throughput about 5x when every writer notified. So only the transaction
  -- holding a transaction-scoped try-lock notifies; the others commit in parallel and are picked up by that
  -- wake-up or the next one (or the manager's polling fallback).
  if coalesce(current_setting('linkflow.events_notify', true), '') <> 'off'
     and pg_try_advisory_xact_lock(41004, 0) then
    perform pg_notify('linkflow_events', '');
  end if;
end;
$$;

-- Name: FUNCTION events_wake_up(); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.events_wake_up() IS 'The event store''s wake-up (owner only): a NOTIFY on linkflow_events, sent only by the transaction holding the notify gate (advisory lock 41004/0) and only unless the setting linkflow.events_notify is off. Called by every append before it inserts.';

-- Name: executions; Type: TABLE; Schema: app_public; Owner: -

CREATE TABLE app_public.executions (
    id uuid DEFAULT app_public.uuid_generate_v7() NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    team_id uuid NOT NULL,
    workflow_id uuid NOT NULL,
    workflow_version integer NOT NULL,
    state text DEFAULT 'pending'::text NOT NULL,
    trigger_type text DEFAULT 'manual'::text NOT NULL,
    trigger_id uuid,
    input jsonb,
    output jsonb,
    error jsonb,
    attempt integer DEFAULT 1 NOT NULL,
    idempotency_key text,
    version integer DEFAULT 1 NOT NULL,
    started_at timestamp with time zone,
    finished_at timestamp with time zone,
    duration_ms bigint,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT executions_attempt_positive CHECK ((attempt >= 1)),
    CONSTRAINT executions_duration_non_negative CHECK ((duration_ms >= 0)),
    CONSTRAINT executions_finished_after_started CHECK (((finished_at IS NULL) OR (started_at IS NULL) OR (finished_at >= started_at))),
    CONSTRAINT executions_idempotency_key_length CHECK (((char_length(idempotency_key) >= 1) AND (char_length(idempotency_key) <= 200))),
    CONSTRAINT executions_started_after_created CHECK (((started_at IS NULL) OR (started_at >= (created_at - '00:01:00'::interval)))),
    CONSTRAINT executions_state_known CHECK ((state = ANY ('{pending,queued,running,waiting,succeeded,failed,cancelled,timed_out,crashed}'::text[]))),
    CONSTRAINT executions_trigger_type_known CHECK ((trigger_type = ANY (ARRAY['webhook'::text, 'schedule'::text, 'event'::text, 'manual'::text, 'retry'::text]))),
    CONSTRAINT executions_version_positive CHECK ((version > 0))
)
PARTITION BY RANGE (created_at);
ALTER TABLE ONLY app_public.executions ALTER COLUMN input SET COMPRESSION lz4;
ALTER TABLE ONLY app_public.executions ALTER COLUMN output SET COMPRESSION lz4;

-- Name: TABLE executions; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON TABLE app_public.executions IS 'One run of a workflow, pinned to a workflow version, moving through states. Partitioned by day on created_at; ids are UUIDv7 so their time prefix matches created_at.';

-- Name: execution_bytes(app_public.executions); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.execution_bytes(r app_public.executions) RETURNS bigint
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    AS $$
begin
  return (24 + coalesce(pg_column_size(r.id), 0) + coalesce(pg_column_size(r.created_at), 0) + coalesce(pg_column_size(r.team_id), 0) + coalesce(pg_column_size(r.workflow_id), 0) + coalesce(pg_column_size(r.workflow_version), 0) + coalesce(pg_column_size(r.state), 0) + coalesce(pg_column_size(r.trigger_type), 0) + coalesce(pg_column_size(r.trigger_id), 0) + coalesce(pg_column_size(r.input), 0) + coalesce(pg_column_size(r.output), 0) + coalesce(pg_column_size(r.error), 0) + coalesce(pg_column_size(r.attempt), 0) + coalesce(pg_column_size(r.idempotency_key), 0) + coalesce(pg_column_size(r.version), 0) + coalesce(pg_column_size(r.started_at), 0) + coalesce(pg_column_size(r.finished_at), 0) + coalesce(pg_column_size(r.duration_ms), 0) + coalesce(pg_column_size(r.updated_at), 0))::bigint;
end;
$$;

-- Name: FUNCTION execution_bytes(r app_public.executions); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.execution_bytes(r app_public.executions) IS 'The bytes a row of executions counts for in usage and retention plans: a 24-byte row header plus pg_column_size of every column value. Column by column because pg_column_size of a whole row depends on how the row reached the expression (a transition table, a scan, a join) by a few header bytes.';

-- Name: execution_documents(uuid[]); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.execution_documents(ids uuid[]) RETURNS TABLE(id uuid, team_id uuid, workflow_id uuid, workflow_version integer, state text, trigger_type text, trigger_id uuid, input jsonb, output jsonb, error jsonb, attempt integer, idempotency_key text, version integer, created_at bigint, started_at bigint, finished_at bigint, duration_ms bigint, updated_at bigint, transitions jsonb, node_runs jsonb, pg_bytes bigint)
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
  select e.id, e.team_id, e.workflow_id, e.workflow_version, e.state, e.trigger_type, e.trigger_id,
         e.input, e.output, e.error, e.attempt, e.idempotency_key, e.version,
         (extract(epoch from e.created_at) * 1000000)::bigint, (extract(epoch from e.started_at) * 1000000)::bigint,
         (extract(epoch from e.finished_at) * 1000000)::bigint, e.duration_ms, (extract(epoch from e.updated_at) * 1000000)::bigint,
         coalesce(t.docs, '[]'::jsonb), coalesce(n.docs, '[]'::jsonb),
         pg_column_size(e.*)::bigint + coalesce(t.bytes, 0) + coalesce(n.bytes, 0)
    from (select distinct k.id from unnest(ids) k(id) where k.id is not null) k
   cross join lateral (
     (select x.* from app_public.executions x
       where x.id = k.id
         and x.created_at between app_hidden.uuid_v7_time(k.id) - interval '1 hour' and app_hidden.uuid_v7_time(k.id) + interval '1 hour')
     union all
     (select x.* from app_public.executions x where x.id = k.id)
     limit 1) e
   cross join lateral (
     select jsonb_agg(jsonb_build_object('seq', x.seq, 'from_state', x.from_state, 'to_state', x.to_state,
              'at', to_char(x.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'actor_id', x.actor_id, 'reason', x.reason,
              'details', x.details) order by x.seq) as docs,
            sum(pg_column_size(x.*))::bigint as bytes
       from app_public.execution_transitions x
      where x.execution_id = e.id and x.execution_created_at = e.created_at) t
   cross join lateral (
     select jsonb_agg(jsonb_build_object('node_name', r.node_name, 'node_id', r.node_id, 'attempt', r.attempt, 'status', r.status,
              'started_at', to_char(r.started_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
              'finished_at', to_char(r.finished_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
              'output', r.output, 'error', r.error) order by r.node_name, r.attempt) as docs,
            sum(pg_column_size(r.*))::bigint as bytes
       from app_public.execution_node_runs r
      where r.execution_id = e.id and r.execution_created_at = e.created_at) n
   order by e.created_at desc, e.id desc;
$$;

-- Name: FUNCTION execution_documents(ids uuid[]); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.execution_documents(ids uuid[]) IS 'Executions with their transitions and node runs (nested JSON, ordered), timestamps as exact epoch microseconds (top level) or ISO strings with microseconds (nested), newest first; pg_bytes is the PostgreSQL size of the rows (pg_column_size). What the archiver writes and hot reads return. Each id is looked up in the partition of its UUIDv7 time first (one partition probed), then anywhere; its transitions and node runs through their primary key in the partition of the execution.';

-- Name: execution_history(uuid, uuid, text, timestamp with time zone, timestamp with time zone, timestamp with time zone, uuid, integer, boolean); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.execution_history(team_id uuid DEFAULT NULL::uuid, workflow_id uuid DEFAULT NULL::uuid, state text DEFAULT NULL::text, created_from timestamp with time zone DEFAULT NULL::timestamp with time zone, created_before timestamp with time zone DEFAULT NULL::timestamp with time zone, after_created_at timestamp with time zone DEFAULT NULL::timestamp with time zone, after_id uuid DEFAULT NULL::uuid, max_rows integer DEFAULT 50, check_membership boolean DEFAULT false) RETURNS SETOF app_public.executions
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
declare
  lo timestamptz := coalesce(created_from, '-infinity');
  hi timestamptz := least(coalesce(created_before, 'infinity'), coalesce(after_created_at + interval '1 microsecond', 'infinity'));
  ca timestamptz := coalesce(after_created_at, 'infinity');
  ci uuid := coalesce(after_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff');
  n integer := coalesce(max_rows, 50);
  v_team uuid;
begin
  if team_id is null and workflow_id is null then
    raise exception 'give a team_id or a workflow_id' using errcode = 'LFVAL', detail = 'field: team_id';
  end if;
  if n < 1 or n > 1000 then
    raise exception 'max_rows must be between 1 and 1000' using errcode = 'LFVAL', detail = 'field: max_rows';
  end if;
  if (after_created_at is null) <> (after_id is null) then
    raise exception 'after_created_at and after_id go together' using errcode = 'LFVAL', detail = 'field: after_id';
  end if;
  if state is not null and not (state = any (app_hidden.execution_states())) then
    raise exception 'unknown state' using errcode = 'LFVAL', detail = 'field: state';
  end if;
  -- Membership is checked once here instead of by the RLS policy, whose subquery would run once per partition.
  if check_membership then
    if workflow_id is not null then
      select w.team_id into v_team from app_public.workflows w where w.id = execution_history.workflow_id;
      if v_team is null or (execution_history.team_id is not null and execution_history.team_id <> v_team) then
        return;
      end if;
    else
      v_team := execution_history.team_id;
    end if;
    if not app_hidden.has_team_role(v_team, 'viewer') then
      return;
    end if;
  end if;
  -- One static query per filter shape, each served by an index led by its filter columns; created_at bounds
  -- prune partitions; (created_at, id) < cursor is the keyset condition, newest first.
  if workflow_id is not null and state is not null then
    return query select e.* from app_public.executions e
      where e.workflow_id = execution_history.workflow_id and e.state = execution_history.state
        and (execution_history.team_id is null or e.team_id = execution_history.team_id)
        and e.created_at >= lo and e.created_at < hi and (e.created_at, e.id) < (ca, ci)
      order by e.created_at desc, e.id desc limit n;
  elsif workflow_id is not null then
    return query select e.* from app_public.executions e
      where e.workflow_id = execution_history.workflow_id
        and (execution_history.team_id is null or e.team_id = execution_history.team_id)
        and e.created_at >= lo and e.created_at < hi and (e.created_at, e.id) < (ca, ci)
      order by e.created_at desc, e.id desc limit n;
  elsif state is not null then
    return query select e.* from app_public.executions e
      where e.team_id = execution_history.team_id and e.state = execution_history.state
        and e.created_at >= lo and e.created_at < hi and (e.created_at, e.id) < (ca, ci)
      order by e.created_at desc, e.id desc limit n;
  else
    return query select e.* from app_public.executions e
      where e.team_id = execution_history.team_id
        and e.created_at >= lo and e.created_at < hi and (e.created_at, e.id) < (ca, ci)
      order by e.created_at desc, e.id desc limit n;
  end if;
end;
$$;

-- Name: FUNCTION execution_history(team_id uuid, workflow_id uuid, state text, created_from timestamp with time zone, created_before timestamp with time zone, after_created_at timestamp with time zone, after_id uuid, max_rows integer, check_membership boolean); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.execution_history(team_id uuid, workflow_id uuid, state text, created_from timestamp with time zone, created_before timestamp with time zone, after_created_at timestamp with time zone, after_id uuid, max_rows integer, check_membership boolean) IS 'Service path and core of app_public.execution_history (owner only); check_membership limits the result to teams the current user can view.';

-- Name: execution_node_runs; Type: TABLE; Schema: app_public; Owner: -

CREATE TABLE app_public.execution_node_runs (
    execution_id uuid NOT NULL,
    execution_created_at timestamp with time zone NOT NULL,
    team_id uuid NOT NULL,
    node_name text NOT NULL,
    node_id uuid,
    attempt integer DEFAULT 1 NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    started_at timestamp with time zone,
    finished_at timestamp with time zone,
    output jsonb,
    error jsonb,
    CONSTRAINT execution_node_runs_attempt_positive CHECK ((attempt >= 1)),
    CONSTRAINT execution_node_runs_finished_after_started CHECK (((finished_at IS NULL) OR (started_at IS NULL) OR (finished_at >= started_at))),
    CONSTRAINT execution_node_runs_node_name_length CHECK (((char_length(node_name) >= 1) AND (char_length(node_name) <= 200))),
    CONSTRAINT execution_node_runs_status_known CHECK ((status = ANY (ARRAY['pending'::text, 'running'::text, 'succeeded'::text, 'failed'::text, 'skipped'::text, 'cancelled'::text])))
)
PARTITION BY RANGE (execution_created_at);
ALTER TABLE ONLY app_public.execution_node_runs ALTER COLUMN output SET COMPRESSION lz4;

-- Name: TABLE execution_node_runs; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON TABLE app_public.execution_node_runs IS '@foreignKey (team_id) references app_public.teams (id)
@foreignKey (execution_id, execution_created_at) references app_public.executions (id, created_at)
One run of one node within an execution (per attempt): status, timing, output (size-limited) and error. Partitioned with its execution. node_name identifies the node (node ids change when a workflow is saved); node_id is informative. team_id is the execution''s team (copied by the writers from the locked execution row; no separate foreign key to teams). Its foreign key to executions is day-local: each day partition references the same day''s partition of executions, on delete cascade (app_private.link_execution_partitions), so archival drops a day without checking the other days.';

-- Name: execution_node_run_bytes(app_public.execution_node_runs); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.execution_node_run_bytes(r app_public.execution_node_runs) RETURNS bigint
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    AS $$
begin
  return (24 + coalesce(pg_column_size(r.execution_id), 0) + coalesce(pg_column_size(r.execution_created_at), 0) + coalesce(pg_column_size(r.team_id), 0) + coalesce(pg_column_size(r.node_name), 0) + coalesce(pg_column_size(r.node_id), 0) + coalesce(pg_column_size(r.attempt), 0) + coalesce(pg_column_size(r.status), 0) + coalesce(pg_column_size(r.started_at), 0) + coalesce(pg_column_size(r.finished_at), 0) + coalesce(pg_column_size(r.output), 0) + coalesce(pg_column_size(r.error), 0))::bigint;
end;
$$;

-- Name: FUNCTION execution_node_run_bytes(r app_public.execution_node_runs); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.execution_node_run_bytes(r app_public.execution_node_runs) IS 'The bytes a row of execution_node_runs counts for in usage and retention plans: a 24-byte row header plus pg_column_size of every column value. Column by column because pg_column_size of a whole row depends on how the row reached the expression (a transition table, a scan, a join) by a few header bytes.';

-- Name: execution_peek(uuid); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.execution_peek(p_id uuid) RETURNS app_public.executions
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
  select * from (
    (select x.* from app_public.executions x
      where x.id = p_id
        and x.created_at between app_hidden.uuid_v7_time(p_id) - interval '1 hour' and app_hidden.uuid_v7_time(p_id) + interval '1 hour')
    union all
    (select x.* from app_public.executions x where x.id = p_id)
  ) e limit 1;
$$;

-- Name: FUNCTION execution_peek(p_id uuid); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.execution_peek(p_id uuid) IS 'The execution with this id read without a lock (first the partitions around the id''s UUIDv7 time, then all), or null. For access checks that must come before any lock.';

-- Name: execution_state_changed_data(app_private.execution_move); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.execution_state_changed_data(m app_private.execution_move) RETURNS jsonb
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
  select jsonb_build_object(
    'execution_id', m.execution_id, 'workflow_id', m.workflow_id, 'team_id', m.team_id, 'from_state', m.from_state,
    'to_state', m.to_state, 'seq', m.version, 'at', m.at, 'attempt', m.attempt, 'started_at', m.started_at,
    'finished_at', m.finished_at, 'duration_ms', m.duration_ms);
$$;

-- Name: FUNCTION execution_state_changed_data(m app_private.execution_move); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.execution_state_changed_data(m app_private.execution_move) IS 'The data of the ExecutionStateChanged event of an accepted move, per the contract in docs/executions.md: execution_id, workflow_id, team_id, from_state, to_state, seq, at, attempt, started_at, finished_at, duration_ms.';

-- Name: execution_state_changed_metadata(app_private.execution_move, uuid); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.execution_state_changed_metadata(m app_private.execution_move, p_actor uuid) RETURNS jsonb
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
  select jsonb_build_object('actor', p_actor) || jsonb_strip_nulls(jsonb_build_object(
    'correlation_id', m.details->'correlation_id', 'causation_id', m.details->'causation_id', 'trace_id', m.details->'trace_id'));
$$;

-- Name: FUNCTION execution_state_changed_metadata(m app_private.execution_move, p_actor uuid); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.execution_state_changed_metadata(m app_private.execution_move, p_actor uuid) IS 'The metadata of the ExecutionStateChanged event of an accepted move: {actor, correlation_id?, causation_id?, trace_id?} from the move''s details.';

-- Name: execution_timing_after_move(text, boolean, timestamp with time zone, integer, timestamp with time zone, timestamp with time zone, bigint); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.execution_timing_after_move(p_to_state text, p_is_retry boolean, p_at timestamp with time zone, p_attempt integer, p_started_at timestamp with time zone, p_finished_at timestamp with time zone, p_duration_ms bigint) RETURNS app_private.execution_timing
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  -- one expression (no FROM): inlined where it is called. A finishing move is never a retry nor a running.
  select row(
    p_attempt + p_is_retry::integer,
    case when p_is_retry then null when p_to_state = 'running' and p_started_at is null then p_at else p_started_at end,
    case when p_to_state = any (app_hidden.execution_terminal_states()) then p_at when p_is_retry then null else p_finished_at end,
    case when p_to_state = any (app_hidden.execution_terminal_states()) then
           case when p_started_at is not null then greatest(0, floor(extract(epoch from (p_at - p_started_at)) * 1000))::bigint end
         when p_is_retry then null else p_duration_ms end
  )::app_private.execution_timing;
$$;

-- Name: FUNCTION execution_timing_after_move(p_to_state text, p_is_retry boolean, p_at timestamp with time zone, p_attempt integer, p_started_at timestamp with time zone, p_finished_at timestamp with time zone, p_duration_ms bigint); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.execution_timing_after_move(p_to_state text, p_is_retry boolean, p_at timestamp with time zone, p_attempt integer, p_started_at timestamp with time zone, p_finished_at timestamp with time zone, p_duration_ms bigint) IS 'The rule of what a move does to attempt and timing: a retry starts a new attempt (attempt + 1, timing reset); the first running of an attempt sets started_at; a finishing move sets finished_at and duration_ms (null if the attempt never ran).';

-- Name: execution_transitions; Type: TABLE; Schema: app_public; Owner: -

CREATE TABLE app_public.execution_transitions (
    execution_id uuid NOT NULL,
    execution_created_at timestamp with time zone NOT NULL,
    seq integer NOT NULL,
    team_id uuid NOT NULL,
    from_state text,
    to_state text NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    actor_id uuid,
    reason text,
    details jsonb,
    CONSTRAINT execution_transitions_from_known CHECK ((from_state = ANY ('{pending,queued,running,waiting,succeeded,failed,cancelled,timed_out,crashed}'::text[]))),
    CONSTRAINT execution_transitions_reason_length CHECK ((char_length(reason) <= 2000)),
    CONSTRAINT execution_transitions_seq_positive CHECK ((seq >= 1)),
    CONSTRAINT execution_transitions_to_known CHECK ((to_state = ANY ('{pending,queued,running,waiting,succeeded,failed,cancelled,timed_out,crashed}'::text[])))
)
PARTITION BY RANGE (execution_created_at);

-- Name: TABLE execution_transitions; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON TABLE app_public.execution_transitions IS '@foreignKey (team_id) references app_public.teams (id)
@foreignKey (execution_id, execution_created_at) references app_public.executions (id, created_at)
The state history of an execution: seq 1, 2, 3... forms a chain (each from_state equals the previous to_state). Partitioned with its execution (by the execution''s created_at) so both archive together. actor_id is an audit value, not a foreign key: it survives user purges. team_id is the execution''s team (copied by the writers from the locked execution row; no separate foreign key to teams). Its foreign key to executions is day-local: each day partition references the same day''s partition of executions, on delete cascade (app_private.link_execution_partitions), so archival drops a day without checking the other days.';

-- Name: COLUMN execution_transitions.actor_id; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON COLUMN app_public.execution_transitions.actor_id IS 'Who made the move (user id); audit value without a foreign key.';

-- Name: execution_transition_bytes(app_public.execution_transitions); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.execution_transition_bytes(r app_public.execution_transitions) RETURNS bigint
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    AS $$
begin
  return (24 + coalesce(pg_column_size(r.execution_id), 0) + coalesce(pg_column_size(r.execution_created_at), 0) + coalesce(pg_column_size(r.seq), 0) + coalesce(pg_column_size(r.team_id), 0) + coalesce(pg_column_size(r.from_state), 0) + coalesce(pg_column_size(r.to_state), 0) + coalesce(pg_column_size(r.at), 0) + coalesce(pg_column_size(r.actor_id), 0) + coalesce(pg_column_size(r.reason), 0) + coalesce(pg_column_size(r.details), 0))::bigint;
end;
$$;

-- Name: FUNCTION execution_transition_bytes(r app_public.execution_transitions); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.execution_transition_bytes(r app_public.execution_transitions) IS 'The bytes a row of execution_transitions counts for in usage and retention plans: a 24-byte row header plus pg_column_size of every column value. Column by column because pg_column_size of a whole row depends on how the row reached the expression (a transition table, a scan, a join) by a few header bytes.';

-- Name: find_executions(uuid[]); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.find_executions(p_ids uuid[]) RETURNS SETOF app_public.executions
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
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

-- Name: FUNCTION find_executions(p_ids uuid[]); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.find_executions(p_ids uuid[]) IS 'The executions with these ids (each once; ids with no row are left out), without locking them. Each id is looked up in the partitions around its UUIDv7 time first; ids found there are not searched again. The service path''s group commit reads a batch''s moved or started rows with it in the batch''s own transaction.';

-- Name: fold_execution_metric_samples(integer); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.fold_execution_metric_samples(max_rows integer DEFAULT 50000) RETURNS integer
    LANGUAGE sql
    SET search_path TO 'pg_catalog'
    AS $$
  with taken as (
    -- rows another folder holds are skipped, never waited for or counted twice
    delete from app_hidden.execution_metric_fold_queue q
     where q.ctid = any (array(select x.ctid from app_hidden.execution_metric_fold_queue x limit max_rows for update skip locked))
    returning q.*
  ), folded as (
    insert into app_public.execution_metric_rollups as r (
      workflow_id, team_id, granularity, bucket, shard, total, succeeded, failed, cancelled, timed_out, crashed, other,
      duration_count, duration_sum_ms, duration_min_ms, duration_max_ms, duration_histogram, node_count, failed_node_count)
    select t.workflow_id, min(t.team_id::text)::uuid, g.granularity, date_trunc(g.granularity, t.recorded_at, 'UTC'), 0,
           count(*), count(*) filter (where t.state = 'succeeded'), count(*) filter (where t.state = 'failed'),
           count(*) filter (where t.state = 'cancelled'), count(*) filter (where t.state = 'timed_out'),
           count(*) filter (where t.state = 'crashed'),
           count(*) filter (where not (t.state = any (app_hidden.execution_terminal_states()))),
           count(t.duration_ms), coalesce(sum(t.duration_ms), 0), min(t.duration_ms), max(t.duration_ms),
           app_hidden.duration_histogram(array_agg(t.duration_ms)), sum(t.node_count), sum(t.failed_node_count)
      from taken t
     cross join (values ('minute'), ('hour'), ('day')) g(granularity)
     where exists (select 1 from app_public.workflows w where w.id = t.workflow_id)
     group by t.workflow_id, g.granularity, date_trunc(g.granularity, t.recorded_at, 'UTC')
     order by 1, 3, 4  -- one lock order for every folder: concurrent folds never deadlock
    on conflict (workflow_id, granularity, bucket, shard) do update set
      total = r.total + excluded.total,
      succeeded = r.succeeded + excluded.succeeded,
      failed = r.failed + excluded.failed,
      cancelled = r.cancelled + excluded.cancelled,
      timed_out = r.timed_out + excluded.timed_out,
      crashed = r.crashed + excluded.crashed,
      other = r.other + excluded.other,
      duration_count = r.duration_count + excluded.duration_count,
      duration_sum_ms = r.duration_sum_ms + excluded.duration_sum_ms,
      duration_min_ms = least(r.duration_min_ms, excluded.duration_min_ms),
      duration_max_ms = greatest(r.duration_max_ms, excluded.duration_max_ms),
      duration_histogram = app_hidden.int_array_add(r.duration_histogram, excluded.duration_histogram),
      node_count = r.node_count + excluded.node_count,
      failed_node_count = r.failed_node_count + excluded.failed_node_count
    returning 1
  )
  select count(*)::integer from taken;
$$;

-- Name: FUNCTION fold_execution_metric_samples(max_rows integer); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.fold_execution_metric_samples(max_rows integer) IS 'One fold, one statement: takes up to max_rows queued samples (FOR UPDATE SKIP LOCKED: concurrent folders take disjoint rows), deletes them and adds them to the minute, hour and day rollups of their workflows (upserts in one key order: no deadlocks). Atomic: the rows leave the queue in the same commit that adds them to the rollups, so a reader sees every sample exactly once. Samples of deleted workflows are dropped. Returns the number of samples folded (0: the queue was empty or held by another folder). Run by the execution_metrics_fold task every few seconds.';

-- Name: fold_team_usage(integer); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.fold_team_usage(max_rows integer DEFAULT 50000) RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_n integer;
begin
  with taken as (
    delete from app_hidden.team_usage_deltas q
     where q.ctid = any (array(select x.ctid from app_hidden.team_usage_deltas x limit max_rows for update skip locked))
    returning q.*
  ), totals as (
    select t.team_id, sum(t.hot_executions) he, sum(t.hot_bytes) hb, sum(t.cold_executions) ce, sum(t.cold_bytes) cb,
           sum(t.events) ev, count(*) n
      from taken t group by t.team_id
  ), months as (
    select t.team_id, t.month, sum(t.started) s from taken t where t.month is not null and t.started <> 0 group by 1, 2
  ), up_usage as (
    insert into app_public.team_usage as u (team_id, hot_executions, hot_bytes, cold_executions, cold_bytes, events, folded_at)
    select x.team_id, x.he, x.hb, x.ce, x.cb, x.ev, now() from totals x
     where exists (select 1 from app_public.teams tm where tm.id = x.team_id)
     order by x.team_id
    on conflict (team_id) do update
       set hot_executions = u.hot_executions + excluded.hot_executions, hot_bytes = u.hot_bytes + excluded.hot_bytes,
           cold_executions = u.cold_executions + excluded.cold_executions, cold_bytes = u.cold_bytes + excluded.cold_bytes,
           events = u.events + excluded.events, folded_at = now()
    returning 1
  ), up_months as (
    insert into app_public.team_usage_months as m (team_id, month, executions_started)
    select x.team_id, x.month, x.s from months x
     where exists (select 1 from app_public.teams tm where tm.id = x.team_id)
     order by x.team_id, x.month
    on conflict (team_id, month) do update set executions_started = m.executions_started + excluded.executions_started
    returning 1
  )
  select coalesce(sum(x.n), 0)::integer into v_n from totals x
   where (select count(*) from up_usage) >= 0 and (select count(*) from up_months) >= 0;
  return v_n;
end;
$$;

-- Name: FUNCTION fold_team_usage(max_rows integer); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.fold_team_usage(max_rows integer) IS 'Folds up to max_rows usage deltas into team_usage / team_usage_months in one statement (rows taken FOR UPDATE SKIP LOCKED, deleted in the same commit that adds them: never counted twice or lost; two folds at once take disjoint rows). Deltas of deleted teams are dropped. Returns the rows folded.';

-- Name: hash_password(text); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.hash_password(password text) RETURNS text
    LANGUAGE sql
    SET search_path TO 'pg_catalog'
    AS $$
  select public.crypt(password, public.gen_salt('bf', (select s.bcrypt_cost from app_private.auth_settings s where s.id)));
$$;

-- Name: FUNCTION hash_password(password text); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.hash_password(password text) IS 'bcrypt hash of a password (pgcrypto crypt with a bf salt at the configured cost).';

-- Name: inherit_column_compression(regclass); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.inherit_column_compression(part regclass) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  c record;
begin
  for c in
    select pa.attname, pa.attcompression
      from pg_inherits i
      join pg_attribute pa on pa.attrelid = i.inhparent and pa.attnum > 0 and not pa.attisdropped and pa.attcompression <> ''
      join pg_attribute a on a.attrelid = i.inhrelid and a.attname = pa.attname and a.attcompression <> pa.attcompression
     where i.inhrelid = part
  loop
    execute format('alter table %s alter column %I set compression %s', part, c.attname,
                   case c.attcompression when 'l' then 'lz4' else 'pglz' end);
  end loop;
end;
$$;

-- Name: FUNCTION inherit_column_compression(part regclass); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.inherit_column_compression(part regclass) IS 'Gives a partition''s columns its parent''s TOAST compression method where the parent sets one (CREATE TABLE ... PARTITION OF does not copy it). ensure_partitions_between calls it for every partition it creates.';

-- Name: lifecycle_archive_due(integer, uuid, timestamp with time zone); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.lifecycle_archive_due(default_hot_days integer, only_team_id uuid DEFAULT NULL::uuid, at timestamp with time zone DEFAULT now()) RETURNS TABLE(execution_id uuid, created_at timestamp with time zone, team_id uuid, workflow_id uuid, state text, day date)
    LANGUAGE sql STABLE
    AS $$
  select e.id, e.created_at, e.team_id, e.workflow_id, e.state, (e.created_at at time zone 'UTC')::date
    from app_public.executions e
    left join app_public.retention_policies wp on wp.team_id = e.team_id and wp.workflow_id = e.workflow_id
    left join app_public.retention_policies tp on tp.team_id = e.team_id and tp.workflow_id is null
    left join app_private.archive_retention r on r.team_id = e.team_id
   where (only_team_id is null or e.team_id = only_team_id)
     and e.state = any (app_hidden.execution_terminal_states())
     and e.created_at < at - make_interval(days => coalesce(wp.hot_days, tp.hot_days, r.hot_days,
           (select s.default_hot_days from app_private.lifecycle_settings s), default_hot_days))
     and not exists (select 1 from app_private.archived_executions a where a.execution_id = e.id)
     and not exists (select 1 from app_private.archive_restored_executions x where x.execution_id = e.id and x.keep_until > at)
     -- legal holds win: the rule of app_private.archive_is_held as one anti-join (that function has a SET
     -- clause, so a call per row ran as a separate query for every execution)
     and not exists (select 1 from app_private.legal_holds h
                      where h.released_at is null and h.team_id = e.team_id
                        and (h.workflow_id is null and h.execution_id is null
                             or h.workflow_id = e.workflow_id or h.execution_id = e.id));
$$;

-- Name: FUNCTION lifecycle_archive_due(default_hot_days integer, only_team_id uuid, at timestamp with time zone); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.lifecycle_archive_due(default_hot_days integer, only_team_id uuid, at timestamp with time zone) IS 'Executions due for the archive now: terminal, older than their hot retention (workflow policy, team policy, archive_retention, lifecycle_settings, then default_hot_days), not archived, not recently restored, not under legal hold (one anti-join against app_private.legal_holds, the rule of app_private.archive_is_held). Inlined into its callers (no SET clause).';

-- Name: lifecycle_assert_as_of(timestamp with time zone); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.lifecycle_assert_as_of(at timestamp with time zone) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
begin
  if at is null or at > now() then
    raise exception 'the as-of time of a retention step must be given and not lie in the future' using errcode = 'LFVAL', detail = 'field: at';
  end if;
end;
$$;

-- Name: FUNCTION lifecycle_assert_as_of(at timestamp with time zone); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.lifecycle_assert_as_of(at timestamp with time zone) IS 'Raises LFVAL (field: at) unless at is given and not after now(): retention steps may run as of the time a dry run was taken, never ahead of time.';

-- Name: lifecycle_event(uuid, text, jsonb); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.lifecycle_event(team_id uuid, type text, data jsonb) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
begin
  perform 1 from app_private.append_events(
    'lifecycle-' || lifecycle_event.team_id::text, 'lifecycle', null,
    jsonb_build_array(jsonb_build_object('type', lifecycle_event.type, 'data', data || jsonb_build_object('team_id', lifecycle_event.team_id),
      'metadata', jsonb_build_object('actor', app_public.current_user_id()))),
    lifecycle_event.team_id);
end;
$$;

-- Name: FUNCTION lifecycle_event(team_id uuid, type text, data jsonb); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.lifecycle_event(team_id uuid, type text, data jsonb) IS 'Appends one lifecycle event (policy, budget, bulk action) to the stream lifecycle-<team> through the event store''s append.';

-- Name: lifecycle_expire_due(integer, uuid, timestamp with time zone); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.lifecycle_expire_due(default_cold_days integer, only_team_id uuid DEFAULT NULL::uuid, at timestamp with time zone DEFAULT now()) RETURNS TABLE(batch_id uuid, team_id uuid, key text, row_count integer, bytes bigint, max_created_at timestamp with time zone)
    LANGUAGE sql STABLE
    AS $$
  select x.id, x.team_id, x.key, x.row_count, x.bytes, x.max_created_at
    from app_private.archive_batches x
   where x.state = 'deleted'
     and (only_team_id is null or x.team_id = only_team_id)
     and not exists (
       select 1 from app_private.archived_executions a
         left join app_public.retention_policies wp on wp.team_id = a.team_id and wp.workflow_id = a.workflow_id
         left join app_public.retention_policies tp on tp.team_id = a.team_id and tp.workflow_id is null
         left join app_private.archive_retention r on r.team_id = a.team_id
        where a.batch_id = x.id
          and a.created_at >= at - make_interval(days => coalesce(wp.cold_days, tp.cold_days, r.cold_days,
                (select s.default_cold_days from app_private.lifecycle_settings s), default_cold_days)))
     -- no active hold covers any of its executions (the rule of app_private.archive_is_held, from the team's few
     -- active holds to the batch's index rows, instead of a hold check per archived execution)
     and not exists (
       select 1 from app_private.legal_holds h
         join app_private.archived_executions a
           on a.batch_id = x.id and a.team_id = h.team_id
          and (h.workflow_id is null and h.execution_id is null or a.workflow_id = h.workflow_id or a.execution_id = h.execution_id)
        where h.released_at is null and h.team_id = x.team_id);
$$;

-- Name: FUNCTION lifecycle_expire_due(default_cold_days integer, only_team_id uuid, at timestamp with time zone); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.lifecycle_expire_due(default_cold_days integer, only_team_id uuid, at timestamp with time zone) IS 'Archive batches due for deletion now: in cold storage (deleted from the hot tables), every execution older than its cold retention (per workflow/team policy, archive_retention, lifecycle_settings, then default_cold_days), no legal hold on any of them.';

-- Name: lifecycle_metrics(); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.lifecycle_metrics() RETURNS TABLE(kind text, team_id uuid, label text, value double precision)
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
  select 'usage', u.team_id, x.k, x.v
    from app_public.team_usage u
   cross join lateral (values ('hot_bytes', u.hot_bytes::float8), ('cold_bytes', u.cold_bytes::float8),
                              ('hot_executions', u.hot_executions::float8), ('cold_executions', u.cold_executions::float8),
                              ('events', u.events::float8)) x(k, v)
  union all
  select 'bulk_' || x.k, null, b.action || ':' || b.status, sum(x.v)::float8
    from app_public.bulk_actions b
   cross join lateral (values ('actions', 1::bigint), ('processed', b.processed), ('acted', b.acted), ('skipped', b.skipped),
                              ('expected', b.expected_count)) x(k, v)
   where b.status in ('pending', 'running') or b.finished_at > now() - interval '1 day'
   group by x.k, b.action, b.status
  union all
  select 'usage_queue', null, 'rows', (select count(*) from app_hidden.team_usage_deltas)::float8;
$$;

-- Name: FUNCTION lifecycle_metrics(); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.lifecycle_metrics() IS 'The lifecycle gauges for Prometheus: per-team usage (as of the last fold), bulk actions by action and status (unfinished ones and those finished within a day: count, processed, acted, skipped, expected), and the usage fold queue length.';

-- Name: lifecycle_require_admin(uuid); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.lifecycle_require_admin(team_id uuid) RETURNS void
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
begin
  if team_id is null then
    raise exception 'team_id is required' using errcode = 'LFVAL', detail = 'field: team_id';
  end if;
  if not app_hidden.has_team_role(lifecycle_require_admin.team_id, 'viewer') then
    raise exception 'team not found' using errcode = 'LFNTF', detail = 'field: team_id';
  end if;
  if not app_hidden.has_team_role(lifecycle_require_admin.team_id, 'admin') then
    raise exception 'only a team owner or admin may do this' using errcode = 'LFDNY', detail = 'role: admin';
  end if;
end;
$$;

-- Name: FUNCTION lifecycle_require_admin(team_id uuid); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.lifecycle_require_admin(team_id uuid) IS 'Access check of the lifecycle functions: outsiders get LFNTF (the team is not visible), members below admin LFDNY.';

-- Name: lifecycle_require_member(uuid); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.lifecycle_require_member(team_id uuid) RETURNS boolean
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
begin
  if team_id is null or not app_hidden.has_team_role(lifecycle_require_member.team_id, 'viewer') then
    raise exception 'team not found' using errcode = 'LFNTF', detail = 'field: team_id';
  end if;
  return true;
end;
$$;

-- Name: FUNCTION lifecycle_require_member(team_id uuid); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.lifecycle_require_member(team_id uuid) IS 'Access check of the lifecycle read functions: true for members (viewer and up), LFNTF otherwise.';

-- Name: lifecycle_trim_due(integer, uuid, timestamp with time zone, timestamp with time zone, uuid, timestamp with time zone); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.lifecycle_trim_due(default_hot_days integer, only_team_id uuid DEFAULT NULL::uuid, at timestamp with time zone DEFAULT now(), from_created_at timestamp with time zone DEFAULT NULL::timestamp with time zone, from_execution_id uuid DEFAULT NULL::uuid, before_created_at timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS TABLE(execution_id uuid, execution_created_at timestamp with time zone, team_id uuid, node_name text, attempt integer, mode text, new_output jsonb, bytes_freed bigint)
    LANGUAGE sql STABLE
    AS $_$
  select n.execution_id, n.execution_created_at, n.team_id, n.node_name, n.attempt, x.node_output, t.new_output,
         (pg_column_size(n.output) - z.stored)::bigint
    -- the executions first (every rule of the execution), in order: a caller taking the oldest few stops early
    from (select e.id, e.created_at, p.node_output, p.max_bytes
            from app_public.executions e
            left join app_public.retention_policies wp on wp.team_id = e.team_id and wp.workflow_id = e.workflow_id
            left join app_public.retention_policies tp on tp.team_id = e.team_id and tp.workflow_id is null
            left join app_private.archive_retention r on r.team_id = e.team_id
           cross join lateral (select coalesce(wp.node_output, tp.node_output, 'keep') as node_output,
                                      case when wp.id is not null then wp.node_output_after_days else tp.node_output_after_days end as after_days,
                                      case when wp.id is not null then wp.node_output_max_bytes else tp.node_output_max_bytes end as max_bytes) p
           where (only_team_id is null or e.team_id = only_team_id)
             -- the window of the walk (all when not given): from the execution (from_created_at, from_execution_id)
             -- inclusive, before before_created_at; inside the fence below, so a caller's window prunes partitions
             and e.created_at >= coalesce(from_created_at, '-infinity')
             and (from_created_at is null
                  or (e.created_at, e.id) >= (from_created_at, coalesce(from_execution_id, '00000000-0000-0000-0000-000000000000')))
             and e.created_at < coalesce(before_created_at, 'infinity')
             and p.node_output in ('trim', 'drop')
             and e.state = any (app_hidden.execution_terminal_states())
             and e.created_at < at - make_interval(days => p.after_days)
             -- legal holds win (the rule of app_private.archive_is_held, as one anti-join)
             and not exists (select 1 from app_private.legal_holds h
                              where h.released_at is null and h.team_id = e.team_id
                                and (h.workflow_id is null and h.execution_id is null
                                     or h.workflow_id = e.workflow_id or h.execution_id = e.id))
             -- executions leaving the hot tables in this pass are archived as they are: those
             -- app_private.lifecycle_archive_due lists (terminal and not held hold already; the same hot retention precedence)
             and (e.created_at < at - make_interval(days => coalesce(wp.hot_days, tp.hot_days, r.hot_days,
                    (select s.default_hot_days from app_private.lifecycle_settings s), default_hot_days))
                  and not exists (select 1 from app_private.archived_executions a where a.execution_id = e.id)
                  and not exists (select 1 from app_private.archive_restored_executions x where x.execution_id = e.id and x.keep_until > at)) is not true
           order by e.created_at, e.id
          offset 0) x
    join app_public.execution_node_runs n on n.execution_id = x.id and n.execution_created_at = x.created_at
    cross join lateral (select case x.node_output
             when 'drop' then jsonb_build_object('$trimmed', octet_length(n.output::text))
             else jsonb_build_object('$trimmed', octet_length(n.output::text), 'preview', left(n.output::text, x.max_bytes)) end as new_output) t
    -- a new value of at most 130 bytes is stored with a 1-byte header instead of 4 (short varlena)
    cross join lateral (select case when pg_column_size(t.new_output) <= 130 then pg_column_size(t.new_output) - 3
                                    else pg_column_size(t.new_output) end as stored) z
   where n.output is not null
     -- the window again on the node runs (the fence hides it from them): their partitions are pruned too
     and n.execution_created_at >= coalesce(from_created_at, '-infinity')
     and n.execution_created_at < coalesce(before_created_at, 'infinity')
     and not (jsonb_typeof(n.output) = 'object' and n.output ? '$trimmed')
     and (x.node_output = 'drop' or octet_length(n.output::text) > x.max_bytes)
     -- only when it frees space (a small output stays as it is: the marker would be larger)
     and z.stored < pg_column_size(n.output);
$_$;

-- Name: FUNCTION lifecycle_trim_due(default_hot_days integer, only_team_id uuid, at timestamp with time zone, from_created_at timestamp with time zone, from_execution_id uuid, before_created_at timestamp with time zone); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.lifecycle_trim_due(default_hot_days integer, only_team_id uuid, at timestamp with time zone, from_created_at timestamp with time zone, from_execution_id uuid, before_created_at timestamp with time zone) IS 'Node-run outputs due for trimming now: terminal executions older than node_output_after_days under a trim or drop policy, not yet trimmed, not under legal hold and not due for the archive (those are archived as they are: the executions app_private.lifecycle_archive_due lists). new_output is what the output becomes: {"$trimmed": <length of the original JSON text>}, plus "preview" (its first node_output_max_bytes characters) when trimming; outputs the marker would not make smaller stay as they are; bytes_freed = pg_column_size(old) - the stored size of new (a value of at most 130 bytes gets a 1-byte header; previews above the TOAST threshold, ~2 kB, may be compressed on storage and free a little more). Set-based: the hold check and the archive exclusion are joins of the one statement. Optionally only a window of the executions (oldest first): from the execution (from_created_at, from_execution_id) inclusive, created before before_created_at; the same rule inside and outside any window.';

-- Name: lifecycle_trim_node_outputs(integer, integer, uuid, timestamp with time zone, timestamp with time zone, uuid); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.lifecycle_trim_node_outputs(default_hot_days integer, max_rows integer DEFAULT 5000, only_team_id uuid DEFAULT NULL::uuid, at timestamp with time zone DEFAULT now(), after_created_at timestamp with time zone DEFAULT NULL::timestamp with time zone, after_execution_id uuid DEFAULT NULL::uuid) RETURNS TABLE(team_id uuid, node_runs integer, bytes_freed bigint, last_created_at timestamp with time zone, last_execution_id uuid)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET jit TO 'off'
    SET enable_sort TO 'off'
    SET plan_cache_mode TO 'force_custom_plan'
    AS $_$
declare
  v_before timestamptz;
  v_lo timestamptz;
  v_hi timestamptz;
  v_from_ca timestamptz := after_created_at;
  v_from_id uuid := after_execution_id;
  v_left integer := max_rows;
  v_team uuid[] := '{}';
  v_count integer[] := '{}';
  v_bytes bigint[] := '{}';
  w_team uuid[];
  w_count integer[];
  w_bytes bigint[];
  w_n integer;
  w_last_ca timestamptz;
  w_last_id uuid;
  v_last_ca timestamptz;
  v_last_id uuid;
  v_span integer := 1;
begin
  if max_rows is null or max_rows not between 1 and 100000 then
    raise exception 'max_rows must be between 1 and 100000' using errcode = 'LFVAL', detail = 'field: max_rows';
  end if;
  perform app_private.lifecycle_assert_as_of(at);
  if (after_created_at is null) <> (after_execution_id is null) then
    raise exception 'after_created_at and after_execution_id go together' using errcode = 'LFVAL', detail = 'field: after_execution_id';
  end if;
  -- nothing is due after the newest cutoff of the trim/drop policies in scope (none: nothing to do)
  select at - make_interval(days => min(p.node_output_after_days)) into v_before
    from app_public.retention_policies p
   where p.node_output in ('trim', 'drop') and (only_team_id is null or p.team_id = only_team_id);
  if v_before is null then
    return;
  end if;
  -- The walk goes a window of UTC days at a time (day partitions), from the position (or from the start), until
  -- max_rows node runs are trimmed or the cutoff is reached: a call reads about the days its batch spans, not
  -- every execution after the position. The first window ends at the end of the position's day (or of the oldest
  -- day partition).
  v_lo := coalesce(after_created_at, '-infinity');
  if after_created_at is null then
    select min(substring(c.relname from '_p(\d{8})$')::date)::timestamp at time zone 'UTC' into v_hi
      from pg_inherits i join pg_class c on c.oid = i.inhrelid
     where i.inhparent = 'app_public.executions'::regclass and c.relname ~ '_p\d{8}$';
    v_hi := coalesce(v_hi + interval '1 day', v_before);
  else
    v_hi := ((after_created_at at time zone 'UTC')::date + 1)::timestamp at time zone 'UTC';
  end if;
  loop
    v_hi := least(v_hi, v_before);
    with due as (
      select d.* from app_private.lifecycle_trim_due(default_hot_days, only_team_id, at, v_from_ca, v_from_id, v_hi) d
       order by d.execution_created_at, d.execution_id, d.node_name, d.attempt
       limit v_left
    ), upd as (
      update app_public.execution_node_runs n set output = d.new_output
        from due d
       where n.execution_id = d.execution_id and n.execution_created_at = d.execution_created_at
         and n.node_name = d.node_name and n.attempt = d.attempt
      returning n.team_id, n.execution_created_at, n.execution_id, d.bytes_freed
    ), per_team as (
      select u.team_id, count(*)::integer as n, sum(u.bytes_freed)::bigint as b from upd u group by u.team_id
    ), l as (
      -- the position of the window's last node run: where the next call starts
      select u.execution_created_at, u.execution_id from upd u order by 1 desc, 2 desc limit 1
    )
    select (select array_agg(t.team_id) from per_team t), (select array_agg(t.n) from per_team t), (select array_agg(t.b) from per_team t),
           (select coalesce(sum(t.n), 0)::integer from per_team t), (select l.execution_created_at from l), (select l.execution_id from l)
      into w_team, w_count, w_bytes, w_n, w_last_ca, w_last_id;
    if w_n > 0 then
      v_team := v_team || w_team;
      v_count := v_count || w_count;
      v_bytes := v_bytes || w_bytes;
      v_last_ca := w_last_ca;
      v_last_id := w_last_id;
      v_left := v_left - w_n;
    end if;
    exit when v_left <= 0 or v_hi >= v_before;
    -- the next window, from its start: the next UTC day, or twice as many days after a window with nothing to
    -- trim (a walk over days trimmed before takes a few statements, not one per day)
    v_span := case when w_n > 0 then 1 else least(v_span * 2, 64) end;
    v_from_ca := v_hi;
    v_from_id := null;
    v_hi := v_hi + make_interval(days => v_span);
  end loop;
  return query
  select t.team_id, sum(t.n)::integer, sum(t.b)::bigint, v_last_ca, v_last_id
    from unnest(v_team, v_count, v_bytes) t(team_id, n, b)
   group by t.team_id;
end;
$_$;

-- Name: FUNCTION lifecycle_trim_node_outputs(default_hot_days integer, max_rows integer, only_team_id uuid, at timestamp with time zone, after_created_at timestamp with time zone, after_execution_id uuid); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.lifecycle_trim_node_outputs(default_hot_days integer, max_rows integer, only_team_id uuid, at timestamp with time zone, after_created_at timestamp with time zone, after_execution_id uuid) IS 'Trims up to max_rows node-run outputs due at `at` (default now(); never in the future) under the policies (app_private.lifecycle_trim_due) in one statement, oldest first (by execution_created_at, execution_id, node_name, attempt), starting at the execution (after_created_at, after_execution_id) inclusive when given (both or neither: LFVAL). Returns per team the node runs trimmed and the bytes freed (the dry run''s measure), and on every row the position of the batch''s last execution (last_created_at, last_execution_id): pass it as after_* to the next call of the same pass, so each call reads about its batch instead of the history before it; within a call the executions are walked a window of UTC days at a time (one day, doubled after a window with nothing to trim) (the window of app_private.lifecycle_trim_due) and the walk stops when max_rows are trimmed, so a call reads the days its batch spans, not everything after the position. default_hot_days: the archiver''s fallback hot retention (executions due for the archive are not trimmed). Call until it returns fewer than max_rows node runs. Each call plans its statement for its own arguments (plan_cache_mode force_custom_plan): a pass calls it many times in one session, and the generic plan PostgreSQL switches to after five calls walked the executions 25-40 times slower.';

-- Name: link_execution_partitions(date, date); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.link_execution_partitions(from_day date, to_day date) RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_suffix text;
  v_exec regclass;
  v_parent text;
  v_child regclass;
  v_added integer := 0;
begin
  for v_suffix in select 'default' union all select 'p' || to_char(g, 'YYYYMMDD') from generate_series(from_day, to_day, interval '1 day') g loop
    v_exec := to_regclass('app_partitions.executions_' || v_suffix);
    continue when v_exec is null;
    foreach v_parent in array array['execution_transitions', 'execution_node_runs'] loop
      v_child := to_regclass('app_partitions.' || v_parent || '_' || v_suffix);
      continue when v_child is null;
      if not exists (select 1 from pg_constraint k where k.conrelid = v_child and k.contype = 'f' and k.confrelid = v_exec) then
        execute format('alter table %s add constraint %I foreign key (execution_id, execution_created_at) references %s (id, created_at) on delete cascade',
          v_child, v_parent || '_' || v_suffix || '_execution_fkey', v_exec);
        v_added := v_added + 1;
      end if;
      if not exists (select 1 from pg_trigger t where t.tgrelid = v_child and t.tgname = '_900_usage_delete') then
        execute format('create trigger _900_usage_delete after delete on %s referencing old table as old_rows for each statement execute function app_private.tg_execution_children__usage_delete(%L)',
          v_child, v_parent);
      end if;
    end loop;
  end loop;
  return v_added;
end;
$$;

-- Name: FUNCTION link_execution_partitions(from_day date, to_day date); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.link_execution_partitions(from_day date, to_day date) IS 'Adds what the day partitions of execution_transitions and execution_node_runs need for the days from_day..to_day (inclusive) and the default partitions, where missing: a foreign key (execution_id, execution_created_at) -> the same day''s partition of executions (id, created_at), on delete cascade, and the usage trigger for deletes (a cascade deletes from the partition by name, so the parent''s statement trigger does not fire). Returns how many foreign keys it added. Idempotent; called by ensure_partitions_between.';

-- Name: lock_execution_for_node_run(uuid, boolean); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.lock_execution_for_node_run(p_execution_id uuid, p_check_role boolean) RETURNS app_public.executions
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
declare
  t timestamptz := app_hidden.uuid_v7_time(p_execution_id);
  e app_public.executions;
begin
  select * into e from app_public.executions x
   where x.id = p_execution_id and x.created_at between t - interval '1 hour' and t + interval '1 hour';
  if not found then
    select * into e from app_public.executions x where x.id = p_execution_id;
  end if;
  if e.id is null or (p_check_role and not app_hidden.has_team_role(e.team_id, 'viewer')) then
    raise exception 'execution not found' using errcode = 'LFNTF', detail = 'field: execution_id';
  end if;
  if p_check_role and not app_hidden.has_team_role(e.team_id, 'editor') then
    raise exception 'recording node runs needs the editor role' using errcode = 'LFDNY';
  end if;
  select * into e from app_public.executions x where x.id = e.id and x.created_at = e.created_at for share;
  if not (e.state = any (app_hidden.execution_active_states())) then
    raise exception 'node runs are recorded only while the execution is running or waiting (it is %)', e.state
      using errcode = 'LFSTA', detail = format('current_state=%s', e.state);
  end if;
  return e;
end;
$$;

-- Name: FUNCTION lock_execution_for_node_run(p_execution_id uuid, p_check_role boolean); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.lock_execution_for_node_run(p_execution_id uuid, p_check_role boolean) IS 'Finds an execution (pruned by the id''s time), checks the role, then share-locks it for a node run write and checks (after the lock) that it is running or waiting. Never locks an execution the caller may not write.';

-- Name: lock_executions(uuid[]); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.lock_executions(p_ids uuid[]) RETURNS SETOF app_public.executions
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
declare
  v_locked integer;
begin
  -- Lock in id order (concurrent callers never deadlock on each other), each lookup pruned to the partitions
  -- around the id's UUIDv7 time.
  return query
    select e.*
      from (select distinct i from unnest(p_ids) i where i is not null order by i) ids(id)
     cross join lateral (
       select x.* from app_public.executions x
        where x.id = ids.id
          and x.created_at between app_hidden.uuid_v7_time(ids.id) - interval '1 hour' and app_hidden.uuid_v7_time(ids.id) + interval '1 hour'
          for update) e;
  get diagnostics v_locked = row_count;
  if v_locked < (select count(distinct i) from unnest(p_ids) i where i is not null) then
    -- rows far from their id's time (imports) or missing: search every partition for those
    return query
      select x.* from app_public.executions x
       where x.id = any (p_ids)
         and not (x.created_at between app_hidden.uuid_v7_time(x.id) - interval '1 hour' and app_hidden.uuid_v7_time(x.id) + interval '1 hour')
       order by x.id
         for update;
  end if;
end;
$$;

-- Name: FUNCTION lock_executions(p_ids uuid[]); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.lock_executions(p_ids uuid[]) IS 'Locks (FOR UPDATE) and returns the executions with the given ids, in id order, each found in the partitions around its id''s UUIDv7 time (all partitions for the rest). Missing ids are simply absent.';

-- Name: lock_team_for_caller(uuid); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.lock_team_for_caller(team_id uuid) RETURNS text
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_caller uuid := app_private.require_live_user();
  v_role text;
begin
  if not exists (select 1 from app_public.team_memberships m
                   join app_public.teams t on t.id = m.team_id and t.deleted_at is null
                  where m.team_id = lock_team_for_caller.team_id and m.user_id = v_caller) then
    raise exception 'team not found' using errcode = 'LFNTF', detail = 'field: team_id';
  end if;
  perform 1 from app_public.teams t where t.id = lock_team_for_caller.team_id and t.deleted_at is null for update;
  if not found then
    raise exception 'team not found' using errcode = 'LFNTF', detail = 'field: team_id';
  end if;
  select m.role into v_role from app_public.team_memberships m
   where m.team_id = lock_team_for_caller.team_id and m.user_id = v_caller;
  if v_role is null then
    raise exception 'team not found' using errcode = 'LFNTF', detail = 'field: team_id';
  end if;
  return v_role;
end;
$$;

-- Name: FUNCTION lock_team_for_caller(team_id uuid); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.lock_team_for_caller(team_id uuid) IS 'Checks the caller is a member of the live team (else LFNTF: no existence leak), then locks the team row (FOR UPDATE) and returns the caller''s role in it as of after the lock. Never locks a team the caller is not in.';

-- Name: move_execution(uuid, text, text, jsonb, uuid, boolean); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.move_execution(p_id uuid, p_to_state text, p_expected_from text, p_details jsonb, p_actor uuid, p_check_role boolean, OUT result app_public.execution_transition_result, OUT execution app_public.executions) RETURNS record
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
declare
  t timestamptz := app_hidden.uuid_v7_time(p_id);
  e app_public.executions;
  m app_private.execution_move;
  v_denied text;
  v_retry boolean;
  v_code text;
  v_timing app_private.execution_timing;
  v_details jsonb := case when jsonb_typeof(p_details) = 'object' then p_details end;
begin
  result.ord := 1; result.execution_id := p_id; result.ok := false;
  if p_id is not null and p_check_role then
    -- access first (no lock): who may not move it learns nothing more and locks nothing
    select x.* into e from app_public.executions x
     where x.id = p_id and x.created_at between t - interval '1 hour' and t + interval '1 hour';
    if not found then
      select x.* into e from app_public.executions x where x.id = p_id limit 1;
    end if;
    if e.id is not null then
      v_denied := case when app_hidden.has_team_role(e.team_id, 'editor') then null
                       when app_hidden.has_team_role(e.team_id, 'viewer') then 'LFDNY' else 'LFNTF' end;
    end if;
  end if;
  if p_id is not null and v_denied is null then
    select x.* into e from app_public.executions x
     where x.id = p_id and x.created_at between t - interval '1 hour' and t + interval '1 hour'
       for update;
    if not found then
      select x.* into e from app_public.executions x where x.id = p_id limit 1 for update;
    end if;
  end if;
  if e.id is not null and v_denied is null then
    select a.is_retry into v_retry from app_public.execution_allowed_transitions a
     where a.from_state = e.state and a.to_state = p_to_state;
  end if;
  v_code := case
    when p_id is null or (p_details is not null and jsonb_typeof(p_details) not in ('object', 'null')) then 'LFVAL'
    when e.id is null or v_denied = 'LFNTF' then 'LFNTF'
    when v_denied is not null then v_denied
    when p_to_state is null or not (p_to_state = any (app_hidden.execution_states())) then 'LFVAL'
    when p_expected_from is not null and not (p_expected_from = any (app_hidden.execution_states())) then 'LFVAL'
    when char_length(v_details->>'reason') > 2000 then 'LFVAL'
    when p_expected_from is not null and p_expected_from <> e.state then 'LFSTA'
    when v_retry is null then 'LFSTA'
  end;
  if v_code is not null then
    result.error_code := v_code;
    if v_code <> 'LFNTF' then
      result.current_state := e.state; result.attempt := e.attempt;
      result.execution_created_at := case when v_denied is null then e.created_at end;
    end if;
    return;
  end if;

  m.execution_id := e.id; m.team_id := e.team_id; m.workflow_id := e.workflow_id; m.details := v_details;
  m.from_state := e.state; m.to_state := p_to_state; m.version := e.version + 1; m.at := clock_timestamp();
  v_timing := app_private.execution_timing_after_move(p_to_state, v_retry, m.at, e.attempt, e.started_at, e.finished_at, e.duration_ms);
  m.attempt := v_timing.attempt; m.started_at := v_timing.started_at; m.finished_at := v_timing.finished_at; m.duration_ms := v_timing.duration_ms;

  update app_public.executions x set
    state = p_to_state, attempt = m.attempt, version = m.version, started_at = m.started_at,
    finished_at = m.finished_at, duration_ms = m.duration_ms,
    output = case when v_details ? 'output' then v_details->'output' else x.output end,
    error = case when v_details ? 'error' then v_details->'error' else x.error end,
    updated_at = now()
   where x.id = e.id and x.created_at = e.created_at
  returning x.* into execution;
  insert into app_public.execution_transitions (execution_id, execution_created_at, seq, team_id, from_state, to_state, at, actor_id, reason, details)
    values (e.id, e.created_at, m.version, e.team_id, m.from_state, p_to_state, m.at, p_actor, v_details->>'reason',
            v_details - 'output' - 'error' - 'reason');
  perform 1 from app_private.append_stream_events('execution-' || e.id, 'execution', null,
    array['ExecutionStateChanged'], array[app_private.execution_state_changed_data(m)],
    array[app_private.execution_state_changed_metadata(m, p_actor)], e.team_id);
  if p_to_state = any (app_hidden.execution_terminal_states()) then
    insert into app_public.execution_metric_samples (execution_id, recorded_at, team_id, workflow_id, state, duration_ms, node_count, failed_node_count)
      select e.id, m.at, e.team_id, e.workflow_id, p_to_state, m.duration_ms, count(*)::integer,
             (count(*) filter (where nr.status = 'failed'))::integer
        from app_public.execution_node_runs nr
       where nr.execution_id = e.id and nr.execution_created_at = e.created_at;
  end if;
  result.ok := true; result.execution_created_at := e.created_at; result.current_state := p_to_state;
  result.seq := m.version; result.attempt := m.attempt;
end;
$$;

-- Name: FUNCTION move_execution(p_id uuid, p_to_state text, p_expected_from text, p_details jsonb, p_actor uuid, p_check_role boolean, OUT result app_public.execution_transition_result, OUT execution app_public.executions); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.move_execution(p_id uuid, p_to_state text, p_expected_from text, p_details jsonb, p_actor uuid, p_check_role boolean, OUT result app_public.execution_transition_result, OUT execution app_public.executions) IS 'The lean single move (owner only): one execution, parameters only (every lookup pruned to one partition at executor start), the same checks and writes as a batch of one: access check before the row lock, legality, then one UPDATE (heap-only), one transition INSERT, one append_events, and a metric sample when finishing. Never raises for a refused move: result carries ok or error_code (LFVAL, LFNTF, LFDNY, LFSTA) and current_state; execution is the moved row.';

-- Name: node_run_or_raise(app_public.execution_node_run_result); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.node_run_or_raise(r app_public.execution_node_run_result) RETURNS app_public.execution_node_runs
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO 'pg_catalog'
    AS $$
begin
  if not r.ok then
    if r.error_detail is null then
      raise exception '%', r.error_message using errcode = r.error_code;
    end if;
    raise exception '%', r.error_message using errcode = r.error_code, detail = r.error_detail;
  end if;
  return row(r.execution_id, r.execution_created_at, r.team_id, r.node_name, r.node_id, r.attempt, r.status,
             r.started_at, r.finished_at, r.output, r.error)::app_public.execution_node_runs;
end;
$$;

-- Name: FUNCTION node_run_or_raise(r app_public.execution_node_run_result); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.node_run_or_raise(r app_public.execution_node_run_result) IS 'The node run of an ok record_node_runs result, or raises the result''s error (code, message, detail).';

-- Name: parse_execution_moves(jsonb); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.parse_execution_moves(p_items jsonb) RETURNS SETOF app_private.execution_move_request
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $_$
begin
  return query
  select a.o::integer,
         case when jsonb_typeof(a.x) = 'object' and (a.x->>'id') ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
              then (a.x->>'id')::uuid end,
         case when jsonb_typeof(a.x) = 'object' then a.x->>'to_state' end,
         case when jsonb_typeof(a.x) = 'object' then a.x->>'expected_from' end,
         case when jsonb_typeof(a.x->'details') = 'object' then a.x->'details' end,
         jsonb_typeof(a.x) = 'object' and (a.x->'details' is null or jsonb_typeof(a.x->'details') in ('object', 'null'))
    from jsonb_array_elements(p_items) with ordinality as a(x, o);
end;
$_$;

-- Name: FUNCTION parse_execution_moves(p_items jsonb); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.parse_execution_moves(p_items jsonb) IS 'Parses transition items [{id, to_state, expected_from?, details?}] into execution_move_request rows, in input order (ord from 1). Never raises: malformed items come back with well_formed = false or a null id.';

-- Name: partition_gaps(integer); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.partition_gaps(days_ahead integer DEFAULT 7) RETURNS TABLE(parent text, missing_day date)
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $_$
  with bounds as (
    select p.parent,
           coalesce(min(substring(c.relname from '_p(\d{8})$')::date), (now() at time zone 'UTC')::date) as first_day
      from app_private.partitioned_tables p
      left join pg_inherits i on i.inhparent = p.parent
      left join pg_class c on c.oid = i.inhrelid and c.relname ~ '_p\d{8}$'
     group by p.parent
  )
  select b.parent::text, d::date
    from bounds b
   cross join lateral generate_series(b.first_day, (now() at time zone 'UTC')::date + days_ahead, interval '1 day') d
   where to_regclass('app_partitions.' || quote_ident(app_private.partition_name(b.parent, d::date))) is null
   order by 1, 2;
$_$;

-- Name: FUNCTION partition_gaps(days_ahead integer); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.partition_gaps(days_ahead integer) IS 'Days with no partition between each parent''s oldest partition and days_ahead days from today: an empty result means no gaps.';

-- Name: partition_name(regclass, date); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.partition_name(parent regclass, day date) RETURNS text
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
  select (select relname from pg_class where oid = parent) || '_p' || to_char(day, 'YYYYMMDD');
$$;

-- Name: FUNCTION partition_name(parent regclass, day date); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.partition_name(parent regclass, day date) IS 'Name of the daily partition of parent for day (in schema app_partitions).';

-- Name: pg_stat_statements_top(integer, text); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.pg_stat_statements_top(max_rows integer DEFAULT 20, order_by text DEFAULT 'total'::text) RETURNS TABLE(queryid bigint, query text, calls bigint, total_exec_ms double precision, mean_exec_ms double precision, rows bigint, shared_blks_hit bigint, shared_blks_read bigint, rank_by text)
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
declare
  ext_schema text;
begin
  if order_by is null or order_by not in ('total', 'mean') then
    raise exception 'order_by must be total or mean' using errcode = 'LFVAL', detail = 'field: order_by';
  end if;
  if max_rows is null or max_rows < 1 or max_rows > 1000 then
    raise exception 'max_rows must be between 1 and 1000' using errcode = 'LFVAL', detail = 'field: max_rows';
  end if;
  select n.nspname into ext_schema
    from pg_extension e join pg_namespace n on n.oid = e.extnamespace
   where e.extname = 'pg_stat_statements';
  if ext_schema is null then
    raise notice 'pg_stat_statements is not installed in this database: no top statements (see docs/monitoring.md)';
    return;
  end if;
  begin
    return query execute format(
      'select s.queryid, s.query, s.calls, s.total_exec_time, s.mean_exec_time, s.rows, s.shared_blks_hit, s.shared_blks_read, %L::text
         from %I.pg_stat_statements s
        where s.dbid = (select d.oid from pg_catalog.pg_database d where d.datname = pg_catalog.current_database())
          and s.toplevel
        order by %s desc
        limit %s',
      order_by, ext_schema, case order_by when 'total' then 's.total_exec_time' else 's.mean_exec_time' end, max_rows);
  exception when object_not_in_prerequisite_state then
    raise notice 'pg_stat_statements is installed but not loaded (shared_preload_libraries): no top statements (see docs/monitoring.md)';
    return;
  end;
end;
$$;

-- Name: FUNCTION pg_stat_statements_top(max_rows integer, order_by text); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.pg_stat_statements_top(max_rows integer, order_by text) IS 'Admin only: the top statements of this database from pg_stat_statements by total or mean execution time (ms). Raises a NOTICE and returns no rows when the extension is not installed or not preloaded.';

-- Name: place_legal_hold(uuid, text, uuid, uuid, uuid); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.place_legal_hold(team_id uuid, reason text, workflow_id uuid DEFAULT NULL::uuid, execution_id uuid DEFAULT NULL::uuid, created_by uuid DEFAULT NULL::uuid) RETURNS uuid
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_id uuid;
begin
  if not exists (select 1 from app_public.teams t where t.id = place_legal_hold.team_id) then
    raise exception 'team % not found', team_id using errcode = 'LFNTF', detail = 'field: team_id';
  end if;
  if reason is null or char_length(reason) not between 1 and 2000 then
    raise exception 'a reason is required' using errcode = 'LFVAL', detail = 'field: reason';
  end if;
  if workflow_id is not null and execution_id is not null then
    raise exception 'a hold covers a team, a workflow or an execution' using errcode = 'LFVAL', detail = 'field: execution_id';
  end if;
  insert into app_private.legal_holds (team_id, workflow_id, execution_id, reason, created_by)
  values (place_legal_hold.team_id, place_legal_hold.workflow_id, place_legal_hold.execution_id, reason, created_by)
  returning id into v_id;
  perform app_private.archive_event(team_id, 'LegalHoldPlaced', jsonb_build_object('hold_id', v_id, 'workflow_id', workflow_id,
    'execution_id', execution_id, 'reason', reason));
  return v_id;
end;
$$;

-- Name: FUNCTION place_legal_hold(team_id uuid, reason text, workflow_id uuid, execution_id uuid, created_by uuid); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.place_legal_hold(team_id uuid, reason text, workflow_id uuid, execution_id uuid, created_by uuid) IS 'Places a legal hold on a team, one of its workflows or one execution; returns the hold id.';

-- Name: plan_execution_moves(app_private.execution_move_request[], app_public.executions[], boolean); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.plan_execution_moves(p_requests app_private.execution_move_request[], p_locked app_public.executions[], p_check_role boolean) RETURNS SETOF app_private.execution_move
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
begin
  return query
  with recursive
  requests as (
    select r.*, (row_number() over (partition by r.execution_id order by r.ord))::integer as step
      from unnest(p_requests) r where r.execution_id is not null
  ),
  access as (
    -- the caller's rights, once per team: null (may move), LFDNY (a member without the editor role), LFNTF
    select t.team_id,
           case when not p_check_role or app_hidden.has_team_role(t.team_id, 'editor') then null
                when app_hidden.has_team_role(t.team_id, 'viewer') then 'LFDNY' else 'LFNTF' end as denied
      from (select distinct x.team_id from unnest(p_locked) x) t
  ),
  walk as (
    -- step 0: each locked execution as it is; step k: its k-th requested move, applied when legal
    select x.id, x.created_at, x.team_id, x.workflow_id, a.denied, 0 as step, null::integer as ord, null::text as error_code,
           null::text as from_state, null::text as to_state, x.state, x.version, x.attempt, null::timestamptz as at,
           x.started_at, x.finished_at, x.duration_ms,
           null::jsonb as output, false as set_output, null::jsonb as error, false as set_error, null::jsonb as details
      from unnest(p_locked) x join access a on a.team_id = x.team_id
    union all
    select w.id, w.created_at, w.team_id, w.workflow_id, w.denied, r.step, r.ord, c.code,
           w.state, r.to_state,
           case when c.code is null then r.to_state else w.state end,
           w.version + (c.code is null)::integer,
           case when c.code is null then t.attempt else w.attempt end,
           c.at,
           case when c.code is null then t.started_at else w.started_at end,
           case when c.code is null then t.finished_at else w.finished_at end,
           case when c.code is null then t.duration_ms else w.duration_ms end,
           case when c.code is null and r.details ? 'output' then r.details->'output' else w.output end,
           w.set_output or (c.code is null and r.details ? 'output'),
           case when c.code is null and r.details ? 'error' then r.details->'error' else w.error end,
           w.set_error or (c.code is null and r.details ? 'error'),
           r.details
      from walk w
      join requests r on r.execution_id = w.id and r.step = w.step + 1
      left join app_public.execution_allowed_transitions a on a.from_state = w.state and a.to_state = r.to_state
     cross join lateral (
       select case
                when not r.well_formed then 'LFVAL'
                when w.denied is not null then w.denied
                when r.to_state is null or not (r.to_state = any (app_hidden.execution_states())) then 'LFVAL'
                when r.expected_from is not null and not (r.expected_from = any (app_hidden.execution_states())) then 'LFVAL'
                when char_length(r.details->>'reason') > 2000 then 'LFVAL'
                when r.expected_from is not null and r.expected_from <> w.state then 'LFSTA'
                when a.to_state is null then 'LFSTA'
              end as code,
              clock_timestamp() as at) c
     cross join lateral app_private.execution_timing_after_move(
       r.to_state, coalesce(a.is_retry, false), c.at, w.attempt, w.started_at, w.finished_at, w.duration_ms) t
  )
  select r.ord, r.execution_id, w.created_at, w.team_id, w.workflow_id, w.step,
         coalesce(w.id is not null and w.error_code is null, false),
         case when w.id is not null then w.error_code
              when r.execution_id is null or not r.well_formed then 'LFVAL' else 'LFNTF' end,
         w.denied, w.from_state, w.to_state, w.state, w.version, w.attempt, w.at, w.started_at, w.finished_at, w.duration_ms,
         w.output, w.set_output, w.error, w.set_error, r.details,
         coalesce(w.step = max(w.step) over (partition by w.id) and bool_or(w.error_code is null) over (partition by w.id), false)
    from unnest(p_requests) r
    left join walk w on w.ord = r.ord and w.step > 0
   order by r.ord;
end;
$$;

-- Name: FUNCTION plan_execution_moves(p_requests app_private.execution_move_request[], p_locked app_public.executions[], p_check_role boolean); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.plan_execution_moves(p_requests app_private.execution_move_request[], p_locked app_public.executions[], p_check_role boolean) IS 'Plans a batch of moves without writing: walks each locked execution through its requested moves in input order (a recursive query, one step per move of the same execution), checking each against the caller''s role, the known states, expected_from and execution_allowed_transitions. A refused move leaves the state as it was for the next one. One execution_move per request, in input order.';

-- Name: project_execution_daily_stats(regclass, xid8, bigint, xid8, bigint); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.project_execution_daily_stats(target regclass, from_tx xid8, from_pos bigint, to_tx xid8, to_pos bigint) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET work_mem TO '32MB'
    SET jit TO 'off'
    AS $_$
begin
  execute format($q$
    with ev as (
      select (e.data->>'workflow_id')::uuid as wid, coalesce((e.data->>'team_id')::uuid, e.team_id) as team_id, e.type,
             (((case when e.type = 'ExecutionCreated' then e.data->>'created_at' else e.data->>'at' end)::timestamptz) at time zone 'UTC')::date as day,
             e.data->>'to_state' as to_state, (e.data->>'duration_ms')::bigint as duration_ms
        from app_public.events e
       where (e.transaction_id, e.global_position) > ($1, $2) and (e.transaction_id, e.global_position) <= ($3, $4)
         and (e.type = 'ExecutionCreated'
              or (e.type = 'ExecutionStateChanged' and e.data->>'to_state' = any (app_hidden.execution_terminal_states())))
    )
    insert into %1$s as t (workflow_id, day, team_id, created_count, succeeded_count, failed_count, cancelled_count,
                           finished_count, total_duration_ms, max_duration_ms, updated_at)
    select wid, day, (max(team_id::text))::uuid,
           count(*) filter (where type = 'ExecutionCreated'),
           count(*) filter (where to_state = 'succeeded'),
           count(*) filter (where to_state = any (app_hidden.execution_failure_states())),
           count(*) filter (where to_state = 'cancelled'),
           count(*) filter (where type = 'ExecutionStateChanged'),
           coalesce(sum(duration_ms) filter (where type = 'ExecutionStateChanged'), 0),
           max(duration_ms) filter (where type = 'ExecutionStateChanged'),
           now()
      from ev where wid is not null and day is not null group by wid, day
    on conflict (workflow_id, day) do update set
      created_count = t.created_count + excluded.created_count,
      succeeded_count = t.succeeded_count + excluded.succeeded_count,
      failed_count = t.failed_count + excluded.failed_count,
      cancelled_count = t.cancelled_count + excluded.cancelled_count,
      finished_count = t.finished_count + excluded.finished_count,
      total_duration_ms = t.total_duration_ms + excluded.total_duration_ms,
      max_duration_ms = greatest(t.max_duration_ms, excluded.max_duration_ms),
      updated_at = excluded.updated_at
  $q$, target) using from_tx, from_pos, to_tx, to_pos;
end;
$_$;

-- Name: FUNCTION project_execution_daily_stats(target regclass, from_tx xid8, from_pos bigint, to_tx xid8, to_pos bigint); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.project_execution_daily_stats(target regclass, from_tx xid8, from_pos bigint, to_tx xid8, to_pos bigint) IS 'Projection handler of execution_daily_stats: counts executions created (by created_at day) and finished (by the terminal transition''s day, with durations) per workflow and UTC day.';

-- Name: project_team_activity(regclass, xid8, bigint, xid8, bigint); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.project_team_activity(target regclass, from_tx xid8, from_pos bigint, to_tx xid8, to_pos bigint) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET jit TO 'off'
    AS $_$
begin
  execute format($q$
    insert into %1$s (id, team_id, occurred_at, event_id, event_type, stream_id, subject_id, workflow_id, actor_id, summary)
    select e.global_position, coalesce((e.data->>'team_id')::uuid, e.team_id), e.created_at, e.event_id, e.type, e.stream_id,
           coalesce(e.data->>'execution_id', e.data->>'workflow_id')::uuid,
           (e.data->>'workflow_id')::uuid,
           nullif(e.metadata->>'actor', '')::uuid,
           case e.type
             when 'WorkflowCreated' then format('Workflow "%%s" created', e.data->>'name')
             when 'WorkflowSaved' then format('Workflow "%%s" saved as version %%s', e.data->>'name', e.data->>'version')
             when 'WorkflowStatusChanged' then format('Workflow status changed from %%s to %%s', e.data->>'previous_status', e.data->>'status')
             when 'WorkflowDeleted' then 'Workflow deleted'
             when 'ExecutionCreated' then format('Execution created (%%s trigger)', e.data->>'trigger_type')
             else format('Execution moved from %%s to %%s', e.data->>'from_state', e.data->>'to_state')
           end
      from app_public.events e
     where (e.transaction_id, e.global_position) > ($1, $2) and (e.transaction_id, e.global_position) <= ($3, $4)
       and e.type in ('WorkflowCreated', 'WorkflowSaved', 'WorkflowStatusChanged', 'WorkflowDeleted', 'ExecutionCreated', 'ExecutionStateChanged')
       and coalesce((e.data->>'team_id')::uuid, e.team_id) is not null
    on conflict (id) do nothing
  $q$, target) using from_tx, from_pos, to_tx, to_pos;
end;
$_$;

-- Name: FUNCTION project_team_activity(target regclass, from_tx xid8, from_pos bigint, to_tx xid8, to_pos bigint); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.project_team_activity(target regclass, from_tx xid8, from_pos bigint, to_tx xid8, to_pos bigint) IS 'Projection handler of team_activity: one feed row per workflow or execution event of a team.';

-- Name: project_workflow_list(regclass, xid8, bigint, xid8, bigint); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.project_workflow_list(target regclass, from_tx xid8, from_pos bigint, to_tx xid8, to_pos bigint) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET work_mem TO '32MB'
    SET jit TO 'off'
    AS $_$
begin
  execute format($q$
    with ev as materialized (
      select e.global_position as pos, e.type, e.stream_version as sv, e.created_at,
             (e.data->>'workflow_id')::uuid as wid,
             case when e.type in ('ExecutionCreated', 'ExecutionStateChanged') then coalesce(e.data->>'team_id', e.team_id::text) end as exec_team,
             case when e.type in ('ExecutionCreated', 'ExecutionStateChanged') then (e.data->>'execution_id')::uuid end as eid,
             case when e.type = 'ExecutionCreated' then (e.data->>'created_at')::timestamptz end as exec_at,
             case when e.type = 'ExecutionCreated' then e.data->>'state' end as exec_state,
             case when e.type = 'ExecutionStateChanged' then e.data->>'to_state' end as to_state,
             case when e.type = 'ExecutionStateChanged' then (e.data->>'seq')::integer end as seq,
             case when e.type in ('WorkflowCreated', 'WorkflowSaved') then coalesce((e.data->>'team_id')::uuid, e.team_id) end as wf_team,
             case when e.type in ('WorkflowCreated', 'WorkflowSaved', 'WorkflowStatusChanged') then e.data->>'name' end as name,
             case when e.type in ('WorkflowCreated', 'WorkflowSaved', 'WorkflowStatusChanged') then e.data->>'status' end as status,
             case when e.type in ('WorkflowCreated', 'WorkflowSaved', 'WorkflowStatusChanged') then (e.data->>'version')::integer end as version
        from app_public.events e
       where (e.transaction_id, e.global_position) > ($1, $2) and (e.transaction_id, e.global_position) <= ($3, $4)
         and e.type in ('WorkflowCreated', 'WorkflowSaved', 'WorkflowStatusChanged', 'WorkflowDeleted', 'ExecutionCreated', 'ExecutionStateChanged')
    ), ranked as (
      -- one sort ranks the newest created execution (created_at, then position), the newest full state and the
      -- newest status change (stream_version) of each workflow; another the newest move (seq; a null seq sorts
      -- first, as before, and then moves nothing) of each execution
      select ev.*,
             case when kind is not null
                  then row_number() over (partition by wid, kind order by exec_at desc, (case when kind <> 'created' then sv end) desc, pos desc) end as rank,
             case when type = 'ExecutionStateChanged' and eid is not null
                  then row_number() over (partition by eid, type = 'ExecutionStateChanged' order by seq desc) end as move_rank
        from (select ev.*, case when type = 'ExecutionCreated' then 'created' when type in ('WorkflowCreated', 'WorkflowSaved') then 'state'
                                when type = 'WorkflowStatusChanged' then 'status' end as kind
                from ev) ev
    ), b as (
      -- everything the batch says about one workflow, in one pass (no join between batch-sized sets)
      select wid,
             bool_or(type in ('ExecutionCreated', 'ExecutionStateChanged')) as has_exec,
             (max(exec_team) filter (where type in ('ExecutionCreated', 'ExecutionStateChanged')))::uuid as exec_team,
             count(*) filter (where type = 'ExecutionCreated') as created,
             count(*) filter (where to_state = 'succeeded') as succeeded,
             count(*) filter (where to_state = any (app_hidden.execution_failure_states())) as failed,
             count(*) filter (where to_state = 'cancelled') as cancelled,
             (array_agg(eid) filter (where kind = 'created' and rank = 1))[1] as new_eid,
             (array_agg(exec_at) filter (where kind = 'created' and rank = 1))[1] as new_at,
             (array_agg(exec_state) filter (where kind = 'created' and rank = 1))[1] as new_state,
             jsonb_object_agg(eid::text, jsonb_build_array(seq, to_state)) filter (where move_rank = 1) as last_moves,
             bool_or(kind = 'state') as has_state,
             (array_agg(wf_team) filter (where kind = 'state' and rank = 1))[1] as s_team,
             (array_agg(name) filter (where kind = 'state' and rank = 1))[1] as s_name,
             (array_agg(status) filter (where kind = 'state' and rank = 1))[1] as s_status,
             (array_agg(version) filter (where kind = 'state' and rank = 1))[1] as s_version,
             max(sv) filter (where kind = 'state') as s_sv,
             (array_agg(created_at) filter (where kind = 'state' and rank = 1))[1] as s_at,
             min(created_at) filter (where type = 'WorkflowCreated') as s_created_at,
             bool_or(kind = 'status') as has_status,
             (array_agg(status) filter (where kind = 'status' and rank = 1))[1] as c_status,
             (array_agg(version) filter (where kind = 'status' and rank = 1))[1] as c_version,
             max(sv) filter (where kind = 'status') as c_sv,
             (array_agg(created_at) filter (where kind = 'status' and rank = 1))[1] as c_at,
             bool_or(type = 'WorkflowDeleted') as deleted
        from ranked
       group by wid
    ), s1 as (
      -- 1. execution counters and the newest execution created in the batch (creates the row if missing)
      select b.*, t.workflow_id is not null as existed, t as old,
             (t.workflow_id is not null or (b.has_exec and b.wid is not null)) as ex1,
             case when t.workflow_id is not null then t.team_id when b.has_exec and b.wid is not null then b.exec_team else b.s_team end as team_id,
             coalesce(t.execution_count, 0) + b.created as execution_count,
             coalesce(t.succeeded_count, 0) + b.succeeded as succeeded_count,
             coalesce(t.failed_count, 0) + b.failed as failed_count,
             coalesce(t.cancelled_count, 0) + b.cancelled as cancelled_count,
             case when t.workflow_id is null or b.new_at >= coalesce(t.last_execution_at, '-infinity') then b.new_eid else t.last_execution_id end as last_execution_id,
             case when t.workflow_id is null or b.new_at >= coalesce(t.last_execution_at, '-infinity') then b.new_state else t.last_execution_state end as last_execution_state0,
             case when t.workflow_id is null or b.new_at >= coalesce(t.last_execution_at, '-infinity') then 0 else t.last_execution_seq end as last_execution_seq0,
             case when t.workflow_id is null then b.new_at else greatest(b.new_at, t.last_execution_at) end as last_execution_at,
             coalesce(t.stream_version, 0) as sv0
        from b left join %1$s t on t.workflow_id = b.wid
    ), s2 as (
      -- 2. the last execution's newest state; 3. the newest full state, when newer than the row's
      select s1.*,
             (last_moves->(last_execution_id::text)->>0)::integer as m_seq, last_moves->(last_execution_id::text)->>1 as m_state,
             (ex1 or has_state) as ex3,
             (has_state and (not ex1 or sv0 < s_sv)) as take_state
        from s1
    ), s3 as (
      select s2.*,
             case when ex1 and m_seq > last_execution_seq0 then m_state else last_execution_state0 end as last_execution_state,
             case when ex1 and m_seq > last_execution_seq0 then m_seq else last_execution_seq0 end as last_execution_seq,
             case when take_state then s_name else (old).name end as name3,
             case when take_state then s_status else (old).status end as status3,
             case when take_state then s_version else (old).version end as version3,
             case when take_state then s_sv else sv0 end as sv3,
             case when take_state then coalesce((old).created_at, s_created_at) else (old).created_at end as created_at,
             case when take_state then s_at else (old).updated_at end as updated_at3
        from s2
    ), f as (
      -- 4. a newer status change of an existing row; 5. deletion wins
      select s3.*, (ex3 and has_status and sv3 < c_sv) as take_status
        from s3
    ), final as (
      select wid, existed, old, deleted, team_id,
             case when take_status then c_status else status3 end as status,
             case when take_status then coalesce(c_version, version3) else version3 end as version,
             case when take_status then c_sv else sv3 end as stream_version,
             case when take_status then c_at else updated_at3 end as updated_at,
             name3 as name, execution_count, succeeded_count, failed_count, cancelled_count,
             last_execution_id, last_execution_state, last_execution_at, last_execution_seq, created_at
        from f where ex3
    ), del as (
      delete from %1$s t using final where final.deleted and final.existed and t.workflow_id = final.wid
    )
    insert into %1$s as t (workflow_id, team_id, name, status, version, stream_version, execution_count, succeeded_count, failed_count,
                           cancelled_count, last_execution_id, last_execution_state, last_execution_at, last_execution_seq, created_at, updated_at)
    select wid, team_id, name, status, version, stream_version, execution_count, succeeded_count, failed_count,
           cancelled_count, last_execution_id, last_execution_state, last_execution_at, last_execution_seq, created_at, updated_at
      from final
     where not deleted
       and (not existed
            or (team_id, name, status, version, stream_version, execution_count, succeeded_count, failed_count, cancelled_count,
                last_execution_id, last_execution_state, last_execution_at, last_execution_seq, created_at, updated_at)
               is distinct from
               ((old).team_id, (old).name, (old).status, (old).version, (old).stream_version, (old).execution_count, (old).succeeded_count,
                (old).failed_count, (old).cancelled_count, (old).last_execution_id, (old).last_execution_state, (old).last_execution_at,
                (old).last_execution_seq, (old).created_at, (old).updated_at))
    on conflict (workflow_id) do update set
      team_id = excluded.team_id, name = excluded.name, status = excluded.status, version = excluded.version,
      stream_version = excluded.stream_version, execution_count = excluded.execution_count, succeeded_count = excluded.succeeded_count,
      failed_count = excluded.failed_count, cancelled_count = excluded.cancelled_count, last_execution_id = excluded.last_execution_id,
      last_execution_state = excluded.last_execution_state, last_execution_at = excluded.last_execution_at,
      last_execution_seq = excluded.last_execution_seq, created_at = excluded.created_at, updated_at = excluded.updated_at
  $q$, target) using from_tx, from_pos, to_tx, to_pos;
end;
$_$;

-- Name: FUNCTION project_workflow_list(target regclass, from_tx xid8, from_pos bigint, to_tx xid8, to_pos bigint); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.project_workflow_list(target regclass, from_tx xid8, from_pos bigint, to_tx xid8, to_pos bigint) IS 'Projection handler of workflow_list: applies the events in the range (from, to] to target (the live table or its shadow), set-based: one statement per batch that reads the range once, folds it per workflow and writes each workflow''s row once.';

-- Name: projection_lag(); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.projection_lag() RETURNS TABLE(projection text, events_behind bigint, lag_seconds double precision, events_processed bigint, last_event_at timestamp with time zone, checkpoint_updated_at timestamp with time zone, rebuilding boolean, dead_letters bigint)
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
  select c.name,
         (select count(*) from app_public.events e
           where (e.transaction_id, e.global_position) > (c.transaction_id, c.global_position)),
         coalesce((select extract(epoch from clock_timestamp() - e.created_at)::double precision from app_public.events e
                    where (e.transaction_id, e.global_position) > (c.transaction_id, c.global_position)
                    order by e.transaction_id, e.global_position limit 1), 0),
         c.events_processed, c.last_event_at, c.updated_at,
         exists (select 1 from app_private.projection_rebuilds r where r.name = c.name),
         (select count(*) from app_private.projection_dead_letters d where d.projection = c.name)
    from app_private.projection_checkpoints c
   order by c.name;
$$;

-- Name: FUNCTION projection_lag(); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.projection_lag() IS 'Per projection: events committed but not yet applied, lag in seconds (age of the oldest unapplied event, 0 when
caught up), totals, whether a rebuild is running and how many dead letters it has. Scraped by monitoring.';

-- Name: projection_shadow_indexes(text[], boolean); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.projection_shadow_indexes(tables text[], build boolean) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $_$
declare
  t text;
  d text;
begin
  foreach t in array tables loop
    if t !~ '^[a-z][a-z0-9_]{0,50}$' or to_regclass('app_public.' || t) is null or to_regclass('app_private.' || t || '__shadow') is null then
      raise exception 'no read model % with a shadow table', t using errcode = 'LFVAL', detail = 'field: tables';
    end if;
    if not build then
      -- only plain indexes: the primary key and unique indexes stay (upserts and conflicts need them)
      for d in
        select format('drop index app_private.%I', c.relname)
          from pg_index i join pg_class c on c.oid = i.indexrelid
         where i.indrelid = ('app_private.' || t || '__shadow')::regclass and not i.indisunique
           and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid)
      loop
        execute d;
      end loop;
    else
      -- every plain index of the live table that the shadow lacks (same method, keys, order, predicate), named
      -- after the live index with "_bg" added or removed: the swap moves each table's indexes into the other
      -- schema, where the other table's index names are then free
      for d in
        select format('create index %I on app_private.%I %s',
                      case when l.name like '%\_bg' then left(l.name, -3) else left(l.name, 60) || '_bg' end, t || '__shadow', l.def)
          from (select c.relname::text as name,
                       regexp_replace(pg_get_indexdef(i.indexrelid), '^CREATE INDEX (?:"(?:[^"]|"")+"|\S+) ON (?:ONLY )?\S+ ', '') as def
                  from pg_index i join pg_class c on c.oid = i.indexrelid
                 where i.indrelid = ('app_public.' || t)::regclass and not i.indisunique
                   and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid)) l
         where not exists (
           select 1 from pg_index s
            where s.indrelid = ('app_private.' || t || '__shadow')::regclass
              and regexp_replace(pg_get_indexdef(s.indexrelid), '^CREATE (?:UNIQUE )?INDEX (?:"(?:[^"]|"")+"|\S+) ON (?:ONLY )?\S+ ', '') = l.def)
      loop
        execute d;
      end loop;
    end if;
  end loop;
end;
$_$;

-- Name: FUNCTION projection_shadow_indexes(tables text[], build boolean); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.projection_shadow_indexes(tables text[], build boolean) IS 'Secondary indexes of the shadow tables app_private.<t>__shadow during a blue/green rebuild: build = false drops every plain (non-unique, non-constraint) index of each shadow, so the replay maintains only its primary and unique keys; build = true creates every plain index of the live app_public.<t> that its shadow lacks (named after the live index with _bg added or removed, so the swap finds every name free), so the swapped-in table is indexed as the live one. Refuses a table without a shadow with LFVAL.';

-- Name: projection_swap(text[]); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.projection_swap(tables text[]) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $_$
declare
  t text;
begin
  foreach t in array tables loop
    if t !~ '^[a-z][a-z0-9_]{0,50}$' or to_regclass('app_public.' || t) is null or to_regclass('app_private.' || t || '__shadow') is null then
      raise exception 'no read model % with a shadow table', t using errcode = 'LFVAL', detail = 'field: tables';
    end if;
    execute format('alter table app_public.%I rename to %I', t, t || '__retiring');
    execute format('alter table app_public.%I set schema app_private', t || '__retiring');
    execute format('alter table app_private.%I set schema app_public', t || '__shadow');
    execute format('alter table app_public.%I rename to %I', t || '__shadow', t);
    execute format('alter table app_private.%I rename to %I', t || '__retiring', t || '__shadow');
  end loop;
end;
$_$;

-- Name: FUNCTION projection_swap(tables text[]); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.projection_swap(tables text[]) IS 'Blue/green swap: each app_public.<t> trades places with app_private.<t>__shadow (policies, grants, indexes and
comments travel with the tables). Run in the rebuild''s final transaction, so readers see the old model or the
complete new one, never a half-built one.';

-- Name: projections_cover(xid8, text[]); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.projections_cover(token_xmax xid8, projection_names text[] DEFAULT NULL::text[]) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
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

-- Name: FUNCTION projections_cover(token_xmax xid8, projection_names text[]); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.projections_cover(token_xmax xid8, projection_names text[]) IS 'True when the named projections (null: all) have applied every event of every transaction below token_xmax, i.e. a read of their read models reflects every write made before the token was taken. Every transaction below token_xmax must have finished (the event store''s horizon passed it).';

-- Name: purge_expired(integer); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.purge_expired(max_rows integer DEFAULT 500) RETURNS TABLE(kind text, id uuid)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_cutoff timestamptz := now() - (select s.restore_window from app_private.auth_settings s where s.id);
begin
  return query
    select 'user'::text, p.id from app_private.purge_users(array(
      select u.id from app_public.users u where u.deleted_at < v_cutoff order by u.deleted_at limit max_rows)) p(id);
  return query
    with gone as (
      delete from app_public.teams t
       where t.id in (select t2.id from app_public.teams t2 where t2.deleted_at < v_cutoff order by t2.deleted_at limit max_rows
                       for update skip locked)
      returning t.id)
    select 'team'::text, gone.id from gone;
end;
$$;

-- Name: FUNCTION purge_expired(max_rows integer); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.purge_expired(max_rows integer) IS 'Purges up to max_rows users and max_rows teams soft-deleted before the restore window; returns what it deleted. Run by the users_purge task until it returns nothing.';

-- Name: purge_user(uuid); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.purge_user(id uuid) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_team uuid;
  v_promote uuid;
begin
  -- Teams this user is the only owner of get a new owner (the senior member with the highest role) or,
  -- with no one left, are soft-deleted (and purged with the teams later).
  for v_team in
    select m.team_id from app_public.team_memberships m
     where m.user_id = purge_user.id and m.role = 'owner'
       and not exists (select 1 from app_public.team_memberships o
                        where o.team_id = m.team_id and o.role = 'owner' and o.user_id <> purge_user.id)
     order by m.team_id
  loop
    perform 1 from app_public.teams t where t.id = v_team for update;
    select m.id into v_promote from app_public.team_memberships m
      join app_public.users u on u.id = m.user_id and u.deleted_at is null
     where m.team_id = v_team and m.user_id <> purge_user.id
     order by app_hidden.team_role_rank(m.role) desc, m.created_at, m.id limit 1;
    if v_promote is null then
      update app_public.teams t set deleted_at = coalesce(t.deleted_at, now()) where t.id = v_team;
    else
      update app_public.team_memberships m set role = 'owner' where m.id = v_promote;
    end if;
  end loop;
  -- Anonymisation by foreign keys: workflow_versions.author_id and workflows.created_by are set null (the
  -- versions' immutability trigger allows exactly that change); memberships and secrets cascade.
  delete from app_public.users u where u.id = purge_user.id;
end;
$$;

-- Name: FUNCTION purge_user(id uuid); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.purge_user(id uuid) IS 'Hard-deletes one user: hands over teams it solely owned, then deletes the row; authorship (workflow_versions.author_id, workflows.created_by) becomes null.';

-- Name: purge_users(uuid[]); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.purge_users(ids uuid[]) RETURNS SETOF uuid
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_id uuid;
begin
  for v_id in select u.id from app_public.users u where u.id = any(ids) and u.deleted_at is not null order by u.id for update
  loop
    perform app_private.purge_user(v_id);
    return next v_id;
  end loop;
end;
$$;

-- Name: FUNCTION purge_users(ids uuid[]); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.purge_users(ids uuid[]) IS 'Hard-deletes the soft-deleted users among ids now (live users are left alone); returns the purged ids.';

-- Name: events; Type: TABLE; Schema: app_public; Owner: -

CREATE TABLE app_public.events (
    global_position bigint NOT NULL,
    transaction_id xid8 DEFAULT pg_current_xact_id() NOT NULL,
    stream_id text NOT NULL,
    stream_type text NOT NULL,
    stream_version bigint NOT NULL,
    event_id uuid NOT NULL,
    type text NOT NULL,
    schema_version integer DEFAULT 1 NOT NULL,
    data jsonb DEFAULT '{}'::jsonb NOT NULL,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    team_id uuid,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT events_metadata_object CHECK ((jsonb_typeof(metadata) = 'object'::text)),
    CONSTRAINT events_schema_version_positive CHECK ((schema_version >= 1)),
    CONSTRAINT events_stream_version_positive CHECK ((stream_version >= 1)),
    CONSTRAINT events_type_length CHECK (((char_length(type) >= 1) AND (char_length(type) <= 200)))
);
ALTER TABLE ONLY app_public.events ALTER COLUMN data SET COMPRESSION lz4;

-- Name: TABLE events; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON TABLE app_public.events IS '@foreignKey (stream_id) references app_public.event_streams (id)
The append-only event log. Read globally in (transaction_id, global_position) order, exposing only transactions older than the current snapshot''s xmin, so readers never skip an event committed out of order. metadata carries correlation_id, causation_id, actor and trace_id. team_id is denormalised from the stream for RLS and distribution. Every event''s stream exists (trigger _200_stream_exists).';

-- Name: COLUMN events.transaction_id; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON COLUMN app_public.events.transaction_id IS '@behavior -*
The writing transaction''s id (xid8): readers order and checkpoint on (transaction_id, global_position). Internal: not exposed through GraphQL.';

-- Name: read_all_events(xid8, bigint, integer, text[], text[]); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.read_all_events(after_transaction_id xid8 DEFAULT '0'::xid8, after_position bigint DEFAULT 0, max_count integer DEFAULT 1000, types text[] DEFAULT NULL::text[], stream_types text[] DEFAULT NULL::text[]) RETURNS SETOF app_public.events
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
  select e.*
    from app_public.events e
   where (e.transaction_id, e.global_position) > (coalesce(after_transaction_id, '0'::xid8), coalesce(after_position, 0))
     and e.transaction_id < pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())
     and (types is null or e.type = any (types))
     and (stream_types is null or e.stream_type = any (stream_types))
   order by e.transaction_id, e.global_position
   limit least(greatest(coalesce(max_count, 1000), 1), 10000);
$$;

-- Name: FUNCTION read_all_events(after_transaction_id xid8, after_position bigint, max_count integer, types text[], stream_types text[]); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.read_all_events(after_transaction_id xid8, after_position bigint, max_count integer, types text[], stream_types text[]) IS 'The global read: events after the checkpoint (after_transaction_id, after_position), in (transaction_id,
global_position) order, at most max_count (1..10000), optionally only some types or stream types. Only
transactions older than the current snapshot''s xmin are exposed, so a reader never skips an event committed
out of order and never sees one twice: checkpoint on the pair of the last row read. A long-open writing
transaction anywhere in the cluster holds readers back (see app_private.event_store_horizon()).';

-- Name: read_model_drift(); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.read_model_drift() RETURNS TABLE(read_model text, key text, problem text, expected text, actual text)
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
  -- workflow_list vs workflows
  select 'workflow_list', w.id::text, 'missing', w.name, null
    from app_public.workflows w
   where not exists (select 1 from app_public.workflow_list l where l.workflow_id = w.id)
  union all
  select 'workflow_list', l.workflow_id::text, 'orphan', null, l.name
    from app_public.workflow_list l
   where l.name is not null and not exists (select 1 from app_public.workflows w where w.id = l.workflow_id)
  union all
  select 'workflow_list', w.id::text, 'fields',
         concat_ws('/', w.name, w.status, w.current_version, w.team_id), concat_ws('/', l.name, l.status, l.version, l.team_id)
    from app_public.workflows w join app_public.workflow_list l on l.workflow_id = w.id
   where (w.name, w.status, w.current_version, w.team_id) is distinct from (l.name, l.status, l.version, l.team_id)
  union all
  select 'workflow_list', x.workflow_id::text, 'execution_counts',
         concat_ws('/', x.total, x.succeeded, x.failed, x.cancelled),
         concat_ws('/', l.execution_count, l.succeeded_count, l.failed_count, l.cancelled_count)
    from (select e.workflow_id, count(*) as total,
                 count(*) filter (where e.state = 'succeeded') as succeeded,
                 count(*) filter (where e.state = any (app_hidden.execution_failure_states())) as failed,
                 count(*) filter (where e.state = 'cancelled') as cancelled
            from app_public.executions e group by e.workflow_id) x
    join app_public.workflow_list l on l.workflow_id = x.workflow_id
   where (x.total, x.succeeded, x.failed, x.cancelled) is distinct from (l.execution_count, l.succeeded_count, l.failed_count, l.cancelled_count)
  union all
  -- workflow_execution_daily_stats vs executions (created per day)
  select 'workflow_execution_daily_stats', concat(coalesce(x.workflow_id, s.workflow_id), '@', coalesce(x.day, s.day)), 'created_count',
         coalesce(x.n, 0)::text, coalesce(s.created_count, 0)::text
    from (select e.workflow_id, (e.created_at at time zone 'UTC')::date as day, count(*) as n
            from app_public.executions e group by 1, 2) x
    full join (select * from app_public.workflow_execution_daily_stats where created_count > 0) s
      on s.workflow_id = x.workflow_id and s.day = x.day
   where coalesce(x.n, 0) <> coalesce(s.created_count, 0)
     and (x.workflow_id is null or exists (select 1 from app_public.workflows w where w.id = x.workflow_id))
     and (s.workflow_id is null or exists (select 1 from app_public.workflows w where w.id = s.workflow_id))
  union all
  -- team_activity vs the event log
  select 'team_activity', coalesce(t.team_id, a.team_id)::text, 'row_count', coalesce(t.n, 0)::text, coalesce(a.n, 0)::text
    from (select coalesce((e.data->>'team_id')::uuid, e.team_id) as team_id, count(*) as n from app_public.events e
           where e.type in ('WorkflowCreated', 'WorkflowSaved', 'WorkflowStatusChanged', 'WorkflowDeleted', 'ExecutionCreated', 'ExecutionStateChanged')
             and e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
             and not exists (select 1 from app_private.projection_dead_letters d where d.projection = 'team_activity' and d.global_position = e.global_position)
           group by 1) t
    full join (select team_id, count(*) as n from app_public.team_activity group by 1) a on a.team_id = t.team_id
   where coalesce(t.n, 0) <> coalesce(a.n, 0) and coalesce(t.team_id, a.team_id) is not null;
$$;

-- Name: FUNCTION read_model_drift(); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.read_model_drift() IS 'Differences between the read models and their sources: workflows missing from or orphaned in workflow_list,
differing name/status/version/team, differing execution counts; daily created counts that differ from
executions; team_activity row counts that differ from the event log. Empty when consistent (run it when the
projections are caught up; rows of a lagging projection show as drift).';

-- Name: read_stream_events(text, bigint, integer, boolean); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.read_stream_events(stream_id text, from_version bigint DEFAULT NULL::bigint, max_count integer DEFAULT 1000, backwards boolean DEFAULT false) RETURNS SETOF app_public.events
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
  (select e.* from app_public.events e
    where not backwards and e.stream_id = read_stream_events.stream_id
      and e.stream_version >= coalesce(from_version, 1)
    order by e.stream_version
    limit least(greatest(coalesce(max_count, 1000), 1), 10000))
  union all
  (select e.* from app_public.events e
    where backwards and e.stream_id = read_stream_events.stream_id
      and e.stream_version <= coalesce(from_version, 9223372036854775807)
    order by e.stream_version desc
    limit least(greatest(coalesce(max_count, 1000), 1), 10000));
$$;

-- Name: FUNCTION read_stream_events(stream_id text, from_version bigint, max_count integer, backwards boolean); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.read_stream_events(stream_id text, from_version bigint, max_count integer, backwards boolean) IS 'One stream''s events: forwards from from_version (default 1, inclusive) or, with backwards, from from_version
(default: the end, inclusive) down to 1; at most max_count (1..10000).';

-- Name: rebase_event_transaction_ids(regclass[]); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.rebase_event_transaction_ids(checkpoint_tables regclass[] DEFAULT '{}'::regclass[]) RETURNS TABLE(item text, rows_changed bigint)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $_$
declare
  v_xmin xid8 := pg_snapshot_xmin(pg_current_snapshot());
  v_next xid8 := pg_snapshot_xmax(pg_current_snapshot());
  v_max xid8;
  v_max_pos bigint;
  v_tbl regclass;
  v_n bigint;
  v_cps jsonb := '[]';
begin
  select max(e.transaction_id), max(e.global_position) into v_max, v_max_pos from app_public.events e;
  if v_max is null or v_max < v_next then
    -- No event carries an xid this cluster has not assigned yet: same cluster history (PITR, physical copy) or a
    -- cluster already ahead of the restored one. New events will sort after the restored ones: nothing to do.
    return;
  end if;
  -- Each checkpoint (x, p) meant "every event ordered at or before (x, p) is processed". In the re-based order
  -- (all restored events share xid 0, ordered by position) the equivalent safe checkpoint is the position just
  -- before the first unprocessed event: nothing is skipped; events processed beyond it are delivered again.
  foreach v_tbl in array checkpoint_tables loop
    execute format($q$
      update %s c set
        global_position = coalesce((select min(e.global_position) - 1 from app_public.events e
                                     where (e.transaction_id, e.global_position) > (c.transaction_id, c.global_position)), $1),
        transaction_id = '0'::xid8
       where c.transaction_id <> '0'::xid8$q$, v_tbl) using v_max_pos;
    get diagnostics v_n = row_count;
    item := v_tbl::text; rows_changed := v_n;
    v_cps := v_cps || jsonb_build_object('table', v_tbl::text, 'rows', v_n);
    return next;
  end loop;
  alter table app_public.events disable trigger user;
  update app_public.events e set transaction_id = '0'::xid8 where e.transaction_id <> '0'::xid8;
  get diagnostics v_n = row_count;
  alter table app_public.events enable trigger user;
  insert into app_private.event_xid_rebases (events_rewritten, previous_max_transaction_id, cluster_xmin, checkpoints)
    values (v_n, v_max, v_xmin, v_cps);
  item := 'app_public.events'; rows_changed := v_n;
  return next;
end;
$_$;

-- Name: FUNCTION rebase_event_transaction_ids(checkpoint_tables regclass[]); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.rebase_event_transaction_ids(checkpoint_tables regclass[]) IS 'Run once after restoring a logical backup into a new cluster (as the table owner, before writers start): when restored events carry transaction ids this cluster has not reached (they would stay invisible to readers and sort after new events), sets every restored event''s transaction_id to 0 (order = global_position) and rewrites each checkpoint table''s (transaction_id, global_position) to (0, last position before its first unprocessed event). A no-op when no event carries an xid this cluster has not assigned yet (PITR, physical restores, a cluster already ahead). Returns the rows changed per table.';

-- Name: reconcile_team_usage(uuid); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.reconcile_team_usage(team_id uuid) RETURNS TABLE(hot_executions bigint, hot_bytes bigint, cold_executions bigint, cold_bytes bigint, events bigint)
    LANGUAGE sql
    SET search_path TO 'pg_catalog'
    AS $$
  -- one statement, one snapshot: a row is visible exactly when its delta is, so the correction is exact
  with actual as (
    select (select count(*) from app_public.executions e where e.team_id = reconcile_team_usage.team_id) he,
           (select coalesce(sum(app_private.execution_bytes(e.*)), 0) from app_public.executions e where e.team_id = reconcile_team_usage.team_id)
         + (select coalesce(sum(app_private.execution_transition_bytes(t.*)), 0) from app_public.execution_transitions t where t.team_id = reconcile_team_usage.team_id)
         + (select coalesce(sum(app_private.execution_node_run_bytes(n.*)), 0) from app_public.execution_node_runs n where n.team_id = reconcile_team_usage.team_id) hb,
           (select coalesce(sum(b.row_count), 0) from app_private.archive_batches b where b.team_id = reconcile_team_usage.team_id and b.state = 'deleted') ce,
           (select coalesce(sum(b.bytes), 0) from app_private.archive_batches b where b.team_id = reconcile_team_usage.team_id and b.state = 'deleted') cb,
           (select count(*) from app_public.events v where v.team_id = reconcile_team_usage.team_id) ev
  ), fix as (
    select (a.he - u.hot_executions)::bigint he, (a.hb - u.hot_bytes)::bigint hb, (a.ce - u.cold_executions)::bigint ce,
           (a.cb - u.cold_bytes)::bigint cb, (a.ev - u.events)::bigint ev
      from actual a, app_private.team_usage(reconcile_team_usage.team_id) u
  ), ins as (
    insert into app_hidden.team_usage_deltas (team_id, hot_executions, hot_bytes, cold_executions, cold_bytes, events)
    select reconcile_team_usage.team_id, f.he, f.hb, f.ce, f.cb, f.ev from fix f
     where (f.he, f.hb, f.ce, f.cb, f.ev) <> (0, 0, 0, 0, 0)
    returning 1
  )
  select f.he, f.hb, f.ce, f.cb, f.ev from fix f;
$$;

-- Name: FUNCTION reconcile_team_usage(team_id uuid); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.reconcile_team_usage(team_id uuid) IS 'Recounts a team''s stored usage from the tables (hot rows, cold batches, events) and appends the difference to the counters as one correction delta, in one snapshot (exact under concurrent writes). Returns the correction (zeros when the counters were right). For the drift of values above the TOAST threshold (counted untoasted on insert, stored on delete); costs a scan of the team''s rows.';

-- Name: record_node_run_finish(uuid, text, integer, text, jsonb, jsonb, boolean); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.record_node_run_finish(p_execution_id uuid, p_node_name text, p_attempt integer, p_status text, p_output jsonb, p_error jsonb, p_check_role boolean) RETURNS app_public.execution_node_runs
    LANGUAGE sql
    SET search_path TO 'pg_catalog'
    AS $$
  select app_private.node_run_or_raise(r)
    from app_private.record_node_runs(
           jsonb_build_array(jsonb_build_object('op', 'finish', 'execution_id', p_execution_id, 'node_name', p_node_name,
                                                'attempt', p_attempt, 'status', p_status, 'output', p_output, 'error', p_error)),
           null, p_check_role) r;
$$;

-- Name: FUNCTION record_node_run_finish(p_execution_id uuid, p_node_name text, p_attempt integer, p_status text, p_output jsonb, p_error jsonb, p_check_role boolean); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.record_node_run_finish(p_execution_id uuid, p_node_name text, p_attempt integer, p_status text, p_output jsonb, p_error jsonb, p_check_role boolean) IS 'Service path of record_node_run_finish (owner only): one finish through record_node_runs; raises its refusal (LFVAL, LFLIM, LFNTF, LFDNY, LFSTA).';

-- Name: record_node_run_start(uuid, text, integer, uuid, boolean); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.record_node_run_start(p_execution_id uuid, p_node_name text, p_attempt integer, p_node_id uuid, p_check_role boolean) RETURNS app_public.execution_node_runs
    LANGUAGE sql
    SET search_path TO 'pg_catalog'
    AS $$
  select app_private.node_run_or_raise(r)
    from app_private.record_node_runs(
           jsonb_build_array(jsonb_build_object('op', 'start', 'execution_id', p_execution_id, 'node_name', p_node_name,
                                                'attempt', p_attempt, 'node_id', p_node_id)),
           null, p_check_role) r;
$$;

-- Name: FUNCTION record_node_run_start(p_execution_id uuid, p_node_name text, p_attempt integer, p_node_id uuid, p_check_role boolean); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.record_node_run_start(p_execution_id uuid, p_node_name text, p_attempt integer, p_node_id uuid, p_check_role boolean) IS 'Service path of record_node_run_start (owner only): one start through record_node_runs; raises its refusal (LFVAL, LFNTF, LFDNY, LFSTA, LFCNF).';

-- Name: record_node_runs(jsonb, uuid, boolean); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.record_node_runs(p_items jsonb, p_actor uuid DEFAULT NULL::uuid, p_check_role boolean DEFAULT false) RETURNS SETOF app_public.execution_node_run_result
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $_$
declare
  v_limit integer := (select s.node_output_max_bytes from app_private.execution_settings s);
  v_items app_private.node_run_item[];
  v_max jsonb := '{}';
  v_started app_public.execution_node_runs[] := '{}';
  v_finished app_public.execution_node_runs[] := '{}';
  v_found app_public.execution_node_runs[] := '{}';
  v_finishes integer;
  it app_private.node_run_item;
  k text;
  m integer;
begin
  if p_items is null or jsonb_typeof(p_items) <> 'array' then
    raise exception 'items must be a JSON array' using errcode = 'LFVAL', detail = 'field: items';
  end if;
  if jsonb_array_length(p_items) > 10000 then
    raise exception 'at most 10000 node runs per call' using errcode = 'LFLIM', detail = format('limit=10000 size=%s', jsonb_array_length(p_items));
  end if;

  -- 1. parse and validate each item (the checks of the single calls, in their order)
  select coalesce(array_agg(row(p.ord, p.op, p.execution_id, p.node_name, p.node_id, p.attempt, p.status, p.output, p.error,
                                null, null, v.code, v.message, v.detail, null)::app_private.node_run_item order by p.ord), '{}')
    into v_items
    from (
      select a.o::integer as ord, a.x,
             case when jsonb_typeof(a.x) = 'object' then a.x->>'op' end as op,
             case when jsonb_typeof(a.x->'execution_id') = 'string' and (a.x->>'execution_id') ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                  then (a.x->>'execution_id')::uuid end as execution_id,
             case when jsonb_typeof(a.x->'node_name') = 'string' then a.x->>'node_name' end as node_name,
             case when jsonb_typeof(a.x->'node_id') = 'string' and (a.x->>'node_id') ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                  then (a.x->>'node_id')::uuid end as node_id,
             case when jsonb_typeof(a.x->'attempt') = 'number' and (a.x->>'attempt') ~ '^-?[0-9]{1,9}$' then (a.x->>'attempt')::integer end as attempt,
             coalesce(jsonb_typeof(a.x->'attempt'), 'null') <> 'null'
               and not (jsonb_typeof(a.x->'attempt') = 'number' and (a.x->>'attempt') ~ '^-?[0-9]{1,9}$') as attempt_bad,
             coalesce(jsonb_typeof(a.x->'node_id'), 'null') <> 'null'
               and not (jsonb_typeof(a.x->'node_id') = 'string' and (a.x->>'node_id') ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$') as node_id_bad,
             case when jsonb_typeof(a.x) = 'object' then a.x->>'status' end as status,
             case when jsonb_typeof(a.x) = 'object' then nullif(a.x->'output', 'null'::jsonb) end as output,
             case when jsonb_typeof(a.x) = 'object' then nullif(a.x->'error', 'null'::jsonb) end as error
        from jsonb_array_elements(p_items) with ordinality as a(x, o)
    ) p
    cross join lateral (
      select octet_length(coalesce(p.output::text, '')) as output_size, octet_length(coalesce(p.error::text, '')) as error_size
    ) z
    cross join lateral (
      select case
               when jsonb_typeof(p.x) <> 'object' then 'LFVAL'
               when p.op is null or p.op not in ('start', 'finish') then 'LFVAL'
               when p.execution_id is null then 'LFVAL'
               when p.op = 'start' and (p.node_name is null or char_length(p.node_name) not between 1 and 200) then 'LFVAL'
               when p.attempt_bad or (p.op = 'start' and p.attempt < 1) then 'LFVAL'
               when p.op = 'start' and p.node_id_bad then 'LFVAL'
               when p.op = 'finish' and (p.status is null or not (p.status = any (app_hidden.node_run_finished_statuses()))) then 'LFVAL'
               when p.op = 'finish' and (z.output_size > v_limit or z.error_size > v_limit) then 'LFLIM'
             end as code,
             case
               when jsonb_typeof(p.x) <> 'object' then 'each node run item must be a JSON object'
               when p.op is null or p.op not in ('start', 'finish') then 'op must be start or finish'
               when p.execution_id is null then 'execution_id must be a uuid'
               when p.op = 'start' and (p.node_name is null or char_length(p.node_name) not between 1 and 200) then 'node name must have 1 to 200 characters'
               when p.attempt_bad or (p.op = 'start' and p.attempt < 1) then 'attempt must be positive'
               when p.op = 'start' and p.node_id_bad then 'node_id must be a uuid'
               when p.op = 'finish' and (p.status is null or not (p.status = any (app_hidden.node_run_finished_statuses()))) then 'status must be succeeded, failed, skipped or cancelled'
               when p.op = 'finish' and z.output_size > v_limit then format('node output is %s bytes, the limit is %s', z.output_size, v_limit)
               when p.op = 'finish' and z.error_size > v_limit then format('node error is %s bytes, the limit is %s', z.error_size, v_limit)
             end as message,
             case
               when jsonb_typeof(p.x) <> 'object' then 'field: items'
               when p.op is null or p.op not in ('start', 'finish') then 'field: op'
               when p.execution_id is null then 'field: execution_id'
               when p.op = 'start' and (p.node_name is null or char_length(p.node_name) not between 1 and 200) then 'field: node_name'
               when p.attempt_bad or (p.op = 'start' and p.attempt < 1) then 'field: attempt'
               when p.op = 'start' and p.node_id_bad then 'field: node_id'
               when p.op = 'finish' and (p.status is null or not (p.status = any (app_hidden.node_run_finished_statuses()))) then 'field: status'
               when p.op = 'finish' and z.output_size > v_limit then format('field: output limit=%s size=%s', v_limit, z.output_size)
               when p.op = 'finish' and z.error_size > v_limit then format('field: error limit=%s size=%s', v_limit, z.error_size)
             end as detail
    ) v;

  -- 2. the executions: found (pruned by the ids' time) and checked without a lock, then the writable ones
  --    share-locked once, in id order, and their state read under the lock
  with wanted as (
    select distinct i.execution_id as id from unnest(v_items) i where i.code is null
  ), found as (
    select f.id, f.created_at, f.team_id,
           case when not p_check_role then null
                when not app_hidden.has_team_role(f.team_id, 'viewer') then 'LFNTF'
                when not app_hidden.has_team_role(f.team_id, 'editor') then 'LFDNY' end as denied
      from wanted w
     cross join lateral (
       (select x.id, x.created_at, x.team_id from app_public.executions x
         where x.id = w.id
           and x.created_at between app_hidden.uuid_v7_time(w.id) - interval '1 hour' and app_hidden.uuid_v7_time(w.id) + interval '1 hour')
       union all
       (select x.id, x.created_at, x.team_id from app_public.executions x where x.id = w.id)
       limit 1) f
  ), locked as materialized (
    select l.id, l.state
      from (select * from found where denied is null order by id) f
     cross join lateral (
       select x.id, x.state from app_public.executions x where x.id = f.id and x.created_at = f.created_at for share) l
  )
  select array_agg(row(i.ord, i.op, i.execution_id, i.node_name, i.node_id, i.attempt, i.status, i.output, i.error,
                       f.created_at, f.team_id,
                       coalesce(i.code, case when f.id is null or f.denied = 'LFNTF' then 'LFNTF' when f.denied is not null then f.denied
                                             when not (l.state = any (app_hidden.execution_active_states())) then 'LFSTA' end),
                       case when i.code is not null then i.message
                            when f.id is null or f.denied = 'LFNTF' then 'execution not found'
                            when f.denied is not null then 'recording node runs needs the editor role'
                            when not (l.state = any (app_hidden.execution_active_states())) then
                              format('node runs are recorded only while the execution is running or waiting (it is %s)', l.state) end,
                       case when i.code is not null then i.detail
                            when f.id is null or f.denied = 'LFNTF' then 'field: execution_id'
                            when f.denied is not null then null
                            when not (l.state = any (app_hidden.execution_active_states())) then format('current_state=%s', l.state) end,
                       case when i.code is null and f.denied is null and not (l.state = any (app_hidden.execution_active_states())) then l.state end
                  )::app_private.node_run_item order by i.ord)
    into v_items
    from unnest(v_items) i
    left join found f on f.id = i.execution_id
    left join locked l on l.id = i.execution_id;
  v_items := coalesce(v_items, '{}');

  -- 3. attempts, in input order: a start takes the node's next attempt unless given; a finish without one takes
  --    the node's latest attempt as of its place in the batch
  select coalesce(jsonb_object_agg(s.k, s.m), '{}') into v_max
    from (select nr.execution_id::text || '|' || nr.node_name as k, max(nr.attempt) as m
            from (select distinct i.execution_id, i.execution_created_at, i.node_name from unnest(v_items) i where i.code is null) d
            join app_public.execution_node_runs nr
              on nr.execution_id = d.execution_id and nr.execution_created_at = d.execution_created_at and nr.node_name = d.node_name
           group by 1) s;
  for n in 1 .. cardinality(v_items) loop
    it := v_items[n];
    continue when it.code is not null;
    k := it.execution_id::text || '|' || it.node_name;
    m := coalesce((v_max->>k)::integer, 0);
    if it.op = 'start' then
      it.attempt := coalesce(it.attempt, m + 1);
      if it.attempt > m then v_max := v_max || jsonb_build_object(k, it.attempt); end if;
    elsif it.attempt is null and m = 0 or it.attempt > m then
      it.code := 'LFNTF'; it.message := 'node run not found'; it.detail := 'field: node_name';
    else
      it.attempt := coalesce(it.attempt, m);
    end if;
    v_items[n] := it;
  end loop;

  -- 4. starts: one INSERT (the first item of an attempt wins; an attempt that exists already is LFCNF)
  with ins as (
    insert into app_public.execution_node_runs as nr (execution_id, execution_created_at, team_id, node_name, node_id, attempt, status, started_at)
    select i.execution_id, i.execution_created_at, i.team_id, i.node_name, i.node_id, i.attempt, 'running', clock_timestamp()
      from unnest(v_items) i
     where i.op = 'start' and i.code is null
     order by i.ord
    on conflict do nothing
    returning nr.*
  )
  select coalesce(array_agg(row(ins.*)::app_public.execution_node_runs), '{}') into v_started from ins;

  -- 5. finishes: one UPDATE of the runs still pending or running (the first finish of a run wins)
  with f as (
    select distinct on (i.execution_id, i.node_name, i.attempt) i.*
      from unnest(v_items) i
     where i.op = 'finish' and i.code is null
     order by i.execution_id, i.node_name, i.attempt, i.ord
  ), upd as (
    update app_public.execution_node_runs nr
       set status = f.status, finished_at = clock_timestamp(), output = f.output, error = f.error
      from f
     where nr.execution_id = f.execution_id and nr.execution_created_at = f.execution_created_at
       and nr.node_name = f.node_name and nr.attempt = f.attempt and nr.status in ('pending', 'running')
    returning nr.*
  )
  select coalesce(array_agg(row(upd.*)::app_public.execution_node_runs), '{}') into v_finished from upd;

  -- finishes that changed nothing: read their runs to say why (already finished, or no such run)
  select count(*) into v_finishes from unnest(v_items) i where i.op = 'finish' and i.code is null;
  if v_finishes > cardinality(v_finished) then
    select coalesce(array_agg(nr), '{}') into v_found
      from (select distinct i.execution_id, i.execution_created_at, i.node_name, i.attempt
              from unnest(v_items) i where i.op = 'finish' and i.code is null) d
      join app_public.execution_node_runs nr
        on nr.execution_id = d.execution_id and nr.execution_created_at = d.execution_created_at
       and nr.node_name = d.node_name and nr.attempt = d.attempt;
  end if;

  -- 6. one result per item, in input order
  return query
    with i as (
      select x.*, row_number() over (partition by x.op, x.execution_id, x.node_name, x.attempt, x.code is null order by x.ord) as nth
        from unnest(v_items) x
    ), r as (
      select i.ord, i.op, i.node_name, i.attempt, i.code as item_code, i.message as item_message, i.detail as item_detail,
             i.current_state as item_state, coalesce(s, f) as run, g.status as found_status, g.execution_id is not null as found
        from i
        left join unnest(v_started) s
          on i.op = 'start' and i.code is null and i.nth = 1
         and s.execution_id = i.execution_id and s.node_name = i.node_name and s.attempt = i.attempt
        left join unnest(v_finished) f
          on i.op = 'finish' and i.code is null and i.nth = 1
         and f.execution_id = i.execution_id and f.node_name = i.node_name and f.attempt = i.attempt
        left join unnest(v_found) g
          on i.op = 'finish' and i.code is null
         and g.execution_id = i.execution_id and g.node_name = i.node_name and g.attempt = i.attempt
    ), o as (
      select r.*,
             case when r.item_code is not null then r.item_code
                  when (r.run).execution_id is not null then null
                  when r.op = 'start' then 'LFCNF'
                  when r.found then 'LFSTA'
                  else 'LFNTF' end as code
        from r
    )
    select o.ord, o.code is null, o.code,
           case when o.item_code is not null then o.item_message
                when o.code = 'LFCNF' then format('node %s attempt %s was already started', o.node_name, o.attempt)
                when o.code = 'LFSTA' then format('node run already finished (%s)', o.found_status)
                when o.code = 'LFNTF' then 'node run not found' end,
           case when o.item_code is not null then o.item_detail
                when o.code = 'LFCNF' then 'field: attempt'
                when o.code = 'LFSTA' then format('current_state=%s', o.found_status)
                when o.code = 'LFNTF' then 'field: node_name' end,
           case when o.item_code is not null then o.item_state
                when o.code = 'LFSTA' then o.found_status
                else (o.run).status end,
           (o.run).execution_id, (o.run).execution_created_at, (o.run).team_id, (o.run).node_name, (o.run).node_id, (o.run).attempt,
           (o.run).status, (o.run).started_at, (o.run).finished_at, (o.run).output, (o.run).error
      from o
     order by o.ord;
end;
$_$;

-- Name: FUNCTION record_node_runs(p_items jsonb, p_actor uuid, p_check_role boolean); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.record_node_runs(p_items jsonb, p_actor uuid, p_check_role boolean) IS 'Node runs in bulk (owner only; the engines'' service path). items: [{op: "start", execution_id, node_name, attempt?, node_id?}
| {op: "finish", execution_id, node_name, status: succeeded|failed|skipped|cancelled, output?, error?, attempt?}] (at most 10000).
Set-based: the executions are found and (p_check_role) checked without a lock, then share-locked once per batch in id
order; all starts are one INSERT and all finishes one UPDATE. Items apply in input order per node: a start takes the
node''s next attempt unless given, a finish without an attempt the node''s latest as of its place in the batch (a start
and its finish may share a batch). Returns one result per item in input order; a refused item (LFVAL, LFLIM, LFNTF,
LFDNY, LFSTA, LFCNF: the single functions'' errors, message and detail) writes nothing, the others commit.
p_actor is accepted for symmetry with apply_execution_transitions (node runs record no actor).';

-- Name: release_legal_hold(uuid); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.release_legal_hold(hold_id uuid) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  h app_private.legal_holds;
begin
  update app_private.legal_holds x set released_at = now() where x.id = hold_id and x.released_at is null returning * into h;
  if not found then
    raise exception 'active legal hold % not found', hold_id using errcode = 'LFNTF', detail = 'field: hold_id';
  end if;
  perform app_private.archive_event(h.team_id, 'LegalHoldReleased', jsonb_build_object('hold_id', h.id));
end;
$$;

-- Name: FUNCTION release_legal_hold(hold_id uuid); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.release_legal_hold(hold_id uuid) IS 'Releases an active legal hold.';

-- Name: require_live_user(); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.require_live_user() RETURNS uuid
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_id uuid := app_public.current_user_id();
begin
  if v_id is null or not exists (select 1 from app_public.users u where u.id = v_id and u.deleted_at is null) then
    raise exception 'sign in first' using errcode = 'LFDNY';
  end if;
  return v_id;
end;
$$;

-- Name: FUNCTION require_live_user(); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.require_live_user() IS 'The current user id; raises LFDNY for anonymous callers and soft-deleted users.';

-- Name: restore_users(uuid[]); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.restore_users(ids uuid[]) RETURNS SETOF uuid
    LANGUAGE sql
    SET search_path TO 'pg_catalog'
    AS $$
  update app_public.users u set deleted_at = null
   where u.id = any(ids) and u.deleted_at is not null
     and u.deleted_at >= now() - (select s.restore_window from app_private.auth_settings s where s.id)
  returning u.id;
$$;

-- Name: FUNCTION restore_users(ids uuid[]); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.restore_users(ids uuid[]) IS 'Restores the soft-deleted users among ids that are still inside the restore window; returns the ids it restored.';

-- Name: retention_plan(uuid, integer, integer, timestamp with time zone); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.retention_plan(team_id uuid, default_hot_days integer DEFAULT 30, default_cold_days integer DEFAULT 365, at timestamp with time zone DEFAULT now()) RETURNS SETOF app_public.retention_plan_item
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    SET jit TO 'off'
    AS $$
  with a as (
    select d.execution_id, d.created_at, d.workflow_id from app_private.lifecycle_archive_due(retention_plan.default_hot_days, retention_plan.team_id, retention_plan.at) d
  )
  select 'archive', a.execution_id, null::uuid, a.workflow_id, a.created_at, 1,
         (app_private.execution_bytes(e.*) + coalesce((select sum(app_private.execution_transition_bytes(t.*)) from app_public.execution_transitions t
                                            where t.execution_id = e.id and t.execution_created_at = e.created_at), 0)
                              + coalesce((select sum(app_private.execution_node_run_bytes(n.*)) from app_public.execution_node_runs n
                                            where n.execution_id = e.id and n.execution_created_at = e.created_at), 0))::bigint
    from a join app_public.executions e on e.id = a.execution_id and e.created_at = a.created_at
  union all
  select 'trim', d.execution_id, null, e.workflow_id, d.execution_created_at, 1, sum(d.bytes_freed)::bigint
    from app_private.lifecycle_trim_due(retention_plan.default_hot_days, retention_plan.team_id, retention_plan.at) d
    join app_public.executions e on e.id = d.execution_id and e.created_at = d.execution_created_at
   group by d.execution_id, e.workflow_id, d.execution_created_at
  union all
  select 'delete', null, d.batch_id, null, d.max_created_at, d.row_count, d.bytes
    from app_private.lifecycle_expire_due(retention_plan.default_cold_days, retention_plan.team_id, retention_plan.at) d
   order by 1, 5, 2, 3;
$$;

-- Name: FUNCTION retention_plan(team_id uuid, default_hot_days integer, default_cold_days integer, at timestamp with time zone); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.retention_plan(team_id uuid, default_hot_days integer, default_cold_days integer, at timestamp with time zone) IS 'The dry run (owner; no access check): archive, trim and delete items of one team due at `at`, with the given fallback retentions for executions no policy or setting covers.';

-- Name: rollup_and_drop_metric_samples(integer); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.rollup_and_drop_metric_samples(retain_days integer DEFAULT NULL::integer) RETURNS TABLE(partition_name text, day date, samples bigint, repaired boolean)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET lock_timeout TO '5s'
    AS $_$
declare
  cfg app_private.execution_settings;
  v_keep integer;
  v_cutoff date;
  p record;
  v_day date;
  v_bad integer;
begin
  -- fold the queue first: the check below compares raw samples with complete rollups
  while app_private.fold_execution_metric_samples() > 0 loop
  end loop;
  select * into cfg from app_private.execution_settings;
  v_keep := coalesce(retain_days, cfg.raw_sample_retention_days);
  v_cutoff := (now() at time zone 'UTC')::date - v_keep;
  for p in
    select c.relname, substring(c.relname from '_p(\d{8})$')::date as d
      from pg_inherits i join pg_class c on c.oid = i.inhrelid
     where i.inhparent = 'app_public.execution_metric_samples'::regclass and c.relname ~ '_p\d{8}$'
       and substring(c.relname from '_p(\d{8})$')::date < v_cutoff
     order by 2
  loop
    v_day := p.d;
    partition_name := 'app_partitions.' || p.relname;
    day := v_day;
    execute format('select count(*) from app_partitions.%I', p.relname) into samples;
    -- Do the day rollups hold exactly this partition's samples (per workflow, counts and duration sums)?
    execute format($q$
      select count(*) from (
        select s.workflow_id, count(*) as n, coalesce(sum(s.duration_ms), 0) as d
          from app_partitions.%I s group by 1) raw
      full join (
        select r.workflow_id, sum(r.total) as n, sum(r.duration_sum_ms) as d
          from app_public.execution_metric_rollups r
         where r.granularity = 'day' and r.bucket = $1 group by 1) rolled on rolled.workflow_id = raw.workflow_id
      where raw.n is distinct from rolled.n or raw.d is distinct from rolled.d$q$, p.relname)
      into v_bad using v_day::timestamp at time zone 'UTC';
    repaired := v_bad > 0;
    if repaired then
      delete from app_public.execution_metric_rollups r
       where r.bucket >= v_day::timestamp at time zone 'UTC' and r.bucket < (v_day + 1)::timestamp at time zone 'UTC';
      execute format($q$
        insert into app_public.execution_metric_rollups (
          workflow_id, team_id, granularity, bucket, shard, total, succeeded, failed, cancelled, timed_out, crashed, other,
          duration_count, duration_sum_ms, duration_min_ms, duration_max_ms, duration_histogram, node_count, failed_node_count)
        select s.workflow_id, min(s.team_id::text)::uuid, g.granularity, date_trunc(g.granularity, s.recorded_at, 'UTC'), 0,
               count(*), count(*) filter (where s.state = 'succeeded'), count(*) filter (where s.state = 'failed'),
               count(*) filter (where s.state = 'cancelled'), count(*) filter (where s.state = 'timed_out'),
               count(*) filter (where s.state = 'crashed'),
               count(*) filter (where not (s.state = any (app_hidden.execution_terminal_states()))),
               count(s.duration_ms), coalesce(sum(s.duration_ms), 0), min(s.duration_ms), max(s.duration_ms),
               app_hidden.duration_histogram(array_agg(s.duration_ms)), sum(s.node_count), sum(s.failed_node_count)
          from app_partitions.%I s
         cross join (values ('minute'), ('hour'), ('day')) g(granularity)
         where exists (select 1 from app_public.workflows w where w.id = s.workflow_id)
         group by s.workflow_id, g.granularity, date_trunc(g.granularity, s.recorded_at, 'UTC')$q$, p.relname);
    end if;
    execute format('drop table app_partitions.%I', p.relname);
    return next;
  end loop;

  delete from app_public.execution_metric_rollups r
   where r.granularity = 'minute' and r.bucket < now() - make_interval(days => cfg.minute_rollup_retention_days);
  delete from app_public.execution_metric_rollups r
   where r.granularity = 'hour' and r.bucket < now() - make_interval(days => cfg.hour_rollup_retention_days);
  delete from app_private.execution_idempotency_keys k
   where k.created_at < now() - make_interval(days => cfg.idempotency_key_retention_days);
end;
$_$;

-- Name: FUNCTION rollup_and_drop_metric_samples(retain_days integer); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.rollup_and_drop_metric_samples(retain_days integer) IS 'Run by the execution_metrics_retention task: for each raw metric sample partition older than retain_days (default execution_settings.raw_sample_retention_days), checks that the day rollups equal the raw data (rebuilding that day''s minute/hour/day rollups from raw when not), then drops the partition. Folds the sample queue first. Also prunes minute/hour rollups and idempotency keys past their retention.';

-- Name: search_candidate_batches(uuid, jsonb, timestamp with time zone, uuid); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.search_candidate_batches(team_id uuid, query jsonb, after_created_at timestamp with time zone DEFAULT NULL::timestamp with time zone, after_id uuid DEFAULT NULL::uuid) RETURNS TABLE(batch_id uuid, key text, sha256 text, encrypted boolean, min_created_at timestamp with time zone, max_created_at timestamp with time zone, row_count integer, candidate boolean)
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
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

-- Name: FUNCTION search_candidate_batches(team_id uuid, query jsonb, after_created_at timestamp with time zone, after_id uuid); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.search_candidate_batches(team_id uuid, query jsonb, after_created_at timestamp with time zone, after_id uuid) IS 'The cold side of a search: the team''s archived (deleted) batches overlapping the query''s time range (and older than the cursor), newest first, each with candidate = false when its statistics prove no execution in it can match (states, workflows, trigger types, attempt/duration ranges, bloom filter of content terms, labels from execution_labels). Only candidate files need to be read.';

-- Name: search_deallocate(); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.search_deallocate() RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  n text;
begin
  for n in select p.name from pg_catalog.pg_prepared_statements p where p.name like 'lf\_search\_%' loop
    execute format('deallocate %I', n);
  end loop;
end;
$$;

-- Name: FUNCTION search_deallocate(); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.search_deallocate() IS 'Drops the session''s prepared hot search statements (app_private.search_prepare calls it when a session holds 16).';

-- Name: search_executions_hot(uuid, jsonb, timestamp with time zone, uuid, integer); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.search_executions_hot(team_id uuid, query jsonb, after_created_at timestamp with time zone, after_id uuid, max_rows integer) RETURNS SETOF app_public.executions
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $_$
declare
  s record := app_hidden.execution_search_shape(query, 6);
  v_content boolean := app_hidden.execution_search_is_content(query);
  lk text;
  lv text;
  v_ca timestamptz := coalesce(after_created_at, 'infinity');
  v_ci uuid := coalesce(after_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff');
  v_cats timestamptz[];
  v_ids uuid[];
  v_chunk integer := greatest(max_rows, 50);
  v_left integer := max_rows;
  v_n integer;
  v_name text;
  v_args text;
  v_from timestamptz;
  v_lo timestamptz;
  v_span interval := interval '1 day';
begin
  if team_id is null then perform app_hidden.search_fail('team_id', 'team_id is required'); end if;
  if max_rows is null or max_rows < 1 or max_rows > 1000 then perform app_hidden.search_fail('page_size', 'the page size must be between 1 and 1000'); end if;
  if (after_created_at is null) <> (after_id is null) then perform app_hidden.search_fail('after', 'invalid cursor'); end if;
  if jsonb_typeof(query -> 'labels') = 'object' then
    select x.key, x.value #>> '{}' into lk, lv from jsonb_each(query -> 'labels') x where jsonb_typeof(x.value) = 'string' order by x.key limit 1;
  end if;
  if lk is not null then
    v_args := app_hidden.execution_search_predicate(query);
    loop
      select array_agg(l.execution_created_at order by l.execution_created_at desc, l.execution_id desc),
             array_agg(l.execution_id order by l.execution_created_at desc, l.execution_id desc)
        into v_cats, v_ids
        from (select l.execution_created_at, l.execution_id from app_public.execution_labels l
               where l.team_id = search_executions_hot.team_id and l.key = lk and l.value = lv
                 and (l.execution_created_at, l.execution_id) < (v_ca, v_ci)
               order by l.execution_created_at desc, l.execution_id desc limit v_chunk) l;
      exit when v_ids is null;
      -- planned with its values: the keys name the partitions to probe
      return query execute format(
        'select e.* from app_public.executions e
          where e.team_id = $1 and e.created_at = any (%L::timestamptz[]) and e.id = any (%L::uuid[]) and %s
          order by e.created_at desc, e.id desc limit $2', v_cats, v_ids, v_args)
        using team_id, v_left;
      get diagnostics v_n = row_count;
      v_left := v_left - v_n;
      exit when v_left <= 0 or cardinality(v_ids) < v_chunk;
      v_ca := v_cats[cardinality(v_cats)];
      v_ci := v_ids[cardinality(v_ids)];
    end loop;
    return;
  end if;
  v_name := app_private.search_prepare(s.predicate, s.param_types, v_content);
  select coalesce(string_agg(', ' || quote_literal(x.v), '' order by x.o), '') into v_args from unnest(s.param_values) with ordinality x(v, o);
  if not v_content then
    -- one statement: the team index's order stops it at the page; bounds in the shape prune at executor start
    return query execute format('execute %I(%L, %L, %L, %L, %s%s)', v_name, team_id, '-infinity', v_ca, v_ci, max_rows, v_args);
    return;
  end if;
  -- content: windows newest first, doubling, down to the query's lower bound or the oldest partition
  -- partition bounds are UTC days (a day of margin: the walk never stops short)
  select min(pg_catalog.to_date(right(c.relname, 8), 'YYYYMMDD')::timestamp at time zone 'UTC') - interval '1 day' into v_from
    from pg_catalog.pg_inherits i join pg_catalog.pg_class c on c.oid = i.inhrelid
   where i.inhparent = 'app_public.executions'::pg_catalog.regclass and c.relname ~ '_p[0-9]{8}$';
  if query ? 'created_from' then
    v_from := greatest(coalesce(v_from, '-infinity'), app_hidden.search_timestamp('query.created_from', query -> 'created_from'));
  end if;
  if v_from is null or v_from = '-infinity' then
    -- no day partitions to bound the walk (and no lower bound): one window over everything
    return query execute format('execute %I(%L, %L, %L, %L, %s%s)', v_name, team_id, '-infinity', v_ca, v_ci, v_left, v_args);
    return;
  end if;
  if query ? 'created_before' then
    v_ca := least(v_ca, app_hidden.search_timestamp('query.created_before', query -> 'created_before'));
  end if;
  v_lo := case when v_ca = 'infinity' then now() else v_ca end;
  loop
    v_lo := greatest(v_lo - v_span, v_from);
    return query execute format('execute %I(%L, %L, %L, %L, %s%s)', v_name, team_id, v_lo, v_ca, v_ci, v_left, v_args);
    get diagnostics v_n = row_count;
    v_left := v_left - v_n;
    exit when v_left <= 0 or v_lo <= v_from or v_lo >= v_ca;
    -- the next window ends just before this one
    v_ca := v_lo;
    v_ci := '00000000-0000-0000-0000-000000000000';
    v_span := v_span * 2;
  end loop;
end;
$_$;

-- Name: FUNCTION search_executions_hot(team_id uuid, query jsonb, after_created_at timestamp with time zone, after_id uuid, max_rows integer); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.search_executions_hot(team_id uuid, query jsonb, after_created_at timestamp with time zone, after_id uuid, max_rows integer) IS 'One page (newest first: created_at desc, id desc; keyset after (after_created_at, after_id)) of a team''s hot executions matching a search query (app_hidden.execution_search_shape). With a label equality the label index yields the candidates newest first, fetched chunk by chunk by their keys (planned for their partitions only). Otherwise one statement per query shape, prepared once per session (app_private.search_prepare) and run under a generic plan (values as parameters, partitions pruned at executor start): one statement in the team index''s order, or for content predicates (GIN indexes) time windows newest first (1, 2, 4, ... days), stopping when the page is full. Owner only: callers authorise.';

-- Name: search_filter_documents(uuid, jsonb, jsonb, timestamp with time zone, uuid); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.search_filter_documents(team_id uuid, query jsonb, docs jsonb, after_created_at timestamp with time zone DEFAULT NULL::timestamp with time zone, after_id uuid DEFAULT NULL::uuid) RETURNS TABLE(id uuid, created_at timestamp with time zone)
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    AS $_$
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
$_$;

-- Name: FUNCTION search_filter_documents(team_id uuid, query jsonb, docs jsonb, after_created_at timestamp with time zone, after_id uuid); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.search_filter_documents(team_id uuid, query jsonb, docs jsonb, after_created_at timestamp with time zone, after_id uuid) IS 'Applies a search query to executions decoded from archive files (a JSON array of rows with the executions'' top-level columns), with the very condition the hot search uses: returns the matching ids newest first, after the cursor.';

-- Name: search_prepare(text, text[], boolean); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.search_prepare(shape_predicate text, param_types text[], content boolean) RETURNS text
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $_$
declare
  v_sql text := format(
    case when content then
      -- no team or time index quals: the planner cannot estimate parameters, and with them it prefers the team
      -- index's order with the content as a filter (every team row of the range read); this keeps the GIN index
      'select e.* from (select e.* from app_public.executions e
        where (e.team_id = $1) is true and e.created_at >= $2 and e.created_at <= $3 and (e.created_at, e.id) < ($3, $4) and %s
       offset 0) e order by e.created_at desc, e.id desc limit $5'
    else
      'select e.* from app_public.executions e
        where e.team_id = $1 and e.created_at >= $2 and e.created_at <= $3 and (e.created_at, e.id) < ($3, $4) and %s
        order by e.created_at desc, e.id desc limit $5'
    end, shape_predicate);
  v_name text := 'lf_search_' || md5(v_sql);
begin
  if not exists (select 1 from pg_catalog.pg_prepared_statements p where p.name = v_name) then
    -- a session keeps at most 16 shapes: each generic plan spans every partition (about 2 MB at 110 partitions)
    if (select count(*) from pg_catalog.pg_prepared_statements p where p.name like 'lf\_search\_%') >= 16 then
      perform app_private.search_deallocate();
    end if;
    execute format('prepare %I (uuid, timestamptz, timestamptz, uuid, integer%s) as %s', v_name,
      (select coalesce(string_agg(', ' || t, '' order by o), '') from unnest(param_types) with ordinality x(t, o)), v_sql);
  end if;
  return v_name;
end;
$_$;

-- Name: FUNCTION search_prepare(shape_predicate text, param_types text[], content boolean); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.search_prepare(shape_predicate text, param_types text[], content boolean) IS 'Prepares (once per session) the hot search statement of a query shape (app_hidden.execution_search_shape with first_param 6) and returns its name (lf_search_<md5 of the text>). Parameters: $1 team, $2 and $3 the created_at bounds, $4 the keyset id at $3, $5 the row limit, then the shape''s values. content: the GIN form (no team/time index quals, sorted per window). A session keeps at most 16 such statements (about 2 MB each at 110 partitions).';

-- Name: set_execution_labels(uuid, jsonb, uuid, boolean); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.set_execution_labels(execution_id uuid, labels jsonb, actor uuid, check_role boolean) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $_$
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
$_$;

-- Name: FUNCTION set_execution_labels(execution_id uuid, labels jsonb, actor uuid, check_role boolean); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.set_execution_labels(execution_id uuid, labels jsonb, actor uuid, check_role boolean) IS 'Service path of set_execution_labels (owner only; check_role false skips the team-role check).';

-- Name: sign_jwt(jsonb); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.sign_jwt(claims jsonb) RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_secret text;
  v_signing_input text;
begin
  select s.jwt_secret into v_secret from app_private.auth_settings s where s.id;
  if v_secret is null then
    raise exception 'token signing is not configured (app_private.configure_auth)';
  end if;
  v_signing_input := app_private.base64url(convert_to('{"alg":"HS256","typ":"JWT"}', 'UTF8'))
    || '.' || app_private.base64url(convert_to(claims::text, 'UTF8'));
  return v_signing_input || '.' || app_private.base64url(public.hmac(convert_to(v_signing_input, 'UTF8'), convert_to(v_secret, 'UTF8'), 'sha256'));
end;
$$;

-- Name: FUNCTION sign_jwt(claims jsonb); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.sign_jwt(claims jsonb) IS 'Signs the claims as a compact HS256 JWT with the configured secret. Owner only.';

-- Name: soft_delete_users(uuid[]); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.soft_delete_users(ids uuid[]) RETURNS SETOF uuid
    LANGUAGE sql
    SET search_path TO 'pg_catalog'
    AS $$
  update app_public.users u set deleted_at = now() where u.id = any(ids) and u.deleted_at is null returning u.id;
$$;

-- Name: FUNCTION soft_delete_users(ids uuid[]); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.soft_delete_users(ids uuid[]) IS 'Soft-deletes the live users among ids; returns the ids it deleted.';

-- Name: start_execution(uuid, text, jsonb, text, uuid, boolean); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.start_execution(p_workflow_id uuid, p_trigger_type text, p_input jsonb, p_idempotency_key text, p_actor uuid, p_check_role boolean) RETURNS app_public.executions
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
declare
  r record;
  e app_public.executions;
begin
  select * into r
    from app_private.start_executions(
           jsonb_build_array(jsonb_build_object('workflow_id', p_workflow_id, 'trigger_type', p_trigger_type, 'idempotency_key', p_idempotency_key)
                             || case when p_input is null then '{}'::jsonb else jsonb_build_object('input', p_input) end),
           p_actor, p_check_role);
  if not r.ok and r.error_detail is null then
    raise exception '%', r.error_message using errcode = r.error_code;
  elsif not r.ok then
    raise exception '%', r.error_message using errcode = r.error_code, detail = r.error_detail;
  end if;
  select * into e from app_public.executions x where x.id = r.execution_id and x.created_at = r.execution_created_at;
  return e;
end;
$$;

-- Name: FUNCTION start_execution(p_workflow_id uuid, p_trigger_type text, p_input jsonb, p_idempotency_key text, p_actor uuid, p_check_role boolean); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.start_execution(p_workflow_id uuid, p_trigger_type text, p_input jsonb, p_idempotency_key text, p_actor uuid, p_check_role boolean) IS 'Service path of start_execution (owner only): starts an execution of an active workflow pinned to its current version; p_actor is recorded, p_check_role applies the visitor''s team role checks. A one-item call of app_private.start_executions (the same rules and errors).';

-- Name: start_executions(jsonb, uuid, boolean); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.start_executions(p_items jsonb, p_actor uuid DEFAULT NULL::uuid, p_check_role boolean DEFAULT false) RETURNS TABLE(ord integer, ok boolean, error_code text, error_message text, error_detail text, execution_id uuid, execution_created_at timestamp with time zone, created boolean)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $_$
declare
  v_items app_private.execution_start_item[];
begin
  if p_items is null or jsonb_typeof(p_items) <> 'array' then
    raise exception 'items must be a JSON array' using errcode = 'LFVAL', detail = 'field: items';
  end if;
  if jsonb_array_length(p_items) > 10000 then
    raise exception 'at most 10000 starts per call' using errcode = 'LFLIM', detail = format('limit=10000 size=%s', jsonb_array_length(p_items));
  end if;

  -- 1. parse each item, find its workflow and apply the checks of a start, in their order
  select coalesce(array_agg(row(p.ord, p.workflow_id, p.trigger_type, p.input, p.idempotency_key, w.team_id, w.current_version,
                                case when c.code is null then app_public.uuid_generate_v7() end,
                                c.code, c.message, c.detail, null, null, null)::app_private.execution_start_item order by p.ord), '{}')
    into v_items
    from (
      select a.o::integer as ord, a.x,
             case when jsonb_typeof(a.x->'workflow_id') = 'string'
                   and (a.x->>'workflow_id') ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                  then (a.x->>'workflow_id')::uuid end as workflow_id,
             case when jsonb_typeof(a.x) = 'object' then a.x->>'trigger_type' end as trigger_type,
             case when jsonb_typeof(a.x) = 'object' and a.x ? 'input' then a.x->'input' end as input,
             case when jsonb_typeof(a.x) = 'object' then a.x->>'idempotency_key' end as idempotency_key
        from jsonb_array_elements(p_items) with ordinality as a(x, o)
    ) p
    left join app_public.workflows w on w.id = p.workflow_id
    cross join lateral (
      select case
               when jsonb_typeof(p.x) <> 'object' then array['LFVAL', 'each start item must be a JSON object', 'field: items']
               when p.workflow_id is null then array['LFVAL', 'workflow_id must be a uuid', 'field: workflow_id']
               when w.id is null or (p_check_role and not app_hidden.has_team_role(w.team_id, 'viewer'))
                 then array['LFNTF', 'workflow not found', 'field: workflow_id']
               when p_check_role and not app_hidden.has_team_role(w.team_id, 'editor')
                 then array['LFDNY', 'starting an execution needs the editor role', null]
               when w.status <> 'active'
                 then array['LFSTA', format('workflow is %s, only active workflows can start executions', w.status), format('current_state=%s', w.status)]
               when p.trigger_type is null or p.trigger_type not in ('webhook', 'schedule', 'event', 'manual', 'retry')
                 then array['LFVAL', 'unknown trigger type', 'field: trigger_type']
               when p.idempotency_key is not null and char_length(p.idempotency_key) not between 1 and 200
                 then array['LFVAL', 'idempotency key must have 1 to 200 characters', 'field: idempotency_key']
             end as v
    ) r
    cross join lateral (select r.v[1] as code, r.v[2] as message, r.v[3] as detail) c;

  -- 2. idempotency keys: the first item of each (team, key) claims it, in key order (no deadlocks between
  --    batches); a key another transaction holds makes this one wait for it, as in a single start
  with claimed as (
    insert into app_private.execution_idempotency_keys as k (team_id, key, workflow_id, execution_id, execution_created_at)
    select f.team_id, f.idempotency_key, f.workflow_id, f.new_id, app_hidden.uuid_v7_time(f.new_id)
      from (select distinct on (i.team_id, i.idempotency_key) i.*
              from unnest(v_items) i
             where i.code is null and i.idempotency_key is not null
             order by i.team_id, i.idempotency_key, i.ord) f
     order by f.team_id, f.idempotency_key
    on conflict (team_id, key) do nothing
    returning k.execution_id
  )
  select array_agg(row(i.ord, i.workflow_id, i.trigger_type, i.input, i.idempotency_key, i.team_id, i.workflow_version, i.new_id,
                       i.code, i.message, i.detail, null, null,
                       i.code is null and (i.idempotency_key is null or cl.execution_id is not null))::app_private.execution_start_item
                   order by i.ord)
    into v_items
    from unnest(v_items) i
    left join claimed cl on cl.execution_id = i.new_id;

  -- 3. the new executions, their first transition
  insert into app_public.executions (id, created_at, team_id, workflow_id, workflow_version, state, trigger_type, input, idempotency_key, attempt, version)
  select i.new_id, app_hidden.uuid_v7_time(i.new_id), i.team_id, i.workflow_id, i.workflow_version, 'pending', i.trigger_type, i.input, i.idempotency_key, 1, 1
    from unnest(v_items) i where i.created
   order by i.ord;
  insert into app_public.execution_transitions (execution_id, execution_created_at, seq, team_id, from_state, to_state, at, actor_id, reason)
  select i.new_id, app_hidden.uuid_v7_time(i.new_id), 1, i.team_id, null, 'pending', app_hidden.uuid_v7_time(i.new_id), p_actor, 'created'
    from unnest(v_items) i where i.created;

  -- 4. items whose key was claimed before (by another transaction, or by an earlier item of this call): the
  --    execution the key names, or LFCNF
  select array_agg(case when i.created or i.code is not null or i.idempotency_key is null then i
                        else row(i.ord, i.workflow_id, i.trigger_type, i.input, i.idempotency_key, i.team_id, i.workflow_version, i.new_id,
                                 case when k.workflow_id <> i.workflow_id or x.id is null then 'LFCNF' end,
                                 case when k.workflow_id <> i.workflow_id then 'idempotency key already used for another workflow'
                                      when x.id is null then 'idempotency key already used (its execution is archived)' end,
                                 case when k.workflow_id <> i.workflow_id or x.id is null then 'field: idempotency_key' end,
                                 x.id, x.created_at, false)::app_private.execution_start_item end
                   order by i.ord)
    into v_items
    from unnest(v_items) i
    left join app_private.execution_idempotency_keys k
      on not i.created and i.code is null and k.team_id = i.team_id and k.key = i.idempotency_key
    left join app_public.executions x
      on x.id = k.execution_id and x.created_at = k.execution_created_at and k.workflow_id = i.workflow_id;

  -- 5. ExecutionCreated for every new execution: one append of all their streams
  perform 1 from app_private.append_to_streams((
    select coalesce(jsonb_agg(jsonb_build_object(
             'stream_id', 'execution-' || i.new_id, 'stream_type', 'execution', 'expected_version', 0, 'team_id', i.team_id,
             'events', jsonb_build_array(jsonb_build_object(
               'type', 'ExecutionCreated',
               'data', jsonb_build_object('execution_id', i.new_id, 'workflow_id', i.workflow_id, 'team_id', i.team_id,
                                          'workflow_version', i.workflow_version, 'state', 'pending', 'trigger_type', i.trigger_type,
                                          'attempt', 1, 'created_at', app_hidden.uuid_v7_time(i.new_id)),
               'metadata', jsonb_build_object('actor', p_actor)))) order by i.ord), '[]')
      from unnest(v_items) i where i.created));

  return query
  select i.ord, i.code is null, i.code, i.message, i.detail,
         case when i.created then i.new_id else i.execution_id end,
         case when i.created then app_hidden.uuid_v7_time(i.new_id) else i.execution_created_at end,
         coalesce(i.created, false)
    from unnest(v_items) i
   order by i.ord;
end;
$_$;

-- Name: FUNCTION start_executions(p_items jsonb, p_actor uuid, p_check_role boolean); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.start_executions(p_items jsonb, p_actor uuid, p_check_role boolean) IS 'Service path of many starts in one call (owner only; the engine''s group commit sends concurrent single starts
through it). p_items: a JSON array (at most 10000) of {workflow_id, trigger_type, input?, idempotency_key?}; an
absent input is SQL null, input: null is JSON null. Each item is checked as app_private.start_execution checks a
start, in the same order and with the same errors, and answered on its own: one row per item, in input order,
with ok, or error_code (LFVAL, LFNTF, LFDNY, LFSTA, LFCNF), error_message and error_detail as the single start
raises them; execution_id and execution_created_at of the execution started, or of the one an idempotency key
already names (created = false). A refused item writes nothing; the others commit together. Items with one
idempotency key in one call resolve to the first of them. p_actor is recorded on the first transition and the
ExecutionCreated event; p_check_role applies the visitor''s team role checks.';

-- Name: table_checksums(text[]); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.table_checksums(schemas text[] DEFAULT NULL::text[]) RETURNS TABLE(table_name text, row_count bigint, checksum text)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET "TimeZone" TO 'UTC'
    SET "DateStyle" TO 'ISO, YMD'
    SET "IntervalStyle" TO 'postgres'
    SET extra_float_digits TO '1'
    AS $$
declare
  r record;
begin
  for r in
    select c.oid::regclass as rel, n.nspname || '.' || c.relname as name
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.relkind = 'r'
       and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\_%'
       and (schemas is null or n.nspname = any (schemas))
       and not exists (select 1 from pg_depend d where d.objid = c.oid and d.deptype = 'e')
     order by 2
  loop
    table_name := r.name;
    execute format('select count(*), coalesce(sum(hashtextextended(t::text, 0)::numeric), 0)::text from %s t', r.rel)
      into row_count, checksum;
    return next;
  end loop;
end;
$$;

-- Name: FUNCTION table_checksums(schemas text[]); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.table_checksums(schemas text[]) IS 'Row count and an order-independent content checksum (sum of 64-bit hashes of each row''s text form, with fixed output settings) of every ordinary table (leaf partitions included, extension tables excluded), optionally limited to some schemas. Run in the backup''s snapshot and again after a restore: equal figures mean equal data.';

-- Name: team_usage(uuid); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.team_usage(team_id uuid) RETURNS TABLE(team_id uuid, hot_executions bigint, hot_bytes bigint, cold_executions bigint, cold_bytes bigint, events bigint, executions_this_month bigint, month date)
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
  select team_usage.team_id,
         coalesce(u.hot_executions, 0) + coalesce(q.he, 0), coalesce(u.hot_bytes, 0) + coalesce(q.hb, 0),
         coalesce(u.cold_executions, 0) + coalesce(q.ce, 0), coalesce(u.cold_bytes, 0) + coalesce(q.cb, 0),
         coalesce(u.events, 0) + coalesce(q.ev, 0),
         coalesce(m.executions_started, 0) + coalesce(q.st, 0), app_private.budget_month()
    from (select 1) one
    left join app_public.team_usage u on u.team_id = team_usage.team_id
    left join app_public.team_usage_months m on m.team_id = team_usage.team_id and m.month = app_private.budget_month()
    cross join (select sum(d.hot_executions)::bigint he, sum(d.hot_bytes)::bigint hb, sum(d.cold_executions)::bigint ce,
                       sum(d.cold_bytes)::bigint cb, sum(d.events)::bigint ev,
                       (sum(d.started) filter (where d.month = app_private.budget_month()))::bigint st
                  from app_hidden.team_usage_deltas d where d.team_id = team_usage.team_id) q;
$$;

-- Name: FUNCTION team_usage(team_id uuid); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.team_usage(team_id uuid) IS 'A team''s usage now, exact (owner; no access check): the folded team_usage plus the deltas not yet folded, in one snapshot. executions_this_month: executions started in the current UTC month.';

-- Name: tg__bump_version(); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.tg__bump_version() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
begin
  if tg_op = 'UPDATE' then
    new.version := old.version + 1;
  end if;
  return new;
end;
$$;

-- Name: FUNCTION tg__bump_version(); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.tg__bump_version() IS 'Trigger: increments the row version on every UPDATE (optimistic concurrency and cache guards).';

-- Name: tg__invalidate_cache(); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.tg__invalidate_cache() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_keys text[];
  v_tags text[];
begin
  if tg_op = 'TRUNCATE' then
    perform app_private.enqueue_cache_invalidation('{}', '{}', tg_argv);
    return null;
  end if;
  -- Statement level, over the transition tables: one call per statement whatever the number of rows (a
  -- 200-node workflow save or a 10,000-user bulk insert enqueues a handful of jobs, not one per row).
  if tg_op = 'INSERT' then
    select coalesce(array_agg(distinct k), '{}'), coalesce(array_agg(distinct g), '{}') into v_keys, v_tags
      from (select to_jsonb(n) as r from new_rows n) x
      left join lateral unnest(app_private.cache_keys(tg_table_name, x.r)) k on true
      left join lateral unnest(app_private.cache_tags(tg_table_name, x.r)) g on true;
  elsif tg_op = 'UPDATE' then
    select coalesce(array_agg(distinct k), '{}'), coalesce(array_agg(distinct g), '{}') into v_keys, v_tags
      from (select to_jsonb(n) as r from new_rows n union all select to_jsonb(o) from old_rows o) x
      left join lateral unnest(app_private.cache_keys(tg_table_name, x.r)) k on true
      left join lateral unnest(app_private.cache_tags(tg_table_name, x.r)) g on true;
  else
    select coalesce(array_agg(distinct k), '{}'), coalesce(array_agg(distinct g), '{}') into v_keys, v_tags
      from (select to_jsonb(o) as r from old_rows o) x
      left join lateral unnest(app_private.cache_keys(tg_table_name, x.r)) k on true
      left join lateral unnest(app_private.cache_tags(tg_table_name, x.r)) g on true;
  end if;
  v_keys := array_remove(v_keys, null);
  v_tags := array_remove(v_tags, null);
  if cardinality(v_keys) + cardinality(v_tags) > 0 then
    perform app_private.enqueue_cache_invalidation(v_keys, v_tags);
  end if;
  return null;
end;
$$;

-- Name: FUNCTION tg__invalidate_cache(); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.tg__invalidate_cache() IS 'Trigger (AFTER, statement level, with transition tables new_rows/old_rows): enqueues invalidation of the cache keys and tags the old and new rows feed, once per statement. As a TRUNCATE trigger it enqueues the key patterns named in the trigger arguments. SECURITY DEFINER so a visitor''s write (GraphQL) can enqueue jobs.';

-- Name: tg__timestamps(); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.tg__timestamps() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
begin
  new.created_at := (case when tg_op = 'INSERT' then now() else old.created_at end);
  new.updated_at := (case when tg_op = 'UPDATE' and old.updated_at >= now() then old.updated_at + interval '1 millisecond' else now() end);
  return new;
end;
$$;

-- Name: FUNCTION tg__timestamps(); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.tg__timestamps() IS 'Trigger: created_at is set once on insert; updated_at moves forward on every write.';

-- Name: tg_archive_batches__usage(); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.tg_archive_batches__usage() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_old_rows bigint := case when tg_op <> 'INSERT' and old.state = 'deleted' then old.row_count else 0 end;
  v_old_bytes bigint := case when tg_op <> 'INSERT' and old.state = 'deleted' then coalesce(old.bytes, 0) else 0 end;
  v_new_rows bigint := case when tg_op <> 'DELETE' and new.state = 'deleted' then new.row_count else 0 end;
  v_new_bytes bigint := case when tg_op <> 'DELETE' and new.state = 'deleted' then coalesce(new.bytes, 0) else 0 end;
  v_hot_rows bigint := 0;
  v_hot_bytes bigint := 0;
  v_team uuid := case when tg_op = 'DELETE' then old.team_id else new.team_id end;
begin
  -- (archive_drop_partitions subtracts a dropped day's hot rows itself, for the whole day at once)
  if tg_op = 'UPDATE' and new.state = 'deleted' and old.state <> 'deleted'
     and coalesce(current_setting('linkflow.archive_hot_usage_counted', true), '') <> 'on' then
    -- set-based: the batch's hot executions once, then their transitions and node runs by one join each, all
    -- bounded by the batch's time range (partitions pruned), instead of two correlated lookups per execution
    with ex as materialized (
      select e.id, e.created_at, app_private.execution_bytes(e.*) as bytes
        from app_private.archived_executions a
        join app_public.executions e on e.id = a.execution_id and e.created_at = a.created_at
       where a.batch_id = new.id and e.created_at >= new.min_created_at and e.created_at <= new.max_created_at
    )
    select (select count(*) from ex),
           coalesce((select sum(ex.bytes) from ex), 0)
           + coalesce((select sum(app_private.execution_transition_bytes(t.*)) from ex
                         join app_public.execution_transitions t on t.execution_id = ex.id and t.execution_created_at = ex.created_at
                        where t.execution_created_at >= new.min_created_at and t.execution_created_at <= new.max_created_at), 0)
           + coalesce((select sum(app_private.execution_node_run_bytes(r.*)) from ex
                         join app_public.execution_node_runs r on r.execution_id = ex.id and r.execution_created_at = ex.created_at
                        where r.execution_created_at >= new.min_created_at and r.execution_created_at <= new.max_created_at), 0)
      into v_hot_rows, v_hot_bytes;
  end if;
  if v_new_rows - v_old_rows <> 0 or v_new_bytes - v_old_bytes <> 0 or v_hot_rows <> 0 then
    insert into app_hidden.team_usage_deltas (team_id, hot_executions, hot_bytes, cold_executions, cold_bytes)
    values (v_team, -v_hot_rows, -v_hot_bytes, v_new_rows - v_old_rows, v_new_bytes - v_old_bytes);
  end if;
  return null;
end;
$$;

-- Name: FUNCTION tg_archive_batches__usage(); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.tg_archive_batches__usage() IS 'Usage of cold storage: a batch counts (row_count, bytes) while it serves from cold (state deleted). When a batch becomes deleted while its rows are still hot (the partition drop removes them without row triggers), those rows are subtracted from hot usage here.';

-- Name: tg_archived_executions__search_stats(); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.tg_archived_executions__search_stats() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET jit TO 'off'
    AS $$
begin
  -- The terms are those of app_hidden.jsonb_search_terms and app_hidden.text_trigram_terms, found for all the rows
  -- of the statement at once: one walk of every document (each distinct (batch, column, path, value) node expanded
  -- once, only objects and arrays expanded), each distinct scalar and error text of a batch turned into terms once.
  with recursive hot as (
    select n.batch_id, n.team_id, e.workflow_id, e.state, e.trigger_type, e.attempt, e.duration_ms, e.input, e.output, e.error
      from new_rows n join app_public.executions e on e.id = n.execution_id and e.created_at = n.created_at
  ), walk(batch_id, col, path, v) as (
    select h.batch_id, 'input'::text, ''::text, h.input from hot h where h.input is not null
    union all select h.batch_id, 'output', '', h.output from hot h where h.output is not null
    union all select h.batch_id, 'error', '', h.error from hot h where h.error is not null
    union
    select w.batch_id, w.col, x.path, x.v
      from walk w, lateral (
        select w.path || '.' || o.key as path, o.value as v
          from jsonb_each(case when jsonb_typeof(w.v) = 'object' then w.v else '{}'::jsonb end) o
        union all
        select w.path, a.value from jsonb_array_elements(case when jsonb_typeof(w.v) = 'array' then w.v else '[]'::jsonb end) a) x
     where jsonb_typeof(w.v) in ('object', 'array')
  ), error_texts as (
    select distinct h.batch_id, app_hidden.execution_error_text(h.error) as t from hot h where h.error is not null
  ), terms as (
    select t.batch_id, array_agg(distinct t.x) as terms
      from (select w.batch_id, 'p:' || w.col || ':' || w.path as x from walk w where w.path <> ''
            union all
            select w.batch_id, 'v:' || w.col || ':' || w.path || '=' || app_hidden.search_scalar_text(w.v)
              from walk w where jsonb_typeof(w.v) not in ('object', 'array')
            union all
            select et.batch_id, x.x from error_texts et, lateral app_hidden.text_trigram_terms(et.t) x(x)) t
     group by t.batch_id
  ), stats as (
    select h.batch_id, min(h.team_id::text)::uuid as team_id, array_agg(distinct h.workflow_id) as workflow_ids,
           array_agg(distinct h.state) as states, array_agg(distinct h.trigger_type) as trigger_types,
           min(h.attempt) as min_attempt, max(h.attempt) as max_attempt, min(h.duration_ms) as min_d, max(h.duration_ms) as max_d
      from hot h group by h.batch_id
  )
  insert into app_private.archive_batch_search_stats (team_id, batch_id, workflow_ids, states, trigger_types, min_attempt, max_attempt,
      min_duration_ms, max_duration_ms, term_count, bloom)
  select s.team_id, s.batch_id, s.workflow_ids, s.states, s.trigger_types, s.min_attempt, s.max_attempt, s.min_d, s.max_d,
         coalesce(cardinality(t.terms), 0), app_hidden.bloom_build(coalesce(t.terms, '{}'))
    from stats s left join terms t on t.batch_id = s.batch_id
  on conflict (team_id, batch_id) do nothing;
  return null;
end;
$$;

-- Name: FUNCTION tg_archived_executions__search_stats(); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.tg_archived_executions__search_stats() IS 'Writes the search statistics of newly planned batches (archive_batch_search_stats) from their still-hot rows: the terms of app_hidden.jsonb_search_terms and app_hidden.text_trigram_terms for all the rows of the statement in one set-based walk (each distinct node of a batch expanded once, each distinct scalar and error text turned into terms once). Runs with jit off.';

-- Name: tg_event_streams__restrict_delete(); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.tg_event_streams__restrict_delete() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
begin
  if exists (select 1 from app_public.events e join old_streams o on o.id = e.stream_id) then
    raise exception 'event streams with events cannot be deleted' using errcode = '23503',
      constraint = 'events_stream_id_fkey', table = 'event_streams', schema = 'app_public';
  end if;
  return null;
end;
$$;

-- Name: FUNCTION tg_event_streams__restrict_delete(); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.tg_event_streams__restrict_delete() IS 'Trigger (per DELETE statement on event_streams): a stream with events cannot be deleted (23503, constraint events_stream_id_fkey), as the foreign key''s on delete restrict did.';

-- Name: tg_events__immutable(); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.tg_events__immutable() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
begin
  if current_setting('linkflow.allow_event_erasure', true) = 'on' and tg_op = 'UPDATE' then
    return new;
  end if;
  raise exception 'events are immutable' using errcode = 'LFIMM',
    hint = 'Use app_private.erase_event_personal_data() to redact personal data.';
end;
$$;

-- Name: FUNCTION tg_events__immutable(); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.tg_events__immutable() IS 'Trigger: refuses UPDATE and DELETE on events, except an UPDATE made inside the erasure function.';

-- Name: tg_events__stream_exists(); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.tg_events__stream_exists() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_missing text;
begin
  select n.stream_id into v_missing
    from new_events n
   where not exists (select 1 from app_public.event_streams s where s.id = n.stream_id)
   limit 1;
  if v_missing is not null then
    raise exception 'event stream % does not exist', v_missing using errcode = '23503',
      constraint = 'events_stream_id_fkey', table = 'events', schema = 'app_public', detail = 'field: stream_id';
  end if;
  return null;
end;
$$;

-- Name: FUNCTION tg_events__stream_exists(); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.tg_events__stream_exists() IS 'Trigger (per INSERT statement on events): every new event belongs to an existing stream (23503, constraint events_stream_id_fkey), checked once per statement over its new rows.';

-- Name: tg_events__usage(); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.tg_events__usage() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
begin
  insert into app_hidden.team_usage_deltas (team_id, events)
  select n.team_id, count(*) from new_rows n where n.team_id is not null group by 1;
  return null;
end;
$$;

-- Name: FUNCTION tg_events__usage(); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.tg_events__usage() IS 'Statement trigger: appends the number of events appended per team to team_usage_deltas.';

-- Name: tg_execution_children__usage_delete(); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.tg_execution_children__usage_delete() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
begin
  -- on a parent, or on one of its day partitions (tg_argv[0] names the parent: a cascade from a day of executions)
  if coalesce(tg_argv[0], tg_table_name) = 'execution_transitions' then
    insert into app_hidden.team_usage_deltas (team_id, hot_bytes)
    select o.team_id, -sum(app_private.execution_transition_bytes(row(o.*)::app_public.execution_transitions)) from old_rows o group by 1;
  else
    insert into app_hidden.team_usage_deltas (team_id, hot_bytes)
    select o.team_id, -sum(app_private.execution_node_run_bytes(row(o.*)::app_public.execution_node_runs)) from old_rows o group by 1;
  end if;
  return null;
end;
$$;

-- Name: FUNCTION tg_execution_children__usage_delete(); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.tg_execution_children__usage_delete() IS 'Statement trigger (AFTER DELETE, transition table old_rows) of execution_transitions and execution_node_runs and of each of their day partitions (argument: the parent''s name): subtracts the deleted rows'' bytes from their teams'' hot usage.';

-- Name: tg_execution_children__usage_insert(); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.tg_execution_children__usage_insert() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
begin
  if tg_table_name = 'execution_transitions' then
    insert into app_hidden.team_usage_deltas (team_id, hot_bytes)
    select n.team_id, sum(app_private.execution_transition_bytes(n.*)) from new_rows n group by 1;
  else
    insert into app_hidden.team_usage_deltas (team_id, hot_bytes)
    select n.team_id, sum(app_private.execution_node_run_bytes(n.*)) from new_rows n group by 1;
  end if;
  return null;
end;
$$;

-- Name: FUNCTION tg_execution_children__usage_insert(); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.tg_execution_children__usage_insert() IS 'Statement trigger (transitions, node runs): appends the inserted rows'' bytes to team_usage_deltas.';

-- Name: tg_execution_metric_samples__enqueue_fold(); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.tg_execution_metric_samples__enqueue_fold() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
begin
  insert into app_hidden.execution_metric_fold_queue (recorded_at, team_id, workflow_id, state, duration_ms, node_count, failed_node_count)
    select s.recorded_at, s.team_id, s.workflow_id, s.state, s.duration_ms, s.node_count, s.failed_node_count from new_samples s;
  return null;
end;
$$;

-- Name: FUNCTION tg_execution_metric_samples__enqueue_fold(); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.tg_execution_metric_samples__enqueue_fold() IS 'Statement trigger: appends the inserted samples to execution_metric_fold_queue (no shared rows, no wide rows in the writer''s transaction); the fold task adds them to the rollups.';

-- Name: tg_execution_node_runs__usage_update(); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.tg_execution_node_runs__usage_update() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
begin
  insert into app_hidden.team_usage_deltas (team_id, hot_bytes)
  select x.team_id, sum(x.b) from (
    select n.team_id, app_private.execution_node_run_bytes(n.*) as b from new_rows n
    union all
    select o.team_id, -app_private.execution_node_run_bytes(o.*) from old_rows o) x
   group by 1 having sum(x.b) <> 0;
  return null;
end;
$$;

-- Name: FUNCTION tg_execution_node_runs__usage_update(); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.tg_execution_node_runs__usage_update() IS 'Statement trigger: appends the size change of updated node runs (outputs written, trimmed) to team_usage_deltas.';

-- Name: tg_execution_transitions__chain(); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.tg_execution_transitions__chain() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
declare
  one record;
  v_bad boolean := false;
begin
  select n.execution_id, n.execution_created_at, n.seq, n.from_state, n.to_state, count(*) over () as rows
    into one from new_transitions n limit 1;
  if one.rows = 1 then
    -- one row (the single move): one check with the row's values as parameters, so the previous transition is
    -- looked up in one partition, pruned at executor start
    select (one.seq = 1) <> (one.from_state is null)
        or (one.from_state is not null and not exists (
              select 1 from app_public.execution_allowed_transitions a
               where a.from_state = one.from_state and a.to_state = one.to_state))
        or exists (
              select 1 from app_public.execution_transitions p
               where p.execution_id = one.execution_id and p.execution_created_at = one.execution_created_at
                 and p.seq = one.seq - 1 and p.to_state is distinct from one.from_state)
      into v_bad;
  elsif one.rows > 1 then
    select n.execution_id, n.execution_created_at, n.seq, n.from_state, n.to_state, one.rows into one
      from new_transitions n
     where (n.seq = 1) <> (n.from_state is null)
        or (n.from_state is not null and not exists (
              select 1 from app_public.execution_allowed_transitions a
               where a.from_state = n.from_state and a.to_state = n.to_state))
        or exists (
              select 1 from app_public.execution_transitions p
               where p.execution_id = n.execution_id and p.execution_created_at = n.execution_created_at
                 and p.seq = n.seq - 1 and p.to_state is distinct from n.from_state)
     limit 1;
    v_bad := found;
  end if;
  if v_bad then
    raise exception 'transition % of execution % (% -> %) is not allowed or breaks the chain',
      one.seq, one.execution_id, coalesce(one.from_state, 'none'), one.to_state
      using errcode = 'LFSTA', detail = format('current_state=%s', coalesce(one.from_state, 'none'));
  end if;
  return null;
end;
$$;

-- Name: FUNCTION tg_execution_transitions__chain(); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.tg_execution_transitions__chain() IS 'Statement trigger: every recorded move must be in execution_allowed_transitions, seq 1 (and only seq 1) has no from_state, and each from_state equals the previous seq''s to_state: the history is a chain.';

-- Name: tg_execution_transitions__immutable(); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.tg_execution_transitions__immutable() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
begin
  raise exception 'execution transitions are immutable' using errcode = 'LFIMM';
end;
$$;

-- Name: FUNCTION tg_execution_transitions__immutable(); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.tg_execution_transitions__immutable() IS 'Trigger: refuses UPDATE of recorded transitions (deletes happen only with their execution).';

-- Name: tg_executions__check_budget(); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.tg_executions__check_budget() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  r record;
begin
  for r in
    select n.team_id, count(*)::integer as n from new_rows n
     where n.created_at >= (app_private.budget_month()::timestamp at time zone 'UTC')
       and exists (select 1 from app_public.team_budgets b where b.team_id = n.team_id and b.executions_per_month is not null)
     group by n.team_id order by n.team_id
  loop
    perform app_private.check_execution_budget(r.team_id, r.n);
  end loop;
  return null;
end;
$$;

-- Name: FUNCTION tg_executions__check_budget(); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.tg_executions__check_budget() IS 'Statement trigger: every insert of executions created in the current month takes them from the team''s budget (app_private.check_execution_budget); over budget the statement fails with LFLIM and nothing of it is written. Imports and restores of past executions do not count.';

-- Name: tg_executions__terminal_immutable(); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.tg_executions__terminal_immutable() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
begin
  -- Only a retry (a new attempt through an is_retry move) may change a finished execution.
  if new.attempt > old.attempt and exists (
       select 1 from app_public.execution_allowed_transitions a
        where a.from_state = old.state and a.to_state = 'queued' and a.is_retry) then
    return new;
  end if;
  if (new.state, new.attempt, new.started_at, new.finished_at, new.duration_ms, new.workflow_id, new.workflow_version,
      new.team_id, new.trigger_type, new.version, new.created_at, new.id)
     is not distinct from
     (old.state, old.attempt, old.started_at, old.finished_at, old.duration_ms, old.workflow_id, old.workflow_version,
      old.team_id, old.trigger_type, old.version, old.created_at, old.id)
     and (current_setting('linkflow.allow_execution_redaction', true) = 'on'
          or (new.input, new.output, new.error, new.idempotency_key) is not distinct from (old.input, old.output, old.error, old.idempotency_key)) then
    return new;
  end if;
  raise exception 'execution % is % and cannot change', old.id, old.state using errcode = 'LFIMM',
    detail = format('current_state=%s', old.state);
end;
$$;

-- Name: FUNCTION tg_executions__terminal_immutable(); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.tg_executions__terminal_immutable() IS 'Trigger: a finished execution (succeeded, failed, cancelled, timed_out, crashed) never changes, except by a retry (attempt + 1 from a retryable state) or a redaction of input/output/error with linkflow.allow_execution_redaction = on.';

-- Name: tg_executions__usage_delete(); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.tg_executions__usage_delete() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
begin
  insert into app_hidden.team_usage_deltas (team_id, hot_executions, hot_bytes)
  select o.team_id, -count(*), -sum(app_private.execution_bytes(o.*)) from old_rows o group by 1;
  return null;
end;
$$;

-- Name: FUNCTION tg_executions__usage_delete(); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.tg_executions__usage_delete() IS 'Statement trigger: appends the deleted executions (count, bytes) to team_usage_deltas.';

-- Name: tg_executions__usage_insert(); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.tg_executions__usage_insert() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
begin
  insert into app_hidden.team_usage_deltas (team_id, month, hot_executions, hot_bytes, started)
  select n.team_id, (date_trunc('month', n.created_at at time zone 'UTC'))::date, count(*), sum(app_private.execution_bytes(n.*)), count(*)
    from new_rows n group by 1, 2;
  return null;
end;
$$;

-- Name: FUNCTION tg_executions__usage_insert(); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.tg_executions__usage_insert() IS 'Statement trigger: appends the inserted executions (count, bytes, started per UTC month of created_at) to team_usage_deltas.';

-- Name: tg_executions__usage_update(); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.tg_executions__usage_update() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
begin
  insert into app_hidden.team_usage_deltas (team_id, hot_bytes)
  select x.team_id, sum(x.b) from (
    select n.team_id, app_private.execution_bytes(n.*) as b from new_rows n
    union all
    select o.team_id, -app_private.execution_bytes(o.*) from old_rows o) x
   group by 1 having sum(x.b) <> 0;
  return null;
end;
$$;

-- Name: FUNCTION tg_executions__usage_update(); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.tg_executions__usage_update() IS 'Statement trigger: appends the size change of updated executions to team_usage_deltas.';

-- Name: tg_partition_default__reject(); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.tg_partition_default__reject() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
begin
  raise exception 'no partition of % for this row', tg_table_name using errcode = 'LFPRT',
    hint = 'Create it with app_private.ensure_partitions() or app_private.ensure_partitions_between().';
end;
$$;

-- Name: FUNCTION tg_partition_default__reject(); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.tg_partition_default__reject() IS 'Trigger on default partitions: a row that no daily partition covers is refused loudly, never silently kept.';

-- Name: tg_team_memberships__notify_live(); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.tg_team_memberships__notify_live() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
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

-- Name: FUNCTION tg_team_memberships__notify_live(); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.tg_team_memberships__notify_live() IS 'Trigger: after memberships are deleted or changed, NOTIFY linkflow_memberships with the affected team ids (comma-separated), so every live hub re-checks its subscribers of those teams.';

-- Name: tg_teams__delete_metric_samples(); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.tg_teams__delete_metric_samples() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
begin
  delete from app_public.execution_metric_samples s using old_rows o where s.team_id = o.id;
  return null;
end;
$$;

-- Name: FUNCTION tg_teams__delete_metric_samples(); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.tg_teams__delete_metric_samples() IS 'Statement trigger: deletes the metric samples of deleted teams (what a foreign key with on delete cascade did, without its per-row check on every sample).';

-- Name: tg_users__invalidate_cache(); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.tg_users__invalidate_cache() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_keys text[];
  v_tags text[];
begin
  if tg_op = 'INSERT' then
    select array_agg(k), array_agg(t) into v_keys, v_tags from (
      -- a new user has nothing derived from it cached yet: keys only (a cached "not found" by email or id)
      select unnest(array['users:id:' || n.id::text, 'users:email:' || pg_catalog.lower(n.email::text)]) as k, null::text as t
        from new_rows n) x;
  elsif tg_op = 'UPDATE' then
    -- the old and new row of a user pair up by id: its id key and tag once, the old email's key only when it changed
    with r as (
      select coalesce(n.id, o.id)::text as id, pg_catalog.lower(n.email::text) as new_email, pg_catalog.lower(o.email::text) as old_email
        from new_rows n full join old_rows o on o.id = n.id
    )
    select array(select unnest(array_remove(array['users:id:' || r.id, 'users:email:' || r.new_email,
                   case when r.old_email is distinct from r.new_email then 'users:email:' || r.old_email end], null)) from r),
           array(select 'user:' || r.id from r)
      into v_keys, v_tags;
  else
    select array_agg(k), array_agg(t) into v_keys, v_tags from (
      select unnest(array['users:id:' || o.id::text, 'users:email:' || pg_catalog.lower(o.email::text)]) as k, 'user:' || o.id::text as t
        from old_rows o) x;
  end if;
  if cardinality(v_keys) > 0 then
    perform app_private.enqueue_cache_invalidation(v_keys, coalesce(v_tags, '{}'));
  end if;
  return null;
end;
$$;

-- Name: FUNCTION tg_users__invalidate_cache(); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.tg_users__invalidate_cache() IS 'Trigger (AFTER, statement level, transition tables): enqueues invalidation of users:id:<id>, users:email:<email> and the tag user:<id> of the changed users, computed from the columns (the generic tg__invalidate_cache goes through jsonb per row); an update names each user once (old and new rows joined by id) and its old email only when it changed.';

-- Name: tg_workflow_graph__invalidate_cache(); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.tg_workflow_graph__invalidate_cache() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_keys text[];
  -- the workflow whose writer is running (workflow_write_graph): its own workflows row write enqueues the key
  v_writer text := pg_catalog.current_setting('linkflow.workflow_writer', true);
begin
  if tg_op = 'INSERT' then
    select pg_catalog.array_agg(distinct 'workflows:graph:' || n.workflow_id::text) into v_keys from new_rows n
     where n.workflow_id::text is distinct from v_writer;
  elsif tg_op = 'UPDATE' then
    select pg_catalog.array_agg(distinct 'workflows:graph:' || r.workflow_id::text) into v_keys
      from (select n.workflow_id from new_rows n union all select o.workflow_id from old_rows o) r
     where r.workflow_id::text is distinct from v_writer;
  else
    select pg_catalog.array_agg(distinct 'workflows:graph:' || o.workflow_id::text) into v_keys from old_rows o
     where o.workflow_id::text is distinct from v_writer;
  end if;
  if v_keys is not null then
    perform app_private.enqueue_cache_invalidation(v_keys, '{}');
  end if;
  return null;
end;
$$;

-- Name: FUNCTION tg_workflow_graph__invalidate_cache(); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.tg_workflow_graph__invalidate_cache() IS 'Trigger (AFTER, statement level, transition tables) on workflow_nodes, workflow_connections and workflow_triggers: enqueues invalidation of workflows:graph:<workflow_id> of the changed rows, computed from the column (the generic tg__invalidate_cache goes through jsonb per row). Skips the rows of the workflow whose writer is running (setting linkflow.workflow_writer, set by workflow_write_graph): that writer''s workflows row write enqueues the same key.';

-- Name: tg_workflow_graph__invalidate_document(); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.tg_workflow_graph__invalidate_document() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  -- the workflow whose writer is running (workflow_write_graph): its caller stores the new document
  v_writer text := pg_catalog.current_setting('linkflow.workflow_writer', true);
begin
  if tg_op in ('UPDATE', 'DELETE') then
    delete from app_private.workflow_graph_documents g
     where g.workflow_id in (select o.workflow_id from old_rows o where o.workflow_id::text is distinct from v_writer);
  end if;
  if tg_op in ('UPDATE', 'INSERT') then
    delete from app_private.workflow_graph_documents g
     where g.workflow_id in (select n.workflow_id from new_rows n where n.workflow_id::text is distinct from v_writer);
  end if;
  return null;
end;
$$;

-- Name: FUNCTION tg_workflow_graph__invalidate_document(); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.tg_workflow_graph__invalidate_document() IS 'Statement trigger on the graph tables: drops the graph documents of the workflows whose nodes, connections or triggers changed, so a document is never stale (the workflow functions rebuild it at the end of their write). Skips the workflow whose writer is running (setting linkflow.workflow_writer, set by workflow_write_graph): its caller (workflow_create, workflow_save) stores the new document in the same transaction.';

-- Name: tg_workflow_versions__immutable(); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.tg_workflow_versions__immutable() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
begin
  if (to_jsonb(new) - 'author_id') is distinct from (to_jsonb(old) - 'author_id')
     or (new.author_id is not null and new.author_id is distinct from old.author_id) then
    raise exception 'workflow versions are immutable' using errcode = 'LFIMM',
      detail = format('workflow %s version %s', old.workflow_id, old.version);
  end if;
  return new;
end;
$$;

-- Name: FUNCTION tg_workflow_versions__immutable(); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.tg_workflow_versions__immutable() IS 'Trigger: refuses any change to a workflow version except anonymising its author.';

-- Name: tg_workflows__delete_metric_samples(); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.tg_workflows__delete_metric_samples() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
begin
  delete from app_public.execution_metric_samples s using old_rows o where s.workflow_id = o.id;
  return null;
end;
$$;

-- Name: FUNCTION tg_workflows__delete_metric_samples(); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.tg_workflows__delete_metric_samples() IS 'Statement trigger: deletes the metric samples of deleted workflows (what a foreign key with on delete cascade did, without its per-row check on every sample).';

-- Name: transition_execution(uuid, text, text, jsonb, uuid, boolean); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.transition_execution(p_id uuid, p_to_state text, p_expected_from text, p_details jsonb, p_actor uuid, p_check_role boolean) RETURNS app_public.executions
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
declare
  r record;
  res app_public.execution_transition_result;
begin
  select * into r from app_private.move_execution(p_id, p_to_state, p_expected_from, p_details, p_actor, p_check_role);
  res := r.result;
  if not res.ok then
    case res.error_code
      when 'LFNTF' then raise exception 'execution not found' using errcode = 'LFNTF', detail = 'field: id';
      when 'LFDNY' then raise exception 'changing an execution needs the editor role' using errcode = 'LFDNY';
      when 'LFSTA' then
        raise exception 'illegal or stale transition to % (execution is %)', p_to_state, res.current_state
          using errcode = 'LFSTA', detail = format('current_state=%s', res.current_state);
      else raise exception 'invalid transition request' using errcode = 'LFVAL',
        detail = case when p_id is null then 'field: id'
                      when p_details is not null and jsonb_typeof(p_details) not in ('object', 'null') then 'field: details'
                      when p_to_state is null or not (p_to_state = any (app_hidden.execution_states())) then 'field: to_state'
                      when p_expected_from is not null and not (p_expected_from = any (app_hidden.execution_states())) then 'field: expected_from'
                      else 'field: details' end;
    end case;
  end if;
  return r.execution;
end;
$$;

-- Name: FUNCTION transition_execution(p_id uuid, p_to_state text, p_expected_from text, p_details jsonb, p_actor uuid, p_check_role boolean); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.transition_execution(p_id uuid, p_to_state text, p_expected_from text, p_details jsonb, p_actor uuid, p_check_role boolean) IS 'Service path of transition_execution (owner only): one move through the lean path (move_execution); raises LFNTF, LFDNY, LFSTA (DETAIL current_state=<s>) or LFVAL (DETAIL field: <name>) and then nothing is written.';

-- Name: use_lz4_compression(regclass, text[]); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.use_lz4_compression(tbl regclass, columns text[]) RETURNS boolean
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  col text;
begin
  -- lz4 only where the server was built with it (Debian's PostgreSQL is; some embedded builds are not)
  if not exists (select 1 from pg_settings where name = 'default_toast_compression' and 'lz4' = any(enumvals)) then
    return false;
  end if;
  foreach col in array columns loop
    execute format('alter table %s alter column %I set compression lz4', tbl, col);
  end loop;
  return true;
end;
$$;

-- Name: FUNCTION use_lz4_compression(tbl regclass, columns text[]); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.use_lz4_compression(tbl regclass, columns text[]) IS 'Switches the given (large jsonb/text) columns to lz4 TOAST compression when the server supports it; returns whether it did. Migrations call it for large JSON columns.';

-- Name: uuid_generate_v7_series(integer); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.uuid_generate_v7_series(n integer) RETURNS SETOF uuid
    LANGUAGE sql
    SET search_path TO 'pg_catalog'
    AS $$
  -- the bits of app_public.uuid_generate_v7(), for n rows in one call; the random bytes come 1 KB (64 ids) per
  -- gen_random_bytes call (one strong-random draw per id was most of the cost)
  select pg_catalog.encode(
    pg_catalog.set_bit(pg_catalog.set_bit(pg_catalog.set_bit(pg_catalog.set_bit(pg_catalog.set_bit(pg_catalog.set_bit(
      overlay(pg_catalog.substr(r.b, (g.i % 64) * 16 + 1, 16)
        placing substring(pg_catalog.int8send((extract(epoch from pg_catalog.clock_timestamp()) * 1000)::bigint) from 3)
        from 1 for 6),
      55, 0), 54, 1), 53, 1), 52, 1), 71, 1), 70, 0), 'hex')::uuid
    from pg_catalog.generate_series(0, n - 1) g(i)
    join (select c.c, public.gen_random_bytes(1024) as b from pg_catalog.generate_series(0, (n - 1) / 64) c(c)) r on r.c = g.i / 64
   order by g.i;
$$;

-- Name: FUNCTION uuid_generate_v7_series(n integer); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.uuid_generate_v7_series(n integer) IS 'n time-ordered UUIDs (version 7, as app_public.uuid_generate_v7()) in one call, for set-based inserts of many rows (random bytes drawn 1 KB at a time).';

-- Name: uuid_v7_at(timestamp with time zone); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.uuid_v7_at(at timestamp with time zone) RETURNS uuid
    LANGUAGE sql PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
  select encode(
    set_bit(set_bit(set_bit(set_bit(set_bit(set_bit(
      overlay(public.gen_random_bytes(16)
        placing substring(int8send(floor(extract(epoch from at) * 1000)::bigint) from 3)
        from 1 for 6),
      55, 0), 54, 1), 53, 1), 52, 1), 71, 1), 70, 0), 'hex')::uuid;
$$;

-- Name: FUNCTION uuid_v7_at(at timestamp with time zone); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.uuid_v7_at(at timestamp with time zone) IS 'A version 7 UUID whose embedded time is the given instant (for imports, backfills and generated test data whose created_at lies in the past).';

-- Name: workflows; Type: TABLE; Schema: app_public; Owner: -

CREATE TABLE app_public.workflows (
    id uuid DEFAULT app_public.uuid_generate_v7() NOT NULL,
    team_id uuid NOT NULL,
    name text NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    status text DEFAULT 'draft'::text NOT NULL,
    settings jsonb DEFAULT '{}'::jsonb NOT NULL,
    tags text[] DEFAULT '{}'::text[] NOT NULL,
    current_version integer DEFAULT 1 NOT NULL,
    created_by uuid,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    archived_at timestamp with time zone,
    CONSTRAINT workflows_current_version_positive CHECK ((current_version > 0)),
    CONSTRAINT workflows_description_length CHECK ((char_length(description) <= 10000)),
    CONSTRAINT workflows_name_length CHECK (((char_length(name) >= 1) AND (char_length(name) <= 200))),
    CONSTRAINT workflows_settings_object CHECK ((jsonb_typeof(settings) = 'object'::text)),
    CONSTRAINT workflows_status_known CHECK ((status = ANY (ARRAY['draft'::text, 'active'::text, 'inactive'::text, 'archived'::text])))
);

-- Name: TABLE workflows; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON TABLE app_public.workflows IS 'A workflow: a graph of nodes, connections and triggers owned by a team. Every save writes an immutable row in workflow_versions; current_version names the latest.';

-- Name: workflow_append_event(app_public.workflows, text, jsonb); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.workflow_append_event(w app_public.workflows, type text, data jsonb) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
begin
  perform 1 from app_private.append_stream_events('workflow-' || w.id::text, 'workflow', null,
    array[workflow_append_event.type], array[coalesce(workflow_append_event.data, 'null'::jsonb)], array[app_private.workflow_event_metadata()], w.team_id);
end;
$$;

-- Name: FUNCTION workflow_append_event(w app_public.workflows, type text, data jsonb); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.workflow_append_event(w app_public.workflows, type text, data jsonb) IS 'Appends one event to the workflow''s stream (workflow-<id>) in the current transaction.';

-- Name: workflow_apply_patch(jsonb, jsonb, app_public.workflows); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.workflow_apply_patch(snapshot jsonb, patch jsonb, w app_public.workflows, OUT next_snapshot jsonb, OUT upserted jsonb, OUT same_structure boolean) RETURNS record
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
declare
  v_key text;
  v_upsert jsonb := coalesce(patch->'nodes', '[]'::jsonb);
  v_remove jsonb := coalesce(patch->'remove_nodes', '[]'::jsonb);
  v_add jsonb := coalesce(patch->'add_connections', '[]'::jsonb);
  v_drop jsonb := coalesce(patch->'remove_connections', '[]'::jsonb);
  v_removed jsonb;      -- removed names (name -> true)
  v_new_names boolean;  -- the patch adds nodes
  v_mini jsonb;         -- the patched parts as a definition, with stub nodes for the names they refer to
  v_norm jsonb;
  v_nodes jsonb;
  v_conns jsonb;
  v_triggers jsonb;
  v_bad text;
  v_count integer;
  v_limit integer;
  v_size bigint;
  v_max_size bigint;
  v_ord integer;
  v_node jsonb;
begin
  -- 1. the patch's shape
  if patch is null or pg_catalog.jsonb_typeof(patch) <> 'object' then
    raise exception 'the patch must be a JSON object' using errcode = 'LFVAL', detail = 'field: patch';
  end if;
  select x.key into v_key from pg_catalog.jsonb_object_keys(patch) x(key)
   where x.key not in ('name', 'description', 'settings', 'tags', 'nodes', 'remove_nodes', 'add_connections', 'remove_connections', 'triggers')
   limit 1;
  if v_key is not null then
    raise exception 'unknown patch field %', pg_catalog.quote_literal(pg_catalog.left(v_key, 80)) using errcode = 'LFVAL', detail = 'field: patch';
  end if;
  if pg_catalog.jsonb_typeof(v_upsert) <> 'array' then
    raise exception 'nodes must be an array' using errcode = 'LFVAL', detail = 'field: nodes';
  end if;
  if pg_catalog.jsonb_typeof(v_remove) <> 'array'
     or exists (select 1 from pg_catalog.jsonb_array_elements(v_remove) r where pg_catalog.jsonb_typeof(r) <> 'string') then
    raise exception 'remove_nodes must be an array of node names' using errcode = 'LFVAL', detail = 'field: remove_nodes';
  end if;
  if pg_catalog.jsonb_typeof(v_add) <> 'array' then
    raise exception 'add_connections must be an array' using errcode = 'LFVAL', detail = 'field: add_connections';
  end if;
  if pg_catalog.jsonb_typeof(v_drop) <> 'array' then
    raise exception 'remove_connections must be an array' using errcode = 'LFVAL', detail = 'field: remove_connections';
  end if;
  if patch ? 'triggers' and pg_catalog.jsonb_typeof(patch->'triggers') <> 'array' then
    raise exception 'triggers must be an array' using errcode = 'LFVAL', detail = 'field: triggers';
  end if;

  -- 2. node names: removed ones must exist and not be upserted (names are looked up by containment in the
  -- snapshot's node list: no per-save index of 200 nodes is built)
  select coalesce(pg_catalog.jsonb_object_agg(r #>> '{}', true), '{}'::jsonb) into v_removed from pg_catalog.jsonb_array_elements(v_remove) r;
  select r.key into v_bad from pg_catalog.jsonb_object_keys(v_removed) r(key)
   where not snapshot->'nodes' @> pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object('name', r.key)) order by r.key limit 1;
  if v_bad is not null then
    raise exception 'node % is not a node of this workflow', pg_catalog.quote_literal(v_bad) using errcode = 'LFVAL', detail = 'field: remove_nodes';
  end if;
  if exists (select 1 from pg_catalog.jsonb_array_elements(v_upsert) u where v_removed ? (u->>'name')) then
    raise exception 'a node cannot be both upserted and removed' using errcode = 'LFVAL', detail = 'field: remove_nodes';
  end if;
  v_new_names := exists (select 1 from pg_catalog.jsonb_array_elements(v_upsert) u
                          where not snapshot->'nodes' @> pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object('name', u->'name')));

  -- 3. validate and canonicalise the patched parts with the definition's own rules: the upserted nodes first (so
  -- "node N" in an error is the patch's N-th node), then stubs for the other nodes that the connections and the
  -- new triggers name (a name that is not in the next graph gets no stub, and fails as in a save)
  v_mini := pg_catalog.jsonb_build_object('nodes', v_upsert || coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('name', r.name, 'type', 'stub'))
        from (select c->>'source' as name from pg_catalog.jsonb_array_elements(v_add || v_drop) c
              union select c->>'target' from pg_catalog.jsonb_array_elements(v_add || v_drop) c
              union select t->>'node' from pg_catalog.jsonb_array_elements(coalesce(patch->'triggers', '[]'::jsonb)) t) r
       where not v_removed ? r.name
         and snapshot->'nodes' @> pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object('name', r.name))
         and not exists (select 1 from pg_catalog.jsonb_array_elements(v_upsert) u where u->>'name' = r.name)), '[]'::jsonb),
    'connections', v_add || v_drop,
    'triggers', coalesce(patch->'triggers', '[]'::jsonb));
  for v_key in select x.key from pg_catalog.jsonb_object_keys(patch) x(key) where x.key in ('name', 'description', 'settings', 'tags') loop
    v_mini := v_mini || pg_catalog.jsonb_build_object(v_key, patch->v_key);
  end loop;
  v_norm := app_private.workflow_normalize_definition(v_mini, w);
  select coalesce(pg_catalog.jsonb_agg(n), '[]'::jsonb) into upserted
    from pg_catalog.jsonb_array_elements(v_norm->'nodes') n
   where exists (select 1 from pg_catalog.jsonb_array_elements(v_upsert) u where u->>'name' = n->>'name'); -- not the stubs

  -- 4. nodes: changed in place (a few existing nodes), else the kept ones and the upserted ones sorted by name
  if v_removed = '{}'::jsonb and not v_new_names and pg_catalog.jsonb_array_length(upserted) <= 8 then
    v_nodes := snapshot->'nodes';
    for v_node in select x from pg_catalog.jsonb_array_elements(upserted) x loop
      select o.ord - 1 into v_ord from pg_catalog.jsonb_array_elements(v_nodes) with ordinality o(n, ord) where o.n->>'name' = v_node->>'name';
      v_nodes := pg_catalog.jsonb_set(v_nodes, array[v_ord::text], v_node);
    end loop;
  else
    select coalesce(pg_catalog.jsonb_agg(x.n order by x.n->>'name' collate "C"), '[]'::jsonb) into v_nodes
      from (select o as n from pg_catalog.jsonb_array_elements(snapshot->'nodes') o
             where not v_removed ? (o->>'name') and not exists (select 1 from pg_catalog.jsonb_array_elements(upserted) u where u->>'name' = o->>'name')
            union all
            select u from pg_catalog.jsonb_array_elements(upserted) u) x;
  end if;
  v_count := pg_catalog.jsonb_array_length(v_nodes);
  select st.max_nodes, st.max_definition_bytes into v_limit, v_max_size from app_private.workflow_settings st where st.id;
  v_limit := coalesce(v_limit, 1000);
  v_max_size := coalesce(v_max_size, 5242880);
  if v_count > v_limit then
    raise exception 'the workflow would have % nodes, over the limit of %', v_count, v_limit
      using errcode = 'LFLIM', detail = pg_catalog.format('field: nodes, count=%s, limit=%s', v_count, v_limit);
  end if;

  -- 5. connections: the current ones minus the removed ones and those of removed nodes, plus the added ones
  if v_add = '[]'::jsonb and v_drop = '[]'::jsonb and v_removed = '{}'::jsonb then
    v_conns := snapshot->'connections';
  else
    with patched as (
      -- the canonical connections of the patch, each marked as to be removed or added (by its raw tuple)
      select d, exists (select 1 from pg_catalog.jsonb_array_elements(v_drop) r
                         where r->>'source' = d->>'source' and r->>'target' = d->>'target'
                           and coalesce(r->>'source_output', 'main') = d->>'source_output' and coalesce(r->>'target_input', 'main') = d->>'target_input'
                           and coalesce(r->>'source_output_index', '0') = d->>'source_output_index'
                           and coalesce(r->>'target_input_index', '0') = d->>'target_input_index') as removed
        from pg_catalog.jsonb_array_elements(v_norm->'connections') d)
    select pg_catalog.format('%s -> %s', p.d->>'source', p.d->>'target') into v_bad from patched p
     where p.removed and not snapshot->'connections' @> pg_catalog.jsonb_build_array(p.d) limit 1;
    if v_bad is not null then
      raise exception 'connection % is not a connection of this workflow', v_bad using errcode = 'LFVAL', detail = 'field: remove_connections';
    end if;
    with patched as (
      select d, exists (select 1 from pg_catalog.jsonb_array_elements(v_drop) r
                         where r->>'source' = d->>'source' and r->>'target' = d->>'target'
                           and coalesce(r->>'source_output', 'main') = d->>'source_output' and coalesce(r->>'target_input', 'main') = d->>'target_input'
                           and coalesce(r->>'source_output_index', '0') = d->>'source_output_index'
                           and coalesce(r->>'target_input_index', '0') = d->>'target_input_index') as removed
        from pg_catalog.jsonb_array_elements(v_norm->'connections') d),
    next as (
      select c from pg_catalog.jsonb_array_elements(snapshot->'connections') c
       where not v_removed ? (c->>'source') and not v_removed ? (c->>'target')
         and not exists (select 1 from patched p where p.removed and p.d = c)
      union all
      select p.d from patched p where not p.removed)
    select case when exists (select 1 from next group by c having count(*) > 1) then null else
             coalesce((select pg_catalog.jsonb_agg(c order by c->>'source' collate "C", c->>'source_output' collate "C", (c->>'source_output_index')::integer,
                                                   c->>'target' collate "C", c->>'target_input' collate "C", (c->>'target_input_index')::integer) from next), '[]'::jsonb) end
      into v_conns;
    if v_conns is null then
      raise exception 'duplicate connection' using errcode = 'LFVAL', detail = 'field: connections';
    end if;
  end if;

  -- 6. triggers: replaced when the patch has them; kept ones must not name a removed node
  if patch ? 'triggers' then
    v_triggers := v_norm->'triggers';
  else
    v_triggers := snapshot->'triggers';
    if exists (select 1 from pg_catalog.jsonb_array_elements(v_triggers) t where v_removed ? (t->>'node')) then
      raise exception 'a trigger''s node is removed' using errcode = 'LFVAL', detail = 'field: triggers.node';
    end if;
  end if;

  next_snapshot := pg_catalog.jsonb_build_object(
    'name', v_norm->'name', 'description', v_norm->'description', 'settings', v_norm->'settings', 'tags', v_norm->'tags',
    'nodes', v_nodes, 'connections', v_conns, 'triggers', v_triggers);
  v_size := pg_catalog.octet_length(next_snapshot::text);
  if v_size > v_max_size then
    raise exception 'the patched definition is % bytes, over the limit of % bytes', v_size, v_max_size
      using errcode = 'LFLIM', detail = pg_catalog.format('field: definition, size=%s, limit=%s', v_size, v_max_size);
  end if;
  same_structure := v_removed = '{}'::jsonb and not v_new_names and v_conns = snapshot->'connections' and v_triggers = snapshot->'triggers';
end;
$$;

-- Name: FUNCTION workflow_apply_patch(snapshot jsonb, patch jsonb, w app_public.workflows, OUT next_snapshot jsonb, OUT upserted jsonb, OUT same_structure boolean); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.workflow_apply_patch(snapshot jsonb, patch jsonb, w app_public.workflows, OUT next_snapshot jsonb, OUT upserted jsonb, OUT same_structure boolean) IS 'A patch applied to a canonical snapshot: the next canonical snapshot, the patch''s nodes in canonical form (upserted), and whether only existing nodes'' fields changed (same_structure). Validates only the patched parts, with workflow_normalize_definition''s rules (same LFVAL fields); LFLIM on the next graph''s node count and size.';

-- Name: workflow_build_graph_document(uuid); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.workflow_build_graph_document(workflow_id uuid) RETURNS json
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
  with n as materialized (
    select x.id, x.name, x.type, x.type_version, x.parameters, x.position_x, x.position_y, x.disabled
      from app_public.workflow_nodes x where x.workflow_id = workflow_build_graph_document.workflow_id)
  select pg_catalog.json_build_object(
    'workflow', app_private.workflow_document_head(w),
    'nodes', coalesce((select pg_catalog.json_agg(pg_catalog.json_build_object('id', n.id, 'name', n.name, 'type', n.type, 'type_version', n.type_version,
                'parameters', n.parameters, 'position', pg_catalog.json_build_array(n.position_x, n.position_y), 'disabled', n.disabled)
              order by n.name collate "C") from n), '[]'::json),
    'connections', coalesce((select pg_catalog.json_agg(pg_catalog.json_build_object('id', c.id, 'source', s.name, 'source_node_id', c.source_node_id,
                'source_output', c.source_output, 'source_output_index', c.source_output_index,
                'target', t.name, 'target_node_id', c.target_node_id, 'target_input', c.target_input, 'target_input_index', c.target_input_index)
              order by s.name collate "C", c.source_output collate "C", c.source_output_index, t.name collate "C", c.target_input collate "C", c.target_input_index)
         from app_public.workflow_connections c
         join n s on s.id = c.source_node_id
         join n t on t.id = c.target_node_id
        where c.workflow_id = workflow_build_graph_document.workflow_id), '[]'::json),
    'triggers', coalesce((select pg_catalog.json_agg(pg_catalog.json_build_object('id', t.id, 'type', t.type, 'config', t.config, 'enabled', t.enabled,
                'node', n.name, 'node_id', t.node_id)
              order by t.type collate "C", n.name collate "C", t.config::text collate "C", t.enabled)
         from app_public.workflow_triggers t
         left join n on n.id = t.node_id
        where t.workflow_id = workflow_build_graph_document.workflow_id), '[]'::json))
    from app_public.workflows w where w.id = workflow_build_graph_document.workflow_id;
$$;

-- Name: FUNCTION workflow_build_graph_document(workflow_id uuid); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.workflow_build_graph_document(workflow_id uuid) IS 'Builds the GetWithNodes document of a workflow from the live tables (nodes sorted by name; connections and triggers carry node names): the fallback when no current stored document exists.';

-- Name: workflow_create(uuid, jsonb, text); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.workflow_create(team_id uuid, definition jsonb, message text DEFAULT 'Created'::text) RETURNS app_public.workflows
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
declare
  snap jsonb;
  w app_public.workflows;
  g record;
begin
  if team_id is null or not app_hidden.has_team_role(team_id, 'viewer') then
    raise exception 'team not found' using errcode = 'LFNTF', detail = 'field: team_id';
  end if;
  if not app_hidden.has_team_role(team_id, 'editor') then
    raise exception 'creating workflows needs the editor role' using errcode = 'LFDNY';
  end if;
  snap := app_private.workflow_normalize_definition(definition);
  insert into app_public.workflows (team_id, name, description, settings, tags, current_version, created_by)
  values (workflow_create.team_id, snap->>'name', snap->>'description', snap->'settings',
          array(select pg_catalog.jsonb_array_elements_text(snap->'tags')), 1, app_public.current_user_id())
  returning * into w;
  select * into g from app_private.workflow_write_graph(w.id, w.team_id, snap, true);
  insert into app_public.workflow_versions (workflow_id, team_id, version, data, author_id, message)
  values (w.id, w.team_id, 1, snap, app_public.current_user_id(), coalesce(message, ''));
  perform app_private.workflow_append_event(w, 'WorkflowCreated', app_private.workflow_event_data(w));
  perform app_private.workflow_store_graph_document(w, g.nodes, g.connections, g.triggers);
  return w;
end;
$$;

-- Name: FUNCTION workflow_create(team_id uuid, definition jsonb, message text); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.workflow_create(team_id uuid, definition jsonb, message text) IS 'Creates a workflow with its graph and version 1 and appends WorkflowCreated (checks: editor in the team).';

-- Name: workflow_document_head(app_public.workflows); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.workflow_document_head(w app_public.workflows) RETURNS json
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
  select pg_catalog.json_build_object('id', w.id, 'team_id', w.team_id, 'name', w.name, 'description', w.description,
    'status', w.status, 'settings', w.settings, 'tags', w.tags, 'current_version', w.current_version,
    'created_by', w.created_by, 'created_at', w.created_at, 'updated_at', w.updated_at, 'archived_at', w.archived_at);
$$;

-- Name: FUNCTION workflow_document_head(w app_public.workflows); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.workflow_document_head(w app_public.workflows) IS 'The "workflow" part of the GetWithNodes document: the workflow row''s columns as JSON.';

-- Name: workflow_document_node(uuid, jsonb); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.workflow_document_node(id uuid, node jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
  select pg_catalog.json_build_object('id', id, 'name', node->'name', 'type', node->'type', 'type_version', node->'type_version',
    'parameters', node->'parameters', 'position', node->'position', 'disabled', node->'disabled')::text;
$$;

-- Name: FUNCTION workflow_document_node(id uuid, node jsonb); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.workflow_document_node(id uuid, node jsonb) IS 'The text of one node (id plus the canonical snapshot node) inside the GetWithNodes document, exactly as the graph writers build it.';

-- Name: workflow_event_data(app_public.workflows); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.workflow_event_data(w app_public.workflows) RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
  select pg_catalog.jsonb_build_object('workflow_id', w.id, 'team_id', w.team_id, 'name', w.name, 'description', w.description,
    'status', w.status, 'settings', w.settings, 'tags', pg_catalog.to_jsonb(w.tags), 'version', w.current_version);
$$;

-- Name: FUNCTION workflow_event_data(w app_public.workflows); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.workflow_event_data(w app_public.workflows) IS 'Data of WorkflowCreated / WorkflowSaved events: the workflow''s foldable state.';

-- Name: workflow_event_metadata(); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.workflow_event_metadata() RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
  select pg_catalog.jsonb_build_object('actor', app_public.current_user_id())
      || pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
           'correlation_id', nullif(pg_catalog.current_setting('linkflow.correlation_id', true), ''),
           'causation_id', nullif(pg_catalog.current_setting('linkflow.causation_id', true), ''),
           'trace_id', nullif(pg_catalog.current_setting('linkflow.trace_id', true), '')));
$$;

-- Name: FUNCTION workflow_event_metadata(); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.workflow_event_metadata() IS 'Event metadata for workflow events: the acting user, and correlation/causation/trace ids from the linkflow.* settings of the transaction when set.';

-- Name: workflow_graph_unchecked(uuid); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.workflow_graph_unchecked(workflow_id uuid) RETURNS json
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
  select coalesce(d.document, app_private.workflow_build_graph_document(w.id))
    from app_public.workflows w
    left join app_private.workflow_graph_documents d on d.workflow_id = w.id and d.workflow_updated_at = w.updated_at
   where w.id = workflow_graph_unchecked.workflow_id;
$$;

-- Name: FUNCTION workflow_graph_unchecked(workflow_id uuid); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.workflow_graph_unchecked(workflow_id uuid) IS 'GetWithNodes without the membership check (owner only): the stored document as is (built from the tables when none is current). The shared cache loads graphs with it and authorizes each caller itself. Same document as app_public.workflow_graph().';

-- Name: workflow_lock(uuid, text); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.workflow_lock(workflow_id uuid, min_role text) RETURNS app_public.workflows
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  w app_public.workflows;
begin
  select * into w from app_public.workflows x where x.id = workflow_lock.workflow_id;
  if not found or not app_hidden.has_team_role(w.team_id, 'viewer') then
    raise exception 'workflow not found' using errcode = 'LFNTF', detail = 'field: workflow_id';
  end if;
  if not app_hidden.has_team_role(w.team_id, min_role) then
    raise exception 'this action needs the % role in the workflow''s team', min_role using errcode = 'LFDNY';
  end if;
  select * into w from app_public.workflows x where x.id = workflow_lock.workflow_id for update;
  if not found then
    raise exception 'workflow not found' using errcode = 'LFNTF', detail = 'field: workflow_id';
  end if;
  return w;
end;
$$;

-- Name: FUNCTION workflow_lock(workflow_id uuid, min_role text); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.workflow_lock(workflow_id uuid, min_role text) IS 'Checks the caller may see the workflow (else LFNTF) and has min_role in its team (else LFDNY), then locks its row (FOR UPDATE: concurrent writers queue here) and returns it as of after the lock. Never locks a workflow the caller may not change.';

-- Name: workflow_lock_for_save(uuid, integer, text); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.workflow_lock_for_save(workflow_id uuid, expected_version integer, message text) RETURNS app_public.workflows
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  w app_public.workflows := app_private.workflow_lock(workflow_id, 'editor');
begin
  if w.status = 'archived' then
    raise exception 'the workflow is archived' using errcode = 'LFARC', detail = 'current_state=archived';
  end if;
  if expected_version is null then
    raise exception 'expected_version is required' using errcode = 'LFVAL', detail = 'field: expected_version';
  end if;
  if expected_version <> w.current_version then
    raise exception 'the workflow is at version %, not the expected %', w.current_version, expected_version
      using errcode = 'LFVER', detail = pg_catalog.format('current_version=%s', w.current_version);
  end if;
  if message is not null and pg_catalog.char_length(message) > 2000 then
    raise exception 'message is longer than 2000 characters' using errcode = 'LFVAL', detail = 'field: message';
  end if;
  return w;
end;
$$;

-- Name: FUNCTION workflow_lock_for_save(workflow_id uuid, expected_version integer, message text); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.workflow_lock_for_save(workflow_id uuid, expected_version integer, message text) IS 'Locks the workflow for a save (editor role; LFNTF/LFDNY/LFARC/LFVER/LFVAL as documented for save_workflow) and returns the row.';

-- Name: workflow_normalize_definition(jsonb, app_public.workflows); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.workflow_normalize_definition(definition jsonb, fallback app_public.workflows DEFAULT NULL::app_public.workflows) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $_$
declare
  s app_private.workflow_settings;
  v_size bigint;
  v_nodes jsonb := coalesce(definition->'nodes', '[]'::jsonb);
  v_conns jsonb := coalesce(definition->'connections', '[]'::jsonb);
  v_triggers jsonb := coalesce(definition->'triggers', '[]'::jsonb);
  v_name text;
  v_description text;
  v_settings jsonb;
  v_tags jsonb;
  v_count integer;
  v_name_set jsonb;
  v_bad_ord bigint;
  v_bad_field text;
  v_bad_reason text;
  v_dup text;
  v_has_dup boolean;
begin
  select * into s from app_private.workflow_settings where id;
  if not found then
    s.max_nodes := 1000; s.max_definition_bytes := 5242880;
  end if;
  if definition is null or pg_catalog.jsonb_typeof(definition) <> 'object' then
    raise exception 'the definition must be a JSON object' using errcode = 'LFVAL', detail = 'field: definition';
  end if;
  v_size := pg_catalog.octet_length(definition::text);
  if v_size > s.max_definition_bytes then
    raise exception 'the definition is % bytes, over the limit of % bytes', v_size, s.max_definition_bytes
      using errcode = 'LFLIM', detail = pg_catalog.format('field: definition, size=%s, limit=%s', v_size, s.max_definition_bytes);
  end if;

  -- workflow attributes (absent keys keep the fallback's values on save)
  if definition ? 'name' and pg_catalog.jsonb_typeof(definition->'name') <> 'string' then
    raise exception 'name must be a string' using errcode = 'LFVAL', detail = 'field: name';
  end if;
  v_name := coalesce(definition->>'name', fallback.name);
  if v_name is null or pg_catalog.char_length(pg_catalog.btrim(v_name)) = 0 or pg_catalog.char_length(v_name) > 200 then
    raise exception 'name is required (1 to 200 characters)' using errcode = 'LFVAL', detail = 'field: name';
  end if;
  if definition ? 'description' and pg_catalog.jsonb_typeof(definition->'description') <> 'string' then
    raise exception 'description must be a string' using errcode = 'LFVAL', detail = 'field: description';
  end if;
  v_description := coalesce(definition->>'description', fallback.description, '');
  if pg_catalog.char_length(v_description) > 10000 then
    raise exception 'description is longer than 10000 characters' using errcode = 'LFVAL', detail = 'field: description';
  end if;
  if definition ? 'settings' and pg_catalog.jsonb_typeof(definition->'settings') <> 'object' then
    raise exception 'settings must be an object' using errcode = 'LFVAL', detail = 'field: settings';
  end if;
  v_settings := coalesce(definition->'settings', fallback.settings, '{}'::jsonb);
  if definition ? 'tags' then
    if pg_catalog.jsonb_typeof(definition->'tags') <> 'array'
       or pg_catalog.jsonb_array_length(definition->'tags') > 100
       or exists (select 1 from pg_catalog.jsonb_array_elements(definition->'tags') t
                   where pg_catalog.jsonb_typeof(t) <> 'string' or pg_catalog.char_length(t #>> '{}') not between 1 and 100) then
      raise exception 'tags must be an array of at most 100 strings of 1 to 100 characters' using errcode = 'LFVAL', detail = 'field: tags';
    end if;
    select coalesce(pg_catalog.jsonb_agg(t order by t collate "C"), '[]'::jsonb) into v_tags
      from (select distinct x #>> '{}' as t from pg_catalog.jsonb_array_elements(definition->'tags') x) d;
  else
    v_tags := coalesce(pg_catalog.to_jsonb(fallback.tags), '[]'::jsonb);
  end if;

  -- nodes: one pass computes the first invalid node, the first duplicate name, the name set and the
  -- canonical nodes. (A bounded repetition such as {1,200} makes PostgreSQL's regex engine ~20x slower than
  -- + with a length check: 10 us per node; the shapes below use the latter.)
  if pg_catalog.jsonb_typeof(v_nodes) <> 'array' then
    raise exception 'nodes must be an array' using errcode = 'LFVAL', detail = 'field: nodes';
  end if;
  v_count := pg_catalog.jsonb_array_length(v_nodes);
  if v_count > s.max_nodes then
    raise exception 'the workflow has % nodes, over the limit of %', v_count, s.max_nodes
      using errcode = 'LFLIM', detail = pg_catalog.format('field: nodes, count=%s, limit=%s', v_count, s.max_nodes);
  end if;
  with e as materialized (
    select e.ord, e.v, e.v->>'name' as name, case
      when pg_catalog.jsonb_typeof(e.v) <> 'object' then 'nodes'
      when pg_catalog.jsonb_typeof(e.v->'name') is distinct from 'string'
        or pg_catalog.char_length(e.v->>'name') not between 1 and 200 then 'nodes.name'
      when pg_catalog.jsonb_typeof(e.v->'type') is distinct from 'string'
        or pg_catalog.char_length(e.v->>'type') > 200 or (e.v->>'type') !~ '^[A-Za-z0-9_.:@/-]+$' then 'nodes.type'
      when e.v ? 'type_version' and (pg_catalog.jsonb_typeof(e.v->'type_version') <> 'number'
        or (e.v->>'type_version') !~ '^[1-9][0-9]{0,8}$') then 'nodes.type_version'
      when e.v ? 'parameters' and pg_catalog.jsonb_typeof(e.v->'parameters') <> 'object' then 'nodes.parameters'
      when e.v ? 'position' and (pg_catalog.jsonb_typeof(e.v->'position') <> 'array'
        or pg_catalog.jsonb_array_length(e.v->'position') <> 2
        or (e.v->'position'->>0) !~ '^-?[0-9]{1,9}$' or (e.v->'position'->>1) !~ '^-?[0-9]{1,9}$') then 'nodes.position'
      when e.v ? 'disabled' and pg_catalog.jsonb_typeof(e.v->'disabled') <> 'boolean' then 'nodes.disabled'
    end as field
    from pg_catalog.jsonb_array_elements(v_nodes) with ordinality e(v, ord))
  select b.ord, b.field,
         (select d.name from e d where d.field is null group by d.name having count(*) > 1 order by d.name limit 1),
         (select coalesce(pg_catalog.jsonb_object_agg(g.name, true), '{}'::jsonb) from e g where g.field is null),
         (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                    'name', c.name,
                    'type', c.v->>'type',
                    'type_version', coalesce((c.v->>'type_version')::integer, 1),
                    'parameters', coalesce(c.v->'parameters', '{}'::jsonb),
                    'position', pg_catalog.jsonb_build_array(coalesce((c.v->'position'->>0)::integer, 0), coalesce((c.v->'position'->>1)::integer, 0)),
                    'disabled', coalesce((c.v->>'disabled')::boolean, false))
                  order by c.name collate "C"), '[]'::jsonb)
            from e c where c.field is null)
    into v_bad_ord, v_bad_field, v_dup, v_name_set, v_nodes
    from (select 1) one
    left join lateral (select x.ord, x.field from e x where x.field is not null order by x.ord limit 1) b on true;
  if v_bad_field is not null then
    raise exception 'node % is invalid (%)', v_bad_ord, v_bad_field using errcode = 'LFVAL', detail = 'field: ' || v_bad_field;
  end if;
  if v_dup is not null then
    raise exception 'duplicate node name %', pg_catalog.quote_literal(v_dup) using errcode = 'LFVAL', detail = 'field: nodes.name';
  end if;

  -- connections: both ends must be nodes of this definition (names looked up in the jsonb name set: O(log n));
  -- one pass computes the first invalid connection, duplicates (on the canonical tuple) and the sorted list
  if pg_catalog.jsonb_typeof(v_conns) <> 'array' then
    raise exception 'connections must be an array' using errcode = 'LFVAL', detail = 'field: connections';
  end if;
  with e as materialized (
    select c.ord, c.v, case
      when pg_catalog.jsonb_typeof(c.v) <> 'object' then 'connections'
      when pg_catalog.jsonb_typeof(c.v->'source') is distinct from 'string'
        or not v_name_set ? (c.v->>'source') then 'connections.source'
      when pg_catalog.jsonb_typeof(c.v->'target') is distinct from 'string'
        or not v_name_set ? (c.v->>'target') then 'connections.target'
      when c.v ? 'source_output' and (pg_catalog.jsonb_typeof(c.v->'source_output') <> 'string'
        or pg_catalog.char_length(c.v->>'source_output') not between 1 and 100) then 'connections.source_output'
      when c.v ? 'target_input' and (pg_catalog.jsonb_typeof(c.v->'target_input') <> 'string'
        or pg_catalog.char_length(c.v->>'target_input') not between 1 and 100) then 'connections.target_input'
      when c.v ? 'source_output_index' and (c.v->>'source_output_index') !~ '^[0-9]{1,6}$' then 'connections.source_output_index'
      when c.v ? 'target_input_index' and (c.v->>'target_input_index') !~ '^[0-9]{1,6}$' then 'connections.target_input_index'
    end as field
    from pg_catalog.jsonb_array_elements(v_conns) with ordinality c(v, ord)),
  k as materialized (
    select e.v->>'source' as source, coalesce(e.v->>'source_output', 'main') as source_output,
           coalesce((e.v->>'source_output_index')::integer, 0) as source_output_index,
           e.v->>'target' as target, coalesce(e.v->>'target_input', 'main') as target_input,
           coalesce((e.v->>'target_input_index')::integer, 0) as target_input_index
      from e where e.field is null)
  select b.ord, b.field,
         exists (select 1 from k group by k.source, k.source_output, k.source_output_index, k.target, k.target_input, k.target_input_index
                  having count(*) > 1),
         (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                    'source', k.source, 'source_output', k.source_output, 'source_output_index', k.source_output_index,
                    'target', k.target, 'target_input', k.target_input, 'target_input_index', k.target_input_index)
                  order by k.source collate "C", k.source_output collate "C", k.source_output_index,
                           k.target collate "C", k.target_input collate "C", k.target_input_index), '[]'::jsonb) from k)
    into v_bad_ord, v_bad_field, v_has_dup, v_conns
    from (select 1) one
    left join lateral (select x.ord, x.field from e x where x.field is not null order by x.ord limit 1) b on true;
  if v_bad_field is not null then
    raise exception 'connection % is invalid (%)', v_bad_ord,
      case when v_bad_field in ('connections.source', 'connections.target') then 'its ' || pg_catalog.substr(v_bad_field, 13) || ' is not a node of this workflow' else v_bad_field end
      using errcode = 'LFVAL', detail = 'field: ' || v_bad_field;
  end if;
  if v_has_dup then
    raise exception 'duplicate connection' using errcode = 'LFVAL', detail = 'field: connections';
  end if;

  -- triggers: the config (and a schedule's cron parser) is checked once per trigger
  if pg_catalog.jsonb_typeof(v_triggers) <> 'array' then
    raise exception 'triggers must be an array' using errcode = 'LFVAL', detail = 'field: triggers';
  end if;
  with e as materialized (
    select t.ord, t.v, case
        when pg_catalog.jsonb_typeof(t.v) <> 'object' then 'triggers'
        when pg_catalog.jsonb_typeof(t.v->'type') is distinct from 'string'
          or (t.v->>'type') not in ('webhook', 'schedule', 'event', 'manual') then 'triggers.type'
        when t.v ? 'enabled' and pg_catalog.jsonb_typeof(t.v->'enabled') <> 'boolean' then 'triggers.enabled'
        when t.v ? 'node' and pg_catalog.jsonb_typeof(t.v->'node') <> 'null' and (pg_catalog.jsonb_typeof(t.v->'node') <> 'string'
          or not v_name_set ? (t.v->>'node')) then 'triggers.node'
        when r.reason is not null then 'triggers.config'
      end as field, r.reason
      from pg_catalog.jsonb_array_elements(v_triggers) with ordinality t(v, ord)
      left join lateral (
        select app_hidden.workflow_trigger_config_error(t.v->>'type', coalesce(t.v->'config', '{}'::jsonb)) as reason
         where pg_catalog.jsonb_typeof(t.v) = 'object' and (t.v->>'type') in ('webhook', 'schedule', 'event', 'manual')) r on true)
  select b.ord, b.field, b.reason,
         (select coalesce(pg_catalog.jsonb_agg(x.t order by x.t->>'type' collate "C", x.t->>'node' collate "C", (x.t->'config')::text collate "C", x.t->>'enabled'), '[]'::jsonb)
            from (select pg_catalog.jsonb_build_object(
                           'type', e.v->>'type',
                           'config', coalesce(e.v->'config', '{}'::jsonb),
                           'enabled', coalesce((e.v->>'enabled')::boolean, true),
                           'node', e.v->'node') as t
                    from e where e.field is null) x)
    into v_bad_ord, v_bad_field, v_bad_reason, v_triggers
    from (select 1) one
    left join lateral (select x.ord, x.field, x.reason from e x where x.field is not null order by x.ord limit 1) b on true;
  if v_bad_field is not null then
    raise exception 'trigger % is invalid (%)', v_bad_ord,
      case when v_bad_field = 'triggers.config' then v_bad_reason when v_bad_field = 'triggers.node' then 'its node is not a node of this workflow' else v_bad_field end
      using errcode = 'LFVAL', detail = 'field: ' || v_bad_field;
  end if;

  return pg_catalog.jsonb_build_object(
    'name', v_name,
    'description', v_description,
    'settings', v_settings,
    'tags', v_tags,
    'nodes', v_nodes,
    'connections', v_conns,
    'triggers', v_triggers);
end;
$_$;

-- Name: FUNCTION workflow_normalize_definition(definition jsonb, fallback app_public.workflows); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.workflow_normalize_definition(definition jsonb, fallback app_public.workflows) IS 'Validates a workflow definition and returns its canonical snapshot {name, description, settings, tags, nodes, connections, triggers}
(nodes sorted by name with defaults filled in; connections and triggers sorted; connections and triggers refer to nodes by name).
Raises LFVAL (DETAIL field: ...) for invalid input and LFLIM when the definition is over the size or node-count limit.
Attributes absent from the definition come from fallback (the current workflow on save). Each array is read once: one statement
per array finds the first invalid element, duplicates and the canonical form; a trigger''s config is checked once.';

-- Name: workflow_patch(uuid, integer, jsonb, text); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.workflow_patch(workflow_id uuid, expected_version integer, patch jsonb, message text) RETURNS app_public.workflows
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
declare
  w app_public.workflows := app_private.workflow_lock_for_save(workflow_id, expected_version, message);
  v_new app_public.workflows;
  snap jsonb;
  p record;
  g record;
  v_replacements jsonb;
begin
  -- the live graph equals the current version's snapshot
  select v.data into snap from app_public.workflow_versions v where v.workflow_id = w.id and v.version = w.current_version;
  p := app_private.workflow_apply_patch(snap, patch, w);
  if p.same_structure then
    -- only existing nodes' fields changed: those rows are updated, the document is patched in place
    perform pg_catalog.set_config('linkflow.workflow_writer', w.id::text, true);
    with changed as (
      select o.n as old_node, x.n as new_node
        from pg_catalog.jsonb_array_elements(p.upserted) x(n)
        join pg_catalog.jsonb_array_elements(snap->'nodes') o(n) on o.n->>'name' = x.n->>'name'
       where o.n <> x.n),
    written as (
      update app_public.workflow_nodes n
         set type = c.new_node->>'type', type_version = (c.new_node->>'type_version')::integer, parameters = c.new_node->'parameters',
             position_x = (c.new_node->'position'->>0)::integer, position_y = (c.new_node->'position'->>1)::integer,
             disabled = (c.new_node->>'disabled')::boolean
        from changed c
       where n.workflow_id = w.id and n.name = c.new_node->>'name'
      returning n.id, c.old_node, c.new_node)
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
             'from', app_private.workflow_document_node(x.id, x.old_node), 'to', app_private.workflow_document_node(x.id, x.new_node))), '[]'::jsonb)
      into v_replacements from written x;
    perform pg_catalog.set_config('linkflow.workflow_writer', '', true);
  else
    select * into g from app_private.workflow_write_graph(w.id, w.team_id, p.next_snapshot, true);
  end if;
  v_new := app_private.workflow_write_version(w, p.next_snapshot, coalesce(message, ''));
  perform app_private.workflow_append_event(v_new, 'WorkflowSaved', app_private.workflow_event_data(v_new));
  if p.same_structure then
    perform app_private.workflow_patch_graph_document(w, v_new, v_replacements);
  else
    perform app_private.workflow_store_graph_document(v_new, g.nodes, g.connections, g.triggers);
  end if;
  return v_new;
end;
$$;

-- Name: FUNCTION workflow_patch(workflow_id uuid, expected_version integer, patch jsonb, message text); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.workflow_patch(workflow_id uuid, expected_version integer, patch jsonb, message text) IS 'patch_workflow''s body: the next version is the current snapshot with the patch applied (workflow_apply_patch).';

-- Name: workflow_patch_graph_document(app_public.workflows, app_public.workflows, jsonb); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.workflow_patch_graph_document(old_w app_public.workflows, w app_public.workflows, replacements jsonb) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_doc bytea;
  v_old_prefix bytea := pg_catalog.convert_to('{"workflow" : ' || app_private.workflow_document_head(old_w)::text, 'UTF8');
  v_head text := app_private.workflow_document_head(w)::text;
  v_old bytea;
  v_pos integer;
  r record;
begin
  select pg_catalog.convert_to(d.document::text, 'UTF8') into v_doc
    from app_private.workflow_graph_documents d where d.workflow_id = w.id and d.workflow_updated_at = old_w.updated_at;
  if v_doc is not null and substring(v_doc from 1 for pg_catalog.length(v_old_prefix)) <> v_old_prefix then
    v_doc := null;
  end if;
  for r in select x->>'from' as old_text, x->>'to' as new_text from pg_catalog.jsonb_array_elements(replacements) x loop
    exit when v_doc is null;
    v_old := pg_catalog.convert_to(r.old_text, 'UTF8');
    v_pos := position(v_old in v_doc);
    v_doc := case when v_pos > 0 then overlay(v_doc placing pg_catalog.convert_to(r.new_text, 'UTF8') from v_pos for pg_catalog.length(v_old)) end;
  end loop;
  if v_doc is null then
    perform app_private.workflow_refresh_graph_document(w.id);
    return;
  end if;
  update app_private.workflow_graph_documents g
     set document = pg_catalog.convert_from(pg_catalog.convert_to('{"workflow" : ' || v_head, 'UTF8')
                      || substring(v_doc from pg_catalog.length(v_old_prefix) + 1), 'UTF8')::json,
         head_length = pg_catalog.char_length(v_head), workflow_updated_at = w.updated_at, built_at = pg_catalog.now()
   where g.workflow_id = w.id;
end;
$$;

-- Name: FUNCTION workflow_patch_graph_document(old_w app_public.workflows, w app_public.workflows, replacements jsonb); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.workflow_patch_graph_document(old_w app_public.workflows, w app_public.workflows, replacements jsonb) IS 'Replaces changed nodes'' texts ([{from, to}], workflow_document_node) and the head in the stored GetWithNodes document of old_w, for w; rebuilds it from the rows when the stored document or a text is not the expected one.';

-- Name: workflow_refresh_graph_document(uuid); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.workflow_refresh_graph_document(workflow_id uuid) RETURNS void
    LANGUAGE sql
    SET search_path TO 'pg_catalog'
    AS $$
  insert into app_private.workflow_graph_documents as g (workflow_id, document, head_length, workflow_updated_at, built_at)
  select w.id, app_private.workflow_build_graph_document(w.id), pg_catalog.char_length(app_private.workflow_document_head(w)::text), w.updated_at, pg_catalog.now()
    from app_public.workflows w where w.id = workflow_refresh_graph_document.workflow_id
  on conflict (workflow_id) do update
     set document = excluded.document, head_length = excluded.head_length, workflow_updated_at = excluded.workflow_updated_at, built_at = excluded.built_at;
$$;

-- Name: FUNCTION workflow_refresh_graph_document(workflow_id uuid); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.workflow_refresh_graph_document(workflow_id uuid) IS 'Rebuilds and stores the GetWithNodes document of a workflow from the live tables.';

-- Name: workflow_save(uuid, integer, jsonb, text, integer); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.workflow_save(workflow_id uuid, expected_version integer, definition jsonb, message text, restore_from integer DEFAULT NULL::integer) RETURNS app_public.workflows
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
declare
  w app_public.workflows := app_private.workflow_lock_for_save(workflow_id, expected_version, message);
  snap jsonb;
  data jsonb;
  g record;
begin
  if restore_from is not null then
    select v.data into definition from app_public.workflow_versions v
     where v.workflow_id = w.id and v.version = restore_from;
    if not found then
      raise exception 'version % of this workflow does not exist', restore_from using errcode = 'LFNTF', detail = 'field: version';
    end if;
  end if;
  snap := app_private.workflow_normalize_definition(definition, w);
  -- the document's graph part is built when the graph changes, or when no document is stored
  select * into g from app_private.workflow_write_graph(w.id, w.team_id, snap,
    not exists (select 1 from app_private.workflow_graph_documents d where d.workflow_id = w.id));
  w := app_private.workflow_write_version(w, snap, coalesce(message, case when restore_from is not null then pg_catalog.format('Restored version %s', restore_from) else '' end));
  data := app_private.workflow_event_data(w);
  if restore_from is not null then
    data := data || pg_catalog.jsonb_build_object('restored_from', restore_from);
  end if;
  perform app_private.workflow_append_event(w, 'WorkflowSaved', data);
  perform app_private.workflow_store_graph_document(w, g.nodes, g.connections, g.triggers);
  return w;
end;
$$;

-- Name: FUNCTION workflow_save(workflow_id uuid, expected_version integer, definition jsonb, message text, restore_from integer); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.workflow_save(workflow_id uuid, expected_version integer, definition jsonb, message text, restore_from integer) IS 'Replaces a workflow''s graph and writes the next immutable version (optimistic concurrency on expected_version under the row lock; LFVER names the current version). With restore_from, the definition is that version''s snapshot.';

-- Name: workflow_set_status(uuid, text); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.workflow_set_status(workflow_id uuid, to_status text) RETURNS app_public.workflows
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  w app_public.workflows;
  previous text;
  problem text;
begin
  w := app_private.workflow_lock(workflow_id, case when to_status = 'archived' then 'admin' else 'editor' end);
  previous := w.status;
  if previous = 'archived' then
    raise exception 'the workflow is archived' using errcode = 'LFARC', detail = 'current_state=archived';
  end if;
  if (to_status = 'active' and previous not in ('draft', 'inactive')) or (to_status = 'inactive' and previous <> 'active') then
    raise exception 'cannot change a % workflow to %', previous, to_status
      using errcode = 'LFSTA', detail = pg_catalog.format('current_state=%s', previous);
  end if;
  if to_status = 'active' then
    if not exists (select 1 from app_public.workflow_nodes n where n.workflow_id = w.id and not n.disabled) then
      raise exception 'only a workflow with at least one enabled node can be activated' using errcode = 'LFVAL', detail = 'field: nodes';
    end if;
    select e.problem into problem
      from app_public.workflow_triggers t
      cross join lateral (select app_hidden.workflow_trigger_config_error(t.type, t.config) as problem) e
     where t.workflow_id = w.id and t.enabled and e.problem is not null limit 1;
    if problem is not null then
      raise exception 'an enabled trigger is invalid: %', problem using errcode = 'LFVAL', detail = 'field: triggers.config';
    end if;
    if not exists (select 1 from app_public.workflow_triggers t
                    left join app_public.workflow_nodes n on n.id = t.node_id
                   where t.workflow_id = w.id and t.enabled and not coalesce(n.disabled, false)) then
      raise exception 'only a workflow with an enabled trigger can be activated' using errcode = 'LFVAL', detail = 'field: triggers';
    end if;
  end if;
  update app_public.workflows x
     set status = to_status, archived_at = case when to_status = 'archived' then pg_catalog.now() else x.archived_at end
   where x.id = w.id
  returning * into w;
  if to_status = 'active' then
    insert into app_public.workflow_activations (workflow_id, team_id, version, activated_by)
    values (w.id, w.team_id, w.current_version, app_public.current_user_id());
  end if;
  perform app_private.workflow_append_event(w, 'WorkflowStatusChanged', pg_catalog.jsonb_build_object(
    'workflow_id', w.id, 'team_id', w.team_id, 'status', w.status, 'previous_status', previous, 'version', w.current_version));
  -- the document's workflow part follows the row (the graph text is kept)
  perform app_private.workflow_store_graph_document(w, null, null, null);
  return w;
end;
$$;

-- Name: FUNCTION workflow_set_status(workflow_id uuid, to_status text); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.workflow_set_status(workflow_id uuid, to_status text) IS 'Lifecycle transitions: draft|inactive -> active (a valid graph with an enabled trigger; records the activation), active -> inactive, any -> archived (admin). Appends WorkflowStatusChanged.';

-- Name: workflow_store_graph_document(app_public.workflows, json, json, json); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.workflow_store_graph_document(w app_public.workflows, nodes json, connections json, triggers json) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
declare
  v_head json := app_private.workflow_document_head(w);
begin
  if nodes is not null then
    insert into app_private.workflow_graph_documents as g (workflow_id, document, head_length, workflow_updated_at, built_at)
    values (w.id, pg_catalog.json_build_object('workflow', v_head, 'nodes', nodes, 'connections', connections, 'triggers', triggers),
            pg_catalog.char_length(v_head::text), w.updated_at, pg_catalog.now())
    on conflict (workflow_id) do update
       set document = excluded.document, head_length = excluded.head_length, workflow_updated_at = excluded.workflow_updated_at, built_at = excluded.built_at;
    return;
  end if;
  -- the graph is unchanged: a new head on the stored graph text
  update app_private.workflow_graph_documents g
     set document = ('{"workflow" : ' || v_head::text || pg_catalog.substr(g.document::text, g.head_length + 15))::json,
         head_length = pg_catalog.char_length(v_head::text), workflow_updated_at = w.updated_at
   where g.workflow_id = w.id;
  if not found then
    perform app_private.workflow_refresh_graph_document(w.id);
  end if;
end;
$$;

-- Name: FUNCTION workflow_store_graph_document(w app_public.workflows, nodes json, connections json, triggers json); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.workflow_store_graph_document(w app_public.workflows, nodes json, connections json, triggers json) IS 'Stores the GetWithNodes document of workflow w: from the graph parts given (built by workflow_write_graph), or, when they are null (graph unchanged), by putting w''s new workflow part in front of the stored graph text (built from the tables when none is stored).';

-- Name: workflow_write_graph(uuid, uuid, jsonb, boolean); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.workflow_write_graph(workflow_id uuid, team_id uuid, snapshot jsonb, build_document boolean DEFAULT true, OUT changed boolean, OUT nodes json, OUT connections json, OUT triggers json) RETURNS record
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
declare
  v_ids jsonb;          -- node name -> id, for every node of the snapshot
  v_del uuid[];         -- nodes to delete
  v_upd jsonb;          -- changed nodes (with their ids)
  v_ins jsonb;          -- new nodes (given their ids below)
  v_conn_del uuid[];
  v_conn_ins jsonb;     -- new connections, with their position in the snapshot (ord)
  v_conn_ids jsonb;     -- ids of the kept connections in snapshot order (null for new ones)
  v_trig_del uuid[];
  v_trig_ins jsonb;
  v_trig_ids jsonb;
  v_new_ids jsonb;      -- ord -> id of new connections / triggers
  v_empty boolean;      -- no graph rows yet (a create): every row is new, nothing to classify
begin
  -- while it writes, the graph tables' statement triggers leave this workflow to it and its caller (which writes
  -- the workflows row, so the cache key is enqueued, and stores the new document)
  perform pg_catalog.set_config('linkflow.workflow_writer', workflow_id::text, true);

  -- 1. nodes against the live rows, by name (a graph without rows: all of them are new; edges need nodes)
  v_empty := not exists (select 1 from app_public.workflow_nodes n where n.workflow_id = workflow_write_graph.workflow_id)
         and not exists (select 1 from app_public.workflow_triggers t where t.workflow_id = workflow_write_graph.workflow_id);
  if v_empty then
    v_del := '{}'; v_ids := '{}'; v_ins := nullif(snapshot->'nodes', '[]'::jsonb);
  else
    select coalesce(pg_catalog.array_agg(c.id) filter (where w.name is null), '{}'),
           pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('id', c.id) || w.node)
             filter (where c.id is not null and w.name is not null
                       and (c.type, c.type_version, c.parameters, c.position_x, c.position_y, c.disabled)
                           is distinct from (w.type, w.type_version, w.parameters, w.position_x, w.position_y, w.disabled)),
           pg_catalog.jsonb_agg(w.node) filter (where c.id is null),
           coalesce(pg_catalog.jsonb_object_agg(w.name, c.id) filter (where c.id is not null and w.name is not null), '{}')
      into v_del, v_upd, v_ins, v_ids
      from (select x.node, x.node->>'name' as name, x.node->>'type' as type, (x.node->>'type_version')::integer as type_version,
                   x.node->'parameters' as parameters, (x.node->'position'->>0)::integer as position_x,
                   (x.node->'position'->>1)::integer as position_y, (x.node->>'disabled')::boolean as disabled
              from pg_catalog.jsonb_array_elements(snapshot->'nodes') x(node)) w
      full join (select n.id, n.name, n.type, n.type_version, n.parameters, n.position_x, n.position_y, n.disabled
                   from app_public.workflow_nodes n where n.workflow_id = workflow_write_graph.workflow_id) c on c.name = w.name;
  end if;

  if v_ins is not null then
    -- new nodes get their ids here (zipped with the rows: ROWS FROM), so edges, triggers and the document can refer to them
    with ins as (
      insert into app_public.workflow_nodes (id, workflow_id, team_id, name, type, type_version, parameters, position_x, position_y, disabled)
      select x.id, workflow_write_graph.workflow_id, workflow_write_graph.team_id, x.v->>'name', x.v->>'type', (x.v->>'type_version')::integer,
             x.v->'parameters', (x.v->'position'->>0)::integer, (x.v->'position'->>1)::integer, (x.v->>'disabled')::boolean
        from rows from (pg_catalog.jsonb_array_elements(v_ins), app_private.uuid_generate_v7_series(pg_catalog.jsonb_array_length(v_ins))) x(v, id)
      returning app_public.workflow_nodes.name, app_public.workflow_nodes.id)
    select v_ids || pg_catalog.jsonb_object_agg(ins.name, ins.id) into v_ids from ins;
  end if;
  if v_upd is not null then
    update app_public.workflow_nodes n
       set type = v->>'type', type_version = (v->>'type_version')::integer, parameters = v->'parameters',
           position_x = (v->'position'->>0)::integer, position_y = (v->'position'->>1)::integer, disabled = (v->>'disabled')::boolean
      from pg_catalog.jsonb_array_elements(v_upd) v
     where n.workflow_id = workflow_write_graph.workflow_id and n.id = (v->>'id')::uuid;
  end if;

  -- 2. connections (a set: unique edges) against the live rows, by their node ids and ports
  if v_empty then
    -- every edge is new: written straight from the snapshot, its ids zipped with the rows
    with n as materialized (
      select x.c, x.id, x.ord
        from rows from (pg_catalog.jsonb_array_elements(snapshot->'connections'),
                        app_private.uuid_generate_v7_series(pg_catalog.jsonb_array_length(snapshot->'connections'))) with ordinality x(c, id, ord)),
    ins as (
      insert into app_public.workflow_connections (id, workflow_id, team_id, source_node_id, source_output, source_output_index,
                                                   target_node_id, target_input, target_input_index)
      select n.id, workflow_write_graph.workflow_id, workflow_write_graph.team_id, (v_ids->>(n.c->>'source'))::uuid, n.c->>'source_output',
             (n.c->>'source_output_index')::integer, (v_ids->>(n.c->>'target'))::uuid, n.c->>'target_input', (n.c->>'target_input_index')::integer
        from n)
    select pg_catalog.jsonb_agg(n.id order by n.ord) into v_conn_ids from n;
  else
    select pg_catalog.array_agg(c.id) filter (where w.ord is null),
           pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('ord', w.ord, 's', w.source_node_id, 'so', w.source_output, 'soi', w.source_output_index,
                                                              't', w.target_node_id, 'ti', w.target_input, 'tii', w.target_input_index))
             filter (where c.id is null),
           pg_catalog.jsonb_agg(c.id order by w.ord) filter (where w.ord is not null)
      into v_conn_del, v_conn_ins, v_conn_ids
      from (select x.ord, (v_ids->>(x.c->>'source'))::uuid as source_node_id, x.c->>'source_output' as source_output,
                   (x.c->>'source_output_index')::integer as source_output_index, (v_ids->>(x.c->>'target'))::uuid as target_node_id,
                   x.c->>'target_input' as target_input, (x.c->>'target_input_index')::integer as target_input_index
              from pg_catalog.jsonb_array_elements(snapshot->'connections') with ordinality x(c, ord)) w
      full join (select k.id, k.source_node_id, k.source_output, k.source_output_index, k.target_node_id, k.target_input, k.target_input_index
                   from app_public.workflow_connections k where k.workflow_id = workflow_write_graph.workflow_id) c
        on (c.source_node_id, c.source_output, c.source_output_index, c.target_node_id, c.target_input, c.target_input_index)
         = (w.source_node_id, w.source_output, w.source_output_index, w.target_node_id, w.target_input, w.target_input_index);
    if v_conn_del is not null then
      delete from app_public.workflow_connections k where k.workflow_id = workflow_write_graph.workflow_id and k.id = any (v_conn_del);
    end if;
    if v_conn_ins is not null then
      -- new edges get their ids zipped with the rows; the kept edges' ids come from the classification
      with n as materialized (
        select (x.v->>'ord')::bigint as ord, x.v, x.id
          from rows from (pg_catalog.jsonb_array_elements(v_conn_ins), app_private.uuid_generate_v7_series(pg_catalog.jsonb_array_length(v_conn_ins))) x(v, id)),
      ins as (
        insert into app_public.workflow_connections (id, workflow_id, team_id, source_node_id, source_output, source_output_index,
                                                     target_node_id, target_input, target_input_index)
        select n.id, workflow_write_graph.workflow_id, workflow_write_graph.team_id, (n.v->>'s')::uuid, n.v->>'so', (n.v->>'soi')::integer,
               (n.v->>'t')::uuid, n.v->>'ti', (n.v->>'tii')::integer
          from n)
      select pg_catalog.jsonb_agg(coalesce(nullif(e.id, 'null'::jsonb), pg_catalog.to_jsonb(n.id)) order by e.ord) into v_conn_ids
        from pg_catalog.jsonb_array_elements(v_conn_ids) with ordinality e(id, ord)
        left join n on n.ord = e.ord;
    end if;
  end if;

  -- 3. triggers (a multiset: equal triggers pair up by their rank among equals)
  select pg_catalog.array_agg(c.id) filter (where w.ord is null),
         pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('ord', w.ord, 'type', w.type, 'config', w.config, 'enabled', w.enabled, 'node_id', w.node_id))
           filter (where c.id is null),
         pg_catalog.jsonb_agg(c.id order by w.ord) filter (where w.ord is not null)
    into v_trig_del, v_trig_ins, v_trig_ids
    from (select y.*, pg_catalog.row_number() over (partition by y.type, y.config, y.enabled, y.node_id order by y.ord) as rank
            from (select x.ord, x.t->>'type' as type, x.t->'config' as config, (x.t->>'enabled')::boolean as enabled,
                         (v_ids->>(x.t->>'node'))::uuid as node_id
                    from pg_catalog.jsonb_array_elements(snapshot->'triggers') with ordinality x(t, ord)) y) w
    full join (select k.id, k.type, k.config, k.enabled, k.node_id,
                      pg_catalog.row_number() over (partition by k.type, k.config, k.enabled, k.node_id order by k.id) as rank
                 from app_public.workflow_triggers k where k.workflow_id = workflow_write_graph.workflow_id) c
      on c.type = w.type and c.config = w.config and c.enabled = w.enabled and c.rank = w.rank
     and coalesce(c.node_id, '00000000-0000-0000-0000-000000000000') = coalesce(w.node_id, '00000000-0000-0000-0000-000000000000');
  if v_trig_del is not null then
    delete from app_public.workflow_triggers k where k.workflow_id = workflow_write_graph.workflow_id and k.id = any (v_trig_del);
  end if;
  if v_trig_ins is not null then
    select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('id', i.id) || v.v) into v_trig_ins
      from pg_catalog.jsonb_array_elements(v_trig_ins) with ordinality v(v, ord)
      join app_private.uuid_generate_v7_series(pg_catalog.jsonb_array_length(v_trig_ins)) with ordinality i(id, ord) using (ord);
    v_new_ids := (select pg_catalog.jsonb_object_agg(v->>'ord', v->'id') from pg_catalog.jsonb_array_elements(v_trig_ins) v);
    v_trig_ids := (select pg_catalog.jsonb_agg(coalesce(nullif(e.id, 'null'::jsonb), v_new_ids->(e.ord::text)) order by e.ord)
                     from pg_catalog.jsonb_array_elements(v_trig_ids) with ordinality e(id, ord));
    insert into app_public.workflow_triggers (id, workflow_id, team_id, node_id, type, config, enabled)
    select (v->>'id')::uuid, workflow_write_graph.workflow_id, workflow_write_graph.team_id, (v->>'node_id')::uuid, v->>'type', v->'config',
           (v->>'enabled')::boolean
      from pg_catalog.jsonb_array_elements(v_trig_ins) v;
  end if;

  -- 4. removed nodes last: their edges and triggers are gone already, so the cascades find nothing
  if cardinality(v_del) > 0 then
    delete from app_public.workflow_nodes n where n.workflow_id = workflow_write_graph.workflow_id and n.id = any (v_del);
  end if;

  changed := cardinality(v_del) > 0 or v_upd is not null or v_ins is not null or v_conn_del is not null or v_conn_ins is not null
          or v_trig_del is not null or v_trig_ins is not null;
  perform pg_catalog.set_config('linkflow.workflow_writer', '', true);
  if not (changed or build_document) then
    return;
  end if;

  -- 5. the document's graph parts, from the snapshot and the ids known above (nothing is read back)
  select coalesce(pg_catalog.json_agg(pg_catalog.json_build_object('id', v_ids->(x.n->>'name'), 'name', x.n->'name', 'type', x.n->'type',
                    'type_version', x.n->'type_version', 'parameters', x.n->'parameters', 'position', x.n->'position', 'disabled', x.n->'disabled')
                  order by x.ord), '[]'::json)
    into nodes
    from pg_catalog.jsonb_array_elements(snapshot->'nodes') with ordinality x(n, ord);
  select coalesce(pg_catalog.json_agg(pg_catalog.json_build_object('id', v_conn_ids->(x.ord::integer - 1),
                    'source', x.c->'source', 'source_node_id', v_ids->(x.c->>'source'),
                    'source_output', x.c->'source_output', 'source_output_index', x.c->'source_output_index',
                    'target', x.c->'target', 'target_node_id', v_ids->(x.c->>'target'),
                    'target_input', x.c->'target_input', 'target_input_index', x.c->'target_input_index')
                  order by x.ord), '[]'::json)
    into connections
    from pg_catalog.jsonb_array_elements(snapshot->'connections') with ordinality x(c, ord);
  select coalesce(pg_catalog.json_agg(pg_catalog.json_build_object('id', v_trig_ids->(x.ord::integer - 1), 'type', x.t->'type',
                    'config', x.t->'config', 'enabled', x.t->'enabled', 'node', x.t->'node', 'node_id', v_ids->(x.t->>'node'))
                  order by x.ord), '[]'::json)
    into triggers
    from pg_catalog.jsonb_array_elements(snapshot->'triggers') with ordinality x(t, ord);
end;
$$;

-- Name: FUNCTION workflow_write_graph(workflow_id uuid, team_id uuid, snapshot jsonb, build_document boolean, OUT changed boolean, OUT nodes json, OUT connections json, OUT triggers json); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.workflow_write_graph(workflow_id uuid, team_id uuid, snapshot jsonb, build_document boolean, OUT changed boolean, OUT nodes json, OUT connections json, OUT triggers json) IS 'Makes the live graph tables (nodes, connections, triggers) of a workflow equal to a canonical snapshot by writing only the
difference: nodes match by name (unchanged nodes are not touched and keep their ids; a renamed node is a new node), connections
by their ends and ports, triggers by their content (equal triggers pair up). Each kind of change is one set-based statement, run
only when it has rows; an unchanged graph writes nothing. While it writes, the graph tables'' statement triggers skip this
workflow (setting linkflow.workflow_writer): the caller writes the workflows row (which enqueues the cache key) and stores the
document. changed: whether any row was written. When something changed or
build_document is true, nodes/connections/triggers are the GetWithNodes document''s parts (with ids), built from the snapshot.';

-- Name: workflow_write_version(app_public.workflows, jsonb, text); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.workflow_write_version(w app_public.workflows, snapshot jsonb, message text) RETURNS app_public.workflows
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
begin
  update app_public.workflows x
     set name = snapshot->>'name', description = snapshot->>'description', settings = snapshot->'settings',
         tags = array(select pg_catalog.jsonb_array_elements_text(snapshot->'tags')), current_version = x.current_version + 1
   where x.id = w.id
  returning * into w;
  insert into app_public.workflow_versions (workflow_id, team_id, version, data, author_id, message)
  values (w.id, w.team_id, w.current_version, snapshot, app_public.current_user_id(), message);
  if w.status = 'active' then
    insert into app_public.workflow_activations (workflow_id, team_id, version, activated_by)
    values (w.id, w.team_id, w.current_version, app_public.current_user_id());
  end if;
  return w;
end;
$$;

-- Name: FUNCTION workflow_write_version(w app_public.workflows, snapshot jsonb, message text); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.workflow_write_version(w app_public.workflows, snapshot jsonb, message text) IS 'Writes a save''s next version: the workflows row (attributes, current_version + 1), the version row (snapshot, author, message) and, for an active workflow, its activation record. Returns the updated row.';

-- Name: write_execution_moves(app_private.execution_move[], uuid); Type: FUNCTION; Schema: app_private; Owner: -

CREATE FUNCTION app_private.write_execution_moves(p_moves app_private.execution_move[], p_actor uuid) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
declare
  v_streams text[];
  v_stream_teams uuid[];
  v_event_streams integer[];
  v_types text[];
  v_datas jsonb[];
  v_metadatas jsonb[];
begin
  -- 1. the execution rows: one update per execution, with its final values
  update app_public.executions e set
    state = m.state, attempt = m.attempt, version = m.version, started_at = m.started_at, finished_at = m.finished_at,
    duration_ms = m.duration_ms,
    output = case when m.set_output then m.output else e.output end,
    error = case when m.set_error then m.error else e.error end,
    updated_at = now()
    from unnest(p_moves) m
   where m.final and e.id = m.execution_id and e.created_at = m.execution_created_at;

  -- 2. the history (the chain trigger re-checks every move)
  insert into app_public.execution_transitions (execution_id, execution_created_at, seq, team_id, from_state, to_state, at, actor_id, reason, details)
    select m.execution_id, m.execution_created_at, m.version, m.team_id, m.from_state, m.to_state, m.at, p_actor,
           m.details->>'reason', m.details - 'output' - 'error' - 'reason'
      from unnest(p_moves) m where m.ok
     order by m.execution_id, m.version;

  -- 3. the events: one ExecutionStateChanged per move, streams in stream-id order, each stream's events by seq,
  --    through the multi-stream array form of the append
  select array_agg(s.id order by s.id), array_agg(s.team_id order by s.id) into v_streams, v_stream_teams
    from (select 'execution-' || m.execution_id as id, min(m.team_id::text)::uuid as team_id
            from unnest(p_moves) m where m.ok group by 1) s;
  if v_streams is not null then
    -- one ordered pass (stream order, then seq) feeding four plain aggregates
    select array_agg(e.k), array_agg('ExecutionStateChanged'::text), array_agg(e.data), array_agg(e.metadata)
      into v_event_streams, v_types, v_datas, v_metadatas
      from (select s.k, app_private.execution_state_changed_data(m) as data,
                   app_private.execution_state_changed_metadata(m, p_actor) as metadata
              from unnest(p_moves) m
              join unnest(v_streams) with ordinality s(id, k) on s.id = 'execution-' || m.execution_id
             where m.ok
             order by s.k, m.version) e;
    perform 1 from app_private.append_streams_events(
      v_streams, array_fill('execution'::text, array[cardinality(v_streams)]), v_stream_teams,
      v_event_streams, v_types, v_datas, v_metadatas);
  end if;

  -- 4. one metric sample per finished attempt
  insert into app_public.execution_metric_samples (execution_id, recorded_at, team_id, workflow_id, state, duration_ms, node_count, failed_node_count)
    select m.execution_id, m.at, m.team_id, m.workflow_id, m.to_state, m.duration_ms, coalesce(n.total, 0), coalesce(n.failed, 0)
      from unnest(p_moves) m
      left join lateral (
        select count(*)::integer as total, (count(*) filter (where nr.status = 'failed'))::integer as failed
          from app_public.execution_node_runs nr
         where nr.execution_id = m.execution_id and nr.execution_created_at = m.execution_created_at) n on true
     where m.ok and m.to_state = any (app_hidden.execution_terminal_states());
end;
$$;

-- Name: FUNCTION write_execution_moves(p_moves app_private.execution_move[], p_actor uuid); Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON FUNCTION app_private.write_execution_moves(p_moves app_private.execution_move[], p_actor uuid) IS 'Writes a planned batch set-based: one UPDATE of executions (final values per execution), one INSERT of transitions, the ExecutionStateChanged events through append_streams_events, and one INSERT of metric samples for finished attempts. Refused moves write nothing.';

-- Name: activate_workflow(uuid); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.activate_workflow(workflow_id uuid) RETURNS app_public.workflows
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
  select app_private.workflow_set_status(workflow_id, 'active');
$$;

-- Name: FUNCTION activate_workflow(workflow_id uuid); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.activate_workflow(workflow_id uuid) IS '@resultFieldName workflow
Activates a draft or inactive workflow whose graph has an enabled node and an enabled, valid trigger (else LFVAL); records the activation and appends WorkflowStatusChanged. Needs the editor role.';

-- Name: team_memberships; Type: TABLE; Schema: app_public; Owner: -

CREATE TABLE app_public.team_memberships (
    id uuid DEFAULT app_public.uuid_generate_v7() NOT NULL,
    team_id uuid NOT NULL,
    user_id uuid NOT NULL,
    role text DEFAULT 'viewer'::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT team_memberships_role_known CHECK ((app_hidden.team_role_rank(role) IS NOT NULL))
);

-- Name: TABLE team_memberships; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON TABLE app_public.team_memberships IS 'A user''s membership of a team, with a role: owner > admin > editor > viewer.';

-- Name: add_team_member(uuid, text, uuid, text); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.add_team_member(team_id uuid, role text DEFAULT 'viewer'::text, user_id uuid DEFAULT NULL::uuid, email text DEFAULT NULL::text) RETURNS app_public.team_memberships
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_caller_role text;
  v_user_id uuid := add_team_member.user_id;
  v_membership app_public.team_memberships;
begin
  perform app_private.assert_role(role);
  v_caller_role := app_private.lock_team_for_caller(team_id);
  if app_hidden.team_role_rank(v_caller_role) < app_hidden.team_role_rank('admin') then
    raise exception 'only owners and admins manage members' using errcode = 'LFDNY';
  end if;
  if role = 'owner' and v_caller_role <> 'owner' then
    raise exception 'only owners can make owners' using errcode = 'LFDNY', detail = 'field: role';
  end if;
  if (v_user_id is null) = (email is null) then
    raise exception 'give exactly one of user_id or email' using errcode = 'LFVAL', detail = 'field: user_id';
  end if;
  if v_user_id is null then
    -- Invite by email: an existing live user is added; an unknown email becomes an invited user.
    select u.id into v_user_id from app_public.users u where u.email operator(public.=) add_team_member.email::public.citext;
    if v_user_id is null then
      v_user_id := (app_private.create_user(add_team_member.email, split_part(add_team_member.email, '@', 1), null, 'invited')).id;
    end if;
  end if;
  if not exists (select 1 from app_public.users u where u.id = v_user_id and u.deleted_at is null) then
    raise exception 'user not found' using errcode = 'LFNTF', detail = 'field: user_id';
  end if;
  insert into app_public.team_memberships (team_id, user_id, role)
    values (add_team_member.team_id, v_user_id, add_team_member.role)
    returning * into v_membership;
  return v_membership;
end;
$$;

-- Name: FUNCTION add_team_member(team_id uuid, role text, user_id uuid, email text); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.add_team_member(team_id uuid, role text, user_id uuid, email text) IS 'Adds a member (by user_id) or invites one (by email: an unknown email becomes an invited user) with a role. Only owners and admins; only owners grant owner (LFDNY). An existing member is a conflict.';

-- Name: archive_workflow(uuid); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.archive_workflow(workflow_id uuid) RETURNS app_public.workflows
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
  select app_private.workflow_set_status(workflow_id, 'archived');
$$;

-- Name: FUNCTION archive_workflow(workflow_id uuid); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.archive_workflow(workflow_id uuid) IS '@resultFieldName workflow
Soft-deletes a workflow: status archived, archived_at set; it then refuses saves and lifecycle changes (LFARC). Appends WorkflowStatusChanged. Needs the admin role.';

-- Name: authenticate(text, text); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.authenticate(email text, password text) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_user_id uuid;
  v_hash text;
  s app_private.auth_settings;
begin
  select * into s from app_private.auth_settings where id;
  select u.id, sec.password_hash into v_user_id, v_hash
    from app_public.users u join app_private.user_secrets sec on sec.user_id = u.id
   where u.email operator(public.=) authenticate.email::public.citext and u.deleted_at is null and u.status = 'active';
  if v_hash is null then
    -- Unknown email (or no password): spend the same bcrypt work as a real check, then fail the same way.
    perform public.crypt(coalesce(password, ''), public.gen_salt('bf', s.bcrypt_cost));
    raise exception 'invalid email or password' using errcode = 'LFDNY', detail = 'reason: credentials';
  end if;
  if public.crypt(coalesce(password, ''), v_hash) is distinct from v_hash then
    raise exception 'invalid email or password' using errcode = 'LFDNY', detail = 'reason: credentials';
  end if;
  return app_private.sign_jwt(jsonb_strip_nulls(jsonb_build_object(
    'sub', v_user_id, 'user_id', v_user_id, 'role', 'linkflow_visitor',
    'iat', floor(extract(epoch from now()))::bigint,
    'exp', floor(extract(epoch from now() + s.token_ttl))::bigint,
    'iss', s.jwt_issuer, 'aud', s.jwt_audience)));
end;
$$;

-- Name: FUNCTION authenticate(email text, password text); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.authenticate(email text, password text) IS '@resultFieldName jwtToken
Signs in: returns an HS256 JWT (claims sub and user_id = the user id, iat, exp, iss/aud when configured) that the server verifies with JWT_SECRET. Unknown email, wrong password, suspended or deleted user all raise the same LFDNY error after the same bcrypt work.';

-- Name: bulk_action_count(uuid, text, jsonb); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.bulk_action_count(team_id uuid, action text, filter jsonb DEFAULT '{}'::jsonb) RETURNS bigint
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_filter jsonb;
begin
  perform app_private.lifecycle_require_admin(bulk_action_count.team_id);
  if action is null or action not in ('cancel', 'retry', 'delete') then
    raise exception 'action must be cancel, retry or delete' using errcode = 'LFVAL', detail = 'field: action';
  end if;
  v_filter := app_private.bulk_action_filter(filter);
  return (select count(*) from app_private.bulk_action_candidates(bulk_action_count.team_id, action, v_filter, now(), null, null, null));
end;
$$;

-- Name: FUNCTION bulk_action_count(team_id uuid, action text, filter jsonb); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.bulk_action_count(team_id uuid, action text, filter jsonb) IS 'Dry run of a bulk action: how many of the team''s executions it would reach now. filter is the execution-history filter {workflow_id?, state?, created_from?, created_before?} or a search query {query: {...}} (docs/search.md: labels, input/output/error content, error text, ...). Owner/admin only.';

-- Name: cancel_bulk_action(uuid, uuid); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.cancel_bulk_action(team_id uuid, id uuid) RETURNS app_public.bulk_actions
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v app_public.bulk_actions;
begin
  perform app_private.lifecycle_require_admin(cancel_bulk_action.team_id);
  update app_public.bulk_actions b set status = 'cancelled', finished_at = now(), updated_at = now()
   where b.team_id = cancel_bulk_action.team_id and b.id = cancel_bulk_action.id and b.status in ('pending', 'running')
  returning * into v;
  if v.id is null then
    select * into v from app_public.bulk_actions b where b.team_id = cancel_bulk_action.team_id and b.id = cancel_bulk_action.id;
    if v.id is null then
      raise exception 'bulk action not found' using errcode = 'LFNTF', detail = 'field: id';
    end if;
    return v;
  end if;
  perform app_private.lifecycle_event(v.team_id, 'BulkActionCancelled', jsonb_build_object('bulk_action_id', v.id, 'processed', v.processed, 'acted', v.acted));
  return v;
end;
$$;

-- Name: FUNCTION cancel_bulk_action(team_id uuid, id uuid); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.cancel_bulk_action(team_id uuid, id uuid) IS 'Stops a pending or running bulk action after its current batch (batches already applied stay applied). Owner/admin only.';

-- Name: change_member_role(uuid, uuid, text); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.change_member_role(team_id uuid, user_id uuid, role text) RETURNS app_public.team_memberships
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_caller_role text;
  v_membership app_public.team_memberships;
begin
  perform app_private.assert_role(role);
  v_caller_role := app_private.lock_team_for_caller(team_id);
  if app_hidden.team_role_rank(v_caller_role) < app_hidden.team_role_rank('admin') then
    raise exception 'only owners and admins manage members' using errcode = 'LFDNY';
  end if;
  select * into v_membership from app_public.team_memberships m
   where m.team_id = change_member_role.team_id and m.user_id = change_member_role.user_id;
  if not found then
    raise exception 'membership not found' using errcode = 'LFNTF', detail = 'field: user_id';
  end if;
  if v_caller_role <> 'owner' and (role = 'owner' or v_membership.role = 'owner') then
    raise exception 'only owners can grant or take the owner role' using errcode = 'LFDNY', detail = 'field: role';
  end if;
  update app_public.team_memberships m set role = change_member_role.role
   where m.id = v_membership.id returning * into v_membership;
  perform app_private.assert_team_has_owner(team_id);
  return v_membership;
end;
$$;

-- Name: FUNCTION change_member_role(team_id uuid, user_id uuid, role text); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.change_member_role(team_id uuid, user_id uuid, role text) IS 'Changes a member''s role. Only owners and admins; admins can neither promote to owner nor change an owner (LFDNY); the team keeps at least one owner (LFCNF).';

-- Name: change_password(text, text); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.change_password(old_password text, new_password text) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_id uuid := app_private.require_live_user();
  v_hash text;
  v_email text;
begin
  select sec.password_hash, u.email into v_hash, v_email
    from app_private.user_secrets sec join app_public.users u on u.id = sec.user_id
   where sec.user_id = v_id for update of sec;
  if v_hash is null or public.crypt(coalesce(old_password, ''), v_hash) is distinct from v_hash then
    raise exception 'the current password is wrong' using errcode = 'LFDNY', detail = 'reason: credentials';
  end if;
  perform app_private.assert_password_strength(new_password, v_email);
  update app_private.user_secrets sec set password_hash = app_private.hash_password(new_password), password_changed_at = now()
   where sec.user_id = v_id;
  return true;
end;
$$;

-- Name: FUNCTION change_password(old_password text, new_password text); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.change_password(old_password text, new_password text) IS '@resultFieldName passwordChanged
Changes the signed-in user''s password after checking the current one (LFDNY when wrong); the new one must pass the strength check (LFVAL field password).';

-- Name: teams; Type: TABLE; Schema: app_public; Owner: -

CREATE TABLE app_public.teams (
    id uuid DEFAULT app_public.uuid_generate_v7() NOT NULL,
    slug public.citext NOT NULL,
    name text NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    deleted_at timestamp with time zone,
    CONSTRAINT teams_deleted_after_created CHECK (((deleted_at IS NULL) OR (deleted_at >= created_at))),
    CONSTRAINT teams_name_length CHECK (((char_length(name) >= 1) AND (char_length(name) <= 200))),
    CONSTRAINT teams_slug_shape CHECK ((slug OPERATOR(public.~) '^[a-z0-9][a-z0-9-]{1,62}$'::public.citext)),
    CONSTRAINT teams_version_positive CHECK ((version > 0))
);

-- Name: TABLE teams; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON TABLE app_public.teams IS 'A team owns workflows and executions; people belong to it through memberships. Every large table carries team_id so it can be distributed by team.';

-- Name: create_team(text, text); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.create_team(slug text, name text) RETURNS app_public.teams
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_caller uuid := app_private.require_live_user();
  v_team app_public.teams;
begin
  insert into app_public.teams (slug, name) values (create_team.slug, create_team.name) returning * into v_team;
  insert into app_public.team_memberships (team_id, user_id, role) values (v_team.id, v_caller, 'owner');
  return v_team;
end;
$$;

-- Name: FUNCTION create_team(slug text, name text); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.create_team(slug text, name text) IS 'Creates a team; the signed-in creator becomes its owner. A taken slug is a conflict on slug.';

-- Name: create_workflow(uuid, jsonb); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.create_workflow(team_id uuid, definition jsonb) RETURNS app_public.workflows
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
  select app_private.workflow_create(team_id, definition);
$$;

-- Name: FUNCTION create_workflow(team_id uuid, definition jsonb); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.create_workflow(team_id uuid, definition jsonb) IS '@resultFieldName workflow
Creates a workflow in a team from a definition {name, description?, settings?, tags?, nodes: [{name, type, type_version?, parameters?, position?: [x, y], disabled?}],
connections: [{source, target, source_output?, source_output_index?, target_input?, target_input_index?}] (nodes by name),
triggers: [{type: webhook|schedule|event|manual, config, enabled?, node?}]}: the workflow, its graph and version 1 in one transaction,
plus a WorkflowCreated event. Needs the editor role. Errors: LFVAL (field), LFLIM, LFNTF, LFDNY.';

-- Name: current_user(); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public."current_user"() RETURNS app_public.users
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
  select u.* from app_public.users u where u.id = app_public.current_user_id() and u.deleted_at is null;
$$;

-- Name: FUNCTION "current_user"(); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public."current_user"() IS 'The signed-in user; null when anonymous or soft-deleted.';

-- Name: current_user_id(); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.current_user_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
  select nullif(pg_catalog.current_setting('jwt.claims.user_id', true), '')::uuid;
$$;

-- Name: FUNCTION current_user_id(); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.current_user_id() IS 'The id of the user the request is made for (the verified JWT''s user_id claim), or null for an anonymous request.';

-- Name: deactivate_workflow(uuid); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.deactivate_workflow(workflow_id uuid) RETURNS app_public.workflows
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
  select app_private.workflow_set_status(workflow_id, 'inactive');
$$;

-- Name: FUNCTION deactivate_workflow(workflow_id uuid); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.deactivate_workflow(workflow_id uuid) IS '@resultFieldName workflow
Deactivates an active workflow (else LFSTA) and appends WorkflowStatusChanged. Needs the editor role.';

-- Name: delete_retention_policy(uuid, uuid); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.delete_retention_policy(team_id uuid, workflow_id uuid DEFAULT NULL::uuid) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_id uuid;
begin
  perform app_private.lifecycle_require_admin(delete_retention_policy.team_id);
  delete from app_public.retention_policies p
   where p.team_id = delete_retention_policy.team_id and p.workflow_id is not distinct from delete_retention_policy.workflow_id
  returning p.id into v_id;
  if v_id is null then
    return false;
  end if;
  perform app_private.lifecycle_event(delete_retention_policy.team_id, 'RetentionPolicyDeleted',
    jsonb_build_object('policy_id', v_id, 'workflow_id', delete_retention_policy.workflow_id));
  return true;
end;
$$;

-- Name: FUNCTION delete_retention_policy(team_id uuid, workflow_id uuid); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.delete_retention_policy(team_id uuid, workflow_id uuid) IS '@resultFieldName retentionPolicyDeleted
Removes the team''s (workflow_id null) or a workflow''s retention policy; the next broader one applies. Owner/admin only. Returns false when there was none.';

-- Name: delete_team(uuid); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.delete_team(team_id uuid) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
begin
  if app_private.lock_team_for_caller(team_id) <> 'owner' then
    raise exception 'only owners delete a team' using errcode = 'LFDNY';
  end if;
  update app_public.teams t set deleted_at = now() where t.id = delete_team.team_id;
  return true;
end;
$$;

-- Name: FUNCTION delete_team(team_id uuid); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.delete_team(team_id uuid) IS '@resultFieldName teamDeleted
Soft-deletes the team (owners only): it disappears from every read path and can be restored by an owner within the restore window, after which the purge job deletes it.';

-- Name: delete_workflow(uuid); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.delete_workflow(workflow_id uuid) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
declare
  w app_public.workflows;
begin
  w := app_private.workflow_lock(workflow_id, 'admin');
  delete from app_public.workflows x where x.id = w.id;
  perform app_private.workflow_append_event(w, 'WorkflowDeleted', pg_catalog.jsonb_build_object('workflow_id', w.id, 'team_id', w.team_id));
  return w.id;
end;
$$;

-- Name: FUNCTION delete_workflow(workflow_id uuid); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.delete_workflow(workflow_id uuid) IS '@resultFieldName deletedWorkflowId
Deletes a workflow for good with its graph, versions and executions (the event stream stays) and appends WorkflowDeleted. Needs the admin role. Returns the deleted id.';

-- Name: diff_workflow_versions(uuid, integer, integer); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.diff_workflow_versions(workflow_id uuid, from_version integer, to_version integer) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
declare
  a jsonb;
  b jsonb;
begin
  select v.data into a from app_public.workflow_versions v where v.workflow_id = diff_workflow_versions.workflow_id and v.version = from_version;
  if not found then
    raise exception 'version % not found', from_version using errcode = 'LFNTF', detail = 'field: from_version';
  end if;
  select v.data into b from app_public.workflow_versions v where v.workflow_id = diff_workflow_versions.workflow_id and v.version = to_version;
  if not found then
    raise exception 'version % not found', to_version using errcode = 'LFNTF', detail = 'field: to_version';
  end if;
  return pg_catalog.jsonb_build_object('workflow_id', workflow_id, 'from_version', from_version, 'to_version', to_version)
      || app_hidden.workflow_snapshot_diff(a, b);
end;
$$;

-- Name: FUNCTION diff_workflow_versions(workflow_id uuid, from_version integer, to_version integer); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.diff_workflow_versions(workflow_id uuid, from_version integer, to_version integer) IS 'Structural diff from one version of a workflow to another (see app_hidden.workflow_snapshot_diff). LFNTF when a version does not exist or is not visible.';

-- Name: duplicate_workflow(uuid, uuid, text); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.duplicate_workflow(workflow_id uuid, team_id uuid, name text DEFAULT NULL::text) RETURNS app_public.workflows
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
declare
  src app_public.workflows;
  snap jsonb;
begin
  select * into src from app_public.workflows x where x.id = duplicate_workflow.workflow_id;
  if not found or not app_hidden.has_team_role(src.team_id, 'viewer') then
    raise exception 'workflow not found' using errcode = 'LFNTF', detail = 'field: workflow_id';
  end if;
  select v.data into snap from app_public.workflow_versions v where v.workflow_id = src.id and v.version = src.current_version;
  snap := snap || pg_catalog.jsonb_build_object('name', coalesce(duplicate_workflow.name, pg_catalog.left(src.name, 193) || ' (copy)'));
  return app_private.workflow_create(duplicate_workflow.team_id, snap, pg_catalog.format('Duplicated from %s version %s', src.id, src.current_version));
end;
$$;

-- Name: FUNCTION duplicate_workflow(workflow_id uuid, team_id uuid, name text); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.duplicate_workflow(workflow_id uuid, team_id uuid, name text) IS '@resultFieldName workflow
Copies a workflow''s current version into a team the caller can edit (viewer of the source, editor of the target) as a new draft workflow at version 1 (default name: "<name> (copy)"). Appends WorkflowCreated.';

-- Name: execution_history(uuid, uuid, text, timestamp with time zone, timestamp with time zone, timestamp with time zone, uuid, integer); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.execution_history(team_id uuid DEFAULT NULL::uuid, workflow_id uuid DEFAULT NULL::uuid, state text DEFAULT NULL::text, created_from timestamp with time zone DEFAULT NULL::timestamp with time zone, created_before timestamp with time zone DEFAULT NULL::timestamp with time zone, after_created_at timestamp with time zone DEFAULT NULL::timestamp with time zone, after_id uuid DEFAULT NULL::uuid, max_rows integer DEFAULT 50) RETURNS SETOF app_public.executions
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $_$
  select * from app_private.execution_history($1, $2, $3, $4, $5, $6, $7, $8, true);
$_$;

-- Name: FUNCTION execution_history(team_id uuid, workflow_id uuid, state text, created_from timestamp with time zone, created_before timestamp with time zone, after_created_at timestamp with time zone, after_id uuid, max_rows integer); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.execution_history(team_id uuid, workflow_id uuid, state text, created_from timestamp with time zone, created_before timestamp with time zone, after_created_at timestamp with time zone, after_id uuid, max_rows integer) IS 'Executions of a team or a workflow the caller can view (optionally one state, created in [created_from, created_before)), newest first, max_rows (<= 1000) per page. Next page: pass the last row''s created_at and id as after_created_at and after_id (keyset pagination, stable under inserts). Membership is checked once (viewer role), then the query reads the partitions without per-partition RLS subqueries.';

-- Name: execution_metrics_series(timestamp with time zone, timestamp with time zone, text, uuid, uuid); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.execution_metrics_series(range_start timestamp with time zone, range_end timestamp with time zone, bucket text DEFAULT 'hour'::text, workflow_id uuid DEFAULT NULL::uuid, team_id uuid DEFAULT NULL::uuid) RETURNS SETOF app_public.execution_metric_point
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    SET "TimeZone" TO 'UTC'
    AS $$
declare
  v_start timestamptz;
  v_step interval;
  v_points bigint;
begin
  if (workflow_id is null) = (team_id is null) then
    raise exception 'give exactly one of workflow_id and team_id' using errcode = 'LFVAL', detail = 'field: workflow_id';
  end if;
  if bucket is null or bucket not in ('minute', 'hour', 'day') then
    raise exception 'bucket must be minute, hour or day' using errcode = 'LFVAL', detail = 'field: bucket';
  end if;
  if range_start is null or range_end is null or range_end <= range_start then
    raise exception 'range_end must be after range_start' using errcode = 'LFVAL', detail = 'field: range_end';
  end if;
  v_start := date_trunc(bucket, range_start);
  v_step := ('1 ' || bucket)::interval;
  v_points := ceil(extract(epoch from (range_end - v_start)) / extract(epoch from v_step));
  if v_points > 1000 then
    raise exception 'at most 1000 points per series (asked %)', v_points using errcode = 'LFLIM',
      detail = format('limit=1000 size=%s', v_points);
  end if;

  if workflow_id is not null then
    -- one workflow: each bucket's shard-0 row (the fold's) read in index order; other sources are rare
    return query
      with extra as (
        select r.bucket as bucket_start, r.total, r.succeeded, r.failed, r.cancelled, r.timed_out, r.crashed,
               r.duration_count, r.duration_sum_ms, r.duration_cumulative as cumulative, r.node_count, r.failed_node_count,
               r.duration_p50_bucket, r.duration_p95_bucket
          from app_public.execution_metric_rollups r
         where r.workflow_id = execution_metrics_series.workflow_id and r.granularity = execution_metrics_series.bucket
           and r.bucket >= v_start and r.bucket < range_end and r.shard > 0
        union all
        select * from app_hidden.execution_metric_tail(execution_metrics_series.bucket, v_start, range_end,
                                                       execution_metrics_series.workflow_id, null)
      ), sums as (
        -- the extra sources' counters per bucket
        select x.bucket_start, sum(x.total)::integer as total, sum(x.succeeded)::integer as succeeded,
               sum(x.failed)::integer as failed, sum(x.cancelled)::integer as cancelled,
               sum(x.timed_out)::integer as timed_out, sum(x.crashed)::integer as crashed,
               sum(x.duration_count)::bigint as dcount, sum(x.duration_sum_ms)::bigint as dsum,
               sum(x.node_count)::bigint as node_count, sum(x.failed_node_count)::bigint as failed_node_count
          from extra x group by x.bucket_start
      ), stacks as (
        -- a bucket with extra sources: every source's cumulative histogram stacked (k x 200), searched on read
        select s.bucket_start, array_agg(c.cumulative) as cumulatives, sum(c.cumulative[200])::bigint as histogram_total
          from sums s
         cross join lateral (
           select x.cumulative from extra x where x.bucket_start = s.bucket_start
           union all
           select r.duration_cumulative from app_public.execution_metric_rollups r
            where r.workflow_id = execution_metrics_series.workflow_id and r.granularity = execution_metrics_series.bucket
              and r.bucket = s.bucket_start and r.shard = 0) c
         group by s.bucket_start
      ), main as (
        -- the fold's row of each bucket, narrow (its percentiles are kept with it)
        select m.bucket, m.total, m.succeeded, m.failed, m.cancelled, m.timed_out, m.crashed, m.duration_count,
               m.duration_sum_ms, m.node_count, m.failed_node_count, m.duration_p50_bucket, m.duration_p95_bucket
          from app_public.execution_metric_rollups m
         where m.workflow_id = execution_metrics_series.workflow_id and m.granularity = execution_metrics_series.bucket
           and m.bucket >= v_start and m.bucket < range_end and m.shard = 0
      ), points as (
        select g.b,
               coalesce(m.total, 0) + coalesce(s.total, 0) as total,
               coalesce(m.succeeded, 0) + coalesce(s.succeeded, 0) as succeeded,
               coalesce(m.failed, 0) + coalesce(s.failed, 0) as failed,
               coalesce(m.cancelled, 0) + coalesce(s.cancelled, 0) as cancelled,
               coalesce(m.timed_out, 0) + coalesce(s.timed_out, 0) as timed_out,
               coalesce(m.crashed, 0) + coalesce(s.crashed, 0) as crashed,
               coalesce(m.duration_count, 0) + coalesce(s.dcount, 0) as dcount,
               coalesce(m.duration_sum_ms, 0) + coalesce(s.dsum, 0) as dsum,
               coalesce(m.node_count, 0) + coalesce(s.node_count, 0) as node_count,
               coalesce(m.failed_node_count, 0) + coalesce(s.failed_node_count, 0) as failed_node_count,
               case when s.bucket_start is null then app_hidden.duration_bucket_value(m.duration_p50_bucket)
                    else app_hidden.cumulative_percentile(null, st.cumulatives, st.histogram_total, 0.5) end as p50,
               case when s.bucket_start is null then app_hidden.duration_bucket_value(m.duration_p95_bucket)
                    else app_hidden.cumulative_percentile(null, st.cumulatives, st.histogram_total, 0.95) end as p95
          from generate_series(v_start, range_end - interval '1 microsecond', v_step) g(b)
          left join main m on m.bucket = g.b
          left join sums s on s.bucket_start = g.b
          left join stacks st on st.bucket_start = g.b
      )
      select p.b, p.total, p.succeeded, p.failed, p.cancelled, p.timed_out, p.crashed,
             case when p.total > 0 then p.succeeded::double precision / p.total end,
             case when p.dcount > 0 then p.dsum::double precision / p.dcount end,
             p.p50, p.p95, p.node_count, p.failed_node_count
        from points p
       order by p.b;
    return;
  end if;

  -- one team: every workflow's rows of a bucket, summed in one pass; the merged percentile is searched only
  -- between the smallest and the largest of the sources' own percentile buckets
  return query
    with sources as (
      select r.bucket as bucket_start, r.total, r.succeeded, r.failed, r.cancelled, r.timed_out, r.crashed,
             r.duration_count, r.duration_sum_ms, r.duration_cumulative as cumulative, r.node_count, r.failed_node_count,
             r.duration_p50_bucket as p50_bucket, r.duration_p95_bucket as p95_bucket
        from app_public.execution_metric_rollups r
       where r.team_id = execution_metrics_series.team_id and r.granularity = execution_metrics_series.bucket
         and r.bucket >= v_start and r.bucket < range_end
      union all
      select * from app_hidden.execution_metric_tail(execution_metrics_series.bucket, v_start, range_end,
                                                     null, execution_metrics_series.team_id)
    ), points as (
      select x.bucket_start, sum(x.total)::integer as total, sum(x.succeeded)::integer as succeeded,
             sum(x.failed)::integer as failed, sum(x.cancelled)::integer as cancelled,
             sum(x.timed_out)::integer as timed_out, sum(x.crashed)::integer as crashed,
             sum(x.duration_count) as dcount, sum(x.duration_sum_ms) as dsum,
             sum(x.node_count)::bigint as node_count, sum(x.failed_node_count)::bigint as failed_node_count,
             sum(x.cumulative[200])::bigint as histogram_total, array_agg(x.cumulative) as cumulatives,
             min(x.p50_bucket) as p50_lo, max(x.p50_bucket) as p50_hi, min(x.p95_bucket) as p95_lo, max(x.p95_bucket) as p95_hi
        from sources x group by x.bucket_start
    )
    select g.b, coalesce(s.total, 0), coalesce(s.succeeded, 0), coalesce(s.failed, 0), coalesce(s.cancelled, 0),
           coalesce(s.timed_out, 0), coalesce(s.crashed, 0),
           case when coalesce(s.total, 0) > 0 then s.succeeded::double precision / s.total end,
           case when s.dcount > 0 then s.dsum::double precision / s.dcount end,
           case when s.histogram_total > 0 then app_hidden.duration_bucket_value(
             case when s.p50_lo = s.p50_hi then s.p50_lo
                  else app_hidden.cumulative_search(s.cumulatives, greatest(1, ceil(0.5 * s.histogram_total))::bigint, s.p50_lo, s.p50_hi) end) end,
           case when s.histogram_total > 0 then app_hidden.duration_bucket_value(
             case when s.p95_lo = s.p95_hi then s.p95_lo
                  else app_hidden.cumulative_search(s.cumulatives, greatest(1, ceil(0.95 * s.histogram_total))::bigint, s.p95_lo, s.p95_hi) end) end,
           coalesce(s.node_count, 0), coalesce(s.failed_node_count, 0)
      from generate_series(v_start, range_end - interval '1 microsecond', v_step) g(b)
      left join points s on s.bucket_start = g.b
     order by g.b;
end;
$$;

-- Name: FUNCTION execution_metrics_series(range_start timestamp with time zone, range_end timestamp with time zone, bucket text, workflow_id uuid, team_id uuid); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.execution_metrics_series(range_start timestamp with time zone, range_end timestamp with time zone, bucket text, workflow_id uuid, team_id uuid) IS 'Time series of finished executions for one workflow or one team between range_start and range_end in minute, hour or day buckets (UTC, at most 1000 points, empty buckets included): counts by outcome, success rate, mean duration and p50/p95 from the rollup histograms (within ~5%). Reads the rollups plus the samples not yet folded (app_hidden.execution_metric_fold_queue), in one snapshot: counts always equal the raw samples.';

-- Name: execution_transition_history(uuid); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.execution_transition_history(execution_id uuid) RETURNS SETOF app_public.execution_transitions
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $_$
  select t.* from app_public.execution_transitions t
   where t.execution_id = $1 and t.execution_created_at = app_hidden.execution_created_at($1)
   order by t.seq;
$_$;

-- Name: FUNCTION execution_transition_history(execution_id uuid); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.execution_transition_history(execution_id uuid) IS 'The transition chain of one execution (seq 1, 2, ...), read from its partition only.';

-- Name: executions_labels(app_public.executions); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.executions_labels(e app_public.executions) RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
  select coalesce(jsonb_object_agg(l.key, l.value order by l.key), '{}'::jsonb)
    from app_public.execution_labels l where l.team_id = e.team_id and l.execution_id = e.id;
$$;

-- Name: FUNCTION executions_labels(e app_public.executions); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.executions_labels(e app_public.executions) IS 'The execution''s labels as one JSON object (key -> value).';

-- Name: executions_search_cursor(app_public.executions); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.executions_search_cursor(e app_public.executions) RETURNS text
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
  select app_hidden.search_cursor(e.created_at, e.id);
$$;

-- Name: FUNCTION executions_search_cursor(e app_public.executions); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.executions_search_cursor(e app_public.executions) IS 'The keyset cursor of this execution in search results: pass it as `after` to search_executions (or the repository) to get the executions after it.';

-- Name: is_valid_cron_expression(text); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.is_valid_cron_expression(expression text) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
declare
  e text := pg_catalog.lower(pg_catalog.btrim(coalesce(expression, '')));
  f text[];
begin
  if e in ('@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly') then
    return true;
  end if;
  if pg_catalog.length(e) > 200 then
    return false;
  end if;
  f := pg_catalog.regexp_split_to_array(e, '\s+');
  if coalesce(pg_catalog.array_length(f, 1), 0) <> 5 then
    return false;
  end if;
  return app_hidden.cron_field_is_valid(f[1], 0, 59)
     and app_hidden.cron_field_is_valid(f[2], 0, 23)
     and app_hidden.cron_field_is_valid(f[3], 1, 31)
     and app_hidden.cron_field_is_valid(f[4], 1, 12, array['jan','feb','mar','apr','may','jun','jul','aug','sep','oct','nov','dec'], 1)
     and app_hidden.cron_field_is_valid(f[5], 0, 7, array['sun','mon','tue','wed','thu','fri','sat'], 0);
end;
$$;

-- Name: FUNCTION is_valid_cron_expression(expression text); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.is_valid_cron_expression(expression text) IS 'True when expression is a valid 5-field cron expression (minute hour day-of-month month day-of-week; lists, ranges, steps, JAN-DEC and SUN-SAT names, 7 = Sunday) or one of @yearly @annually @monthly @weekly @daily @midnight @hourly.';

-- Name: leave_team(uuid); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.leave_team(team_id uuid) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
begin
  perform app_private.lock_team_for_caller(team_id);
  delete from app_public.team_memberships m where m.team_id = leave_team.team_id and m.user_id = app_public.current_user_id();
  perform app_private.assert_team_has_owner(team_id);
  return true;
end;
$$;

-- Name: FUNCTION leave_team(team_id uuid); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.leave_team(team_id uuid) IS '@resultFieldName teamLeft
The signed-in user leaves the team; the last owner cannot leave (LFCNF: hand ownership over first).';

-- Name: lookup_execution(uuid); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.lookup_execution(id uuid) RETURNS app_public.executions
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $_$
  select e.* from app_public.executions e
   where e.id = $1 and e.created_at = app_hidden.execution_created_at($1);
$_$;

-- Name: FUNCTION lookup_execution(id uuid); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.lookup_execution(id uuid) IS 'One execution by id alone, reading only the partition its created_at falls in (found from the id''s UUIDv7 time).';

-- Name: patch_workflow(uuid, integer, jsonb, text); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.patch_workflow(workflow_id uuid, expected_version integer, patch jsonb, message text DEFAULT NULL::text) RETURNS app_public.workflows
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
  select app_private.workflow_patch(workflow_id, expected_version, patch, message);
$$;

-- Name: FUNCTION patch_workflow(workflow_id uuid, expected_version integer, patch jsonb, message text); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.patch_workflow(workflow_id uuid, expected_version integer, patch jsonb, message text) IS '@resultFieldName workflow
Saves a small edit without sending the whole definition: the next immutable version is the current snapshot with the patch applied
(WorkflowSaved, as for save_workflow). Patch fields: name, description, settings, tags (replaced when given); nodes (upserted by name,
each a full node in the definition format); remove_nodes (names; their connections go with them); add_connections and remove_connections
(connections in the definition format); triggers (replaces the list). Only the patched parts are validated, by the rules of a definition
and with its error fields; the result must be a valid graph (LFVAL triggers.node when a kept trigger names a removed node; LFLIM on node
count and size). Same checks as save_workflow: editor role, LFVER with current_version=N for a stale expected_version, LFARC.';

-- Name: record_node_run_finish(uuid, text, text, jsonb, jsonb, integer); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.record_node_run_finish(execution_id uuid, node_name text, status text, output jsonb DEFAULT NULL::jsonb, error jsonb DEFAULT NULL::jsonb, attempt integer DEFAULT NULL::integer) RETURNS app_public.execution_node_runs
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $_$
  select * from app_private.record_node_run_finish($1, $2, $6, $3, $4, $5, true);
$_$;

-- Name: FUNCTION record_node_run_finish(execution_id uuid, node_name text, status text, output jsonb, error jsonb, attempt integer); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.record_node_run_finish(execution_id uuid, node_name text, status text, output jsonb, error jsonb, attempt integer) IS 'Records a node''s outcome (succeeded, failed, skipped, cancelled) with output and error; attempt defaults to the latest. Output and error above execution_settings.node_output_max_bytes (JSON text bytes) are refused with LFLIM and nothing is written. Needs the editor role.';

-- Name: record_node_run_start(uuid, text, integer, uuid); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.record_node_run_start(execution_id uuid, node_name text, attempt integer DEFAULT NULL::integer, node_id uuid DEFAULT NULL::uuid) RETURNS app_public.execution_node_runs
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $_$
  select * from app_private.record_node_run_start($1, $2, $3, $4, true);
$_$;

-- Name: FUNCTION record_node_run_start(execution_id uuid, node_name text, attempt integer, node_id uuid); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.record_node_run_start(execution_id uuid, node_name text, attempt integer, node_id uuid) IS 'Records that a node started (status running) in a running or waiting execution; attempt defaults to the node''s next attempt. Needs the editor role. Errors: LFNTF, LFDNY, LFSTA (execution not running/waiting), LFCNF (attempt already started), LFVAL.';

-- Name: record_node_runs(jsonb); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.record_node_runs(items jsonb) RETURNS SETOF app_public.execution_node_run_result
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $_$
  select * from app_private.record_node_runs($1, app_public.current_user_id(), true);
$_$;

-- Name: FUNCTION record_node_runs(items jsonb); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.record_node_runs(items jsonb) IS 'Batched node-run starts and finishes in one statement and one commit, for engines that report in bulk. items: [{op: "start", execution_id, node_name, attempt?, node_id?} | {op: "finish", execution_id, node_name, status, output?, error?, attempt?}] (at most 10000). Returns one result per item in input order: ok with the node run, or error_code (LFVAL, LFLIM, LFNTF, LFDNY, LFSTA, LFCNF) with message, detail and current_state; refused items write nothing. Needs the editor role on each execution''s team, checked before any execution is locked.';

-- Name: register(text, text, text); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.register(email text, name text, password text) RETURNS app_public.users
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
begin
  if password is null then
    raise exception 'password is required' using errcode = 'LFVAL', detail = 'field: password';
  end if;
  return app_private.create_user(register.email, register.name, register.password, 'active');
end;
$$;

-- Name: FUNCTION register(email text, name text, password text); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.register(email text, name text, password text) IS 'Signs up: creates an active user with a bcrypt-hashed password (minimum strength checked, LFVAL field password). Emails are unique case-insensitively (a taken one is a conflict on email).';

-- Name: remove_team_member(uuid, uuid); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.remove_team_member(team_id uuid, user_id uuid) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_caller_role text;
  v_target_role text;
begin
  v_caller_role := app_private.lock_team_for_caller(team_id);
  if app_hidden.team_role_rank(v_caller_role) < app_hidden.team_role_rank('admin') then
    raise exception 'only owners and admins manage members' using errcode = 'LFDNY';
  end if;
  select m.role into v_target_role from app_public.team_memberships m
   where m.team_id = remove_team_member.team_id and m.user_id = remove_team_member.user_id;
  if v_target_role is null then
    raise exception 'membership not found' using errcode = 'LFNTF', detail = 'field: user_id';
  end if;
  if v_target_role = 'owner' and v_caller_role <> 'owner' then
    raise exception 'only owners can remove owners' using errcode = 'LFDNY';
  end if;
  delete from app_public.team_memberships m where m.team_id = remove_team_member.team_id and m.user_id = remove_team_member.user_id;
  perform app_private.assert_team_has_owner(team_id);
  return true;
end;
$$;

-- Name: FUNCTION remove_team_member(team_id uuid, user_id uuid); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.remove_team_member(team_id uuid, user_id uuid) IS '@resultFieldName memberRemoved
Removes a member. Only owners and admins; admins cannot remove owners (LFDNY); the last owner cannot be removed (LFCNF).';

-- Name: restore_team(uuid); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.restore_team(team_id uuid) RETURNS app_public.teams
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_caller uuid := app_private.require_live_user();
  v_team app_public.teams;
begin
  select t.* into v_team from app_public.teams t
    join app_public.team_memberships m on m.team_id = t.id and m.user_id = v_caller and m.role = 'owner'
   where t.id = restore_team.team_id and t.deleted_at is not null
   for update of t;
  if not found then
    raise exception 'deleted team not found' using errcode = 'LFNTF', detail = 'field: team_id';
  end if;
  if v_team.deleted_at < now() - (select s.restore_window from app_private.auth_settings s where s.id) then
    raise exception 'the restore window has passed' using errcode = 'LFSTA', detail = 'current_state=expired';
  end if;
  update app_public.teams t set deleted_at = null where t.id = v_team.id returning * into v_team;
  return v_team;
end;
$$;

-- Name: FUNCTION restore_team(team_id uuid); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.restore_team(team_id uuid) IS 'Restores a soft-deleted team (its owners only) within the restore window; after it, LFSTA current_state=expired.';

-- Name: restore_workflow_version(uuid, integer, integer); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.restore_workflow_version(workflow_id uuid, version integer, expected_version integer) RETURNS app_public.workflows
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
  select app_private.workflow_save(workflow_id, expected_version, null, null, version);
$$;

-- Name: FUNCTION restore_workflow_version(workflow_id uuid, version integer, expected_version integer); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.restore_workflow_version(workflow_id uuid, version integer, expected_version integer) IS '@resultFieldName workflow
Writes a new version whose snapshot equals version `version` (history is never rewritten); WorkflowSaved carries restored_from. Same checks as save_workflow.';

-- Name: retention_plan(uuid); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.retention_plan(team_id uuid) RETURNS SETOF app_public.retention_plan_item
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
begin
  perform app_private.lifecycle_require_admin(retention_plan.team_id);
  return query select * from app_private.retention_plan(retention_plan.team_id);
end;
$$;

-- Name: FUNCTION retention_plan(team_id uuid); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.retention_plan(team_id uuid) IS 'Dry run of the retention policies for one team: what the archiver, the trim task and the cold expiry would archive, trim and delete next, and the bytes each frees (see retention_plan_item). Changes nothing. Owner/admin only. A pass of the tasks applies exactly these items (tested), unless executions change or holds are placed in between.';

-- Name: retention_plan_summary(uuid); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.retention_plan_summary(team_id uuid) RETURNS TABLE(step text, executions bigint, bytes bigint)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
  select p.step, sum(p.executions)::bigint, sum(p.bytes)::bigint from app_public.retention_plan(team_id) p group by p.step order by p.step;
$$;

-- Name: FUNCTION retention_plan_summary(team_id uuid); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.retention_plan_summary(team_id uuid) IS 'retention_plan summed per step: executions and bytes freed by archive, trim and delete. Owner/admin only.';

-- Name: save_workflow(uuid, integer, jsonb, text); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.save_workflow(workflow_id uuid, expected_version integer, definition jsonb, message text DEFAULT NULL::text) RETURNS app_public.workflows
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
  select app_private.workflow_save(workflow_id, expected_version, definition, message);
$$;

-- Name: FUNCTION save_workflow(workflow_id uuid, expected_version integer, definition jsonb, message text); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.save_workflow(workflow_id uuid, expected_version integer, definition jsonb, message text) IS '@resultFieldName workflow
Replaces the workflow''s graph with the definition and writes the next immutable version (full snapshot, author = the caller), plus a
WorkflowSaved event. Absent name/description/settings/tags keep their values. A stale expected_version raises LFVER with DETAIL
current_version=N and changes nothing; concurrent saves serialise on the workflow row. Needs the editor role; archived workflows raise LFARC.';

-- Name: search_executions(uuid, jsonb, text, integer); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.search_executions(team_id uuid, query jsonb DEFAULT '{}'::jsonb, after text DEFAULT NULL::text, page_size integer DEFAULT 50) RETURNS SETOF app_public.executions
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
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

-- Name: FUNCTION search_executions(team_id uuid, query jsonb, after text, page_size integer); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.search_executions(team_id uuid, query jsonb, after text, page_size integer) IS '@behavior -connection +list
@listSuffix omit
Searches a team''s executions: query is a JSON document (docs/search.md), e.g. {"state": "failed", "labels": {"order": "4711"}, "input": {"contains": {"order": {"id": 4711}}}, "error_text": "timeout"}. Newest first (created_at desc, id desc); page_size = rows per page (default 50, at most 100: GRAPHQL_MAX_PAGE_SIZE; GraphQL prices it like first); after = the search_cursor of the last execution of the previous page (a page shorter than first is the last). Viewers of the team see results, others nothing. In SQL and GraphQL it reads the hot tables; archived executions are searched by the TypeScript repository (src/search), which spans hot and cold with the same query, order and cursor. Errors: LFVAL (unknown field, wrong type, bad JSON path, bad cursor; DETAIL field: query.<path>).';

-- Name: search_workflows(uuid, text, text, text, timestamp with time zone, uuid, integer); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.search_workflows(team_id uuid, status text DEFAULT NULL::text, tag text DEFAULT NULL::text, name_contains text DEFAULT NULL::text, after_updated_at timestamp with time zone DEFAULT NULL::timestamp with time zone, after_id uuid DEFAULT NULL::uuid, max_rows integer DEFAULT 50) RETURNS SETOF app_public.workflows
    LANGUAGE sql STABLE
    AS $$
  select w.*
    from app_public.workflows w
   where w.team_id = search_workflows.team_id
     and (search_workflows.status is null or w.status = search_workflows.status)
     and (search_workflows.tag is null or w.tags @> array[search_workflows.tag])
     and (search_workflows.name_contains is null or w.name ilike '%' || app_hidden.escape_like(search_workflows.name_contains) || '%')
     and (search_workflows.after_updated_at is null
          or (w.updated_at, w.id) < (search_workflows.after_updated_at, coalesce(search_workflows.after_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)))
   order by w.updated_at desc, w.id desc
   limit least(greatest(coalesce(search_workflows.max_rows, 50), 1), 500);
$$;

-- Name: FUNCTION search_workflows(team_id uuid, status text, tag text, name_contains text, after_updated_at timestamp with time zone, after_id uuid, max_rows integer); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.search_workflows(team_id uuid, status text, tag text, name_contains text, after_updated_at timestamp with time zone, after_id uuid, max_rows integer) IS 'A team''s workflows, most recently updated first, filtered by status, tag (GIN index) and a case-insensitive name fragment (trigram index); keyset-paginate with after_updated_at/after_id of the last row. Reads only the workflows table, never graphs or snapshots.';

-- Name: set_execution_labels(uuid, jsonb); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.set_execution_labels(execution_id uuid, labels jsonb) RETURNS jsonb
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $_$
  select app_private.set_execution_labels($1, $2, app_public.current_user_id(), true);
$_$;

-- Name: FUNCTION set_execution_labels(execution_id uuid, labels jsonb); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.set_execution_labels(execution_id uuid, labels jsonb) IS '@resultFieldName labels
Merges labels into an execution''s labels and returns all of them: {"key": "value"} sets, {"key": null} removes. Editor role (LFNTF for outsiders, LFDNY for viewers). Works on hot and archived executions. Errors: LFVAL (not an object, malformed key, non-string value; DETAIL field: labels.<key>), LFLIM (value over 256 characters, more than 32 labels); nothing is written on error. To label at start, call it after start_execution in the same transaction.';

-- Name: retention_policies; Type: TABLE; Schema: app_public; Owner: -

CREATE TABLE app_public.retention_policies (
    team_id uuid NOT NULL,
    id uuid DEFAULT app_public.uuid_generate_v7() NOT NULL,
    workflow_id uuid,
    hot_days integer NOT NULL,
    cold_days integer NOT NULL,
    node_output text DEFAULT 'keep'::text NOT NULL,
    node_output_after_days integer,
    node_output_max_bytes integer,
    updated_by uuid,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT retention_policies_cold_after_hot CHECK ((cold_days >= hot_days)),
    CONSTRAINT retention_policies_cold_days_range CHECK (((cold_days >= 1) AND (cold_days <= 36500))),
    CONSTRAINT retention_policies_hot_days_range CHECK (((hot_days >= 1) AND (hot_days <= 3650))),
    CONSTRAINT retention_policies_node_output_after_days_range CHECK (((node_output_after_days >= 0) AND (node_output_after_days <= 3650))),
    CONSTRAINT retention_policies_node_output_days CHECK (((node_output = 'keep'::text) OR (node_output_after_days IS NOT NULL))),
    CONSTRAINT retention_policies_node_output_known CHECK ((node_output = ANY (ARRAY['keep'::text, 'trim'::text, 'drop'::text]))),
    CONSTRAINT retention_policies_node_output_max_bytes_range CHECK (((node_output_max_bytes >= 16) AND (node_output_max_bytes <= 1048576))),
    CONSTRAINT retention_policies_node_output_size CHECK (((node_output <> 'trim'::text) OR (node_output_max_bytes IS NOT NULL)))
);

-- Name: TABLE retention_policies; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON TABLE app_public.retention_policies IS 'Retention of a team''s executions (workflow_id null: the team''s policy) or of one workflow''s (overrides the team''s). hot_days: terminal executions older than this move to cold storage (archive). cold_days: archive files whose executions are all older than this are deleted (counted from creation, >= hot_days). node_output: keep | trim (outputs larger than node_output_max_bytes become a preview of that many characters) | drop (outputs removed), for node runs of terminal executions older than node_output_after_days. Active legal holds override every policy. Without a policy: app_private.archive_retention, then app_private.lifecycle_settings, then the archiver''s defaults. Managed by owners/admins with set_retention_policy / delete_retention_policy.';

-- Name: COLUMN retention_policies.team_id; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON COLUMN app_public.retention_policies.team_id IS 'The team (first column of every key: the distribution column).';

-- Name: COLUMN retention_policies.updated_by; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON COLUMN app_public.retention_policies.updated_by IS '@behavior -*
Who last changed the policy (audit).';

-- Name: set_retention_policy(uuid, integer, integer, uuid, text, integer, integer); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.set_retention_policy(team_id uuid, hot_days integer, cold_days integer, workflow_id uuid DEFAULT NULL::uuid, node_output text DEFAULT 'keep'::text, node_output_after_days integer DEFAULT NULL::integer, node_output_max_bytes integer DEFAULT NULL::integer) RETURNS app_public.retention_policies
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v app_public.retention_policies;
begin
  perform app_private.lifecycle_require_admin(set_retention_policy.team_id);
  if set_retention_policy.workflow_id is not null and not exists (
      select 1 from app_public.workflows w where w.id = set_retention_policy.workflow_id and w.team_id = set_retention_policy.team_id) then
    raise exception 'workflow not found in this team' using errcode = 'LFNTF', detail = 'field: workflow_id';
  end if;
  if hot_days is null or hot_days not between 1 and 3650 then
    raise exception 'hot_days must be between 1 and 3650' using errcode = 'LFVAL', detail = 'field: hot_days';
  end if;
  if cold_days is null or cold_days not between hot_days and 36500 then
    raise exception 'cold_days must be between hot_days and 36500' using errcode = 'LFVAL', detail = 'field: cold_days';
  end if;
  if node_output is null or node_output not in ('keep', 'trim', 'drop') then
    raise exception 'node_output must be keep, trim or drop' using errcode = 'LFVAL', detail = 'field: node_output';
  end if;
  if node_output <> 'keep' and (node_output_after_days is null or node_output_after_days not between 0 and 3650) then
    raise exception 'node_output_after_days must be between 0 and 3650' using errcode = 'LFVAL', detail = 'field: node_output_after_days';
  end if;
  if node_output = 'trim' and (node_output_max_bytes is null or node_output_max_bytes not between 16 and 1048576) then
    raise exception 'node_output_max_bytes must be between 16 and 1048576' using errcode = 'LFVAL', detail = 'field: node_output_max_bytes';
  end if;
  insert into app_public.retention_policies as p (team_id, workflow_id, hot_days, cold_days, node_output, node_output_after_days, node_output_max_bytes, updated_by)
  values (set_retention_policy.team_id, set_retention_policy.workflow_id, hot_days, cold_days, node_output,
          case when node_output <> 'keep' then node_output_after_days end, case when node_output = 'trim' then node_output_max_bytes end,
          app_public.current_user_id())
  on conflict on constraint retention_policies_team_id_workflow_id_key do update
     set hot_days = excluded.hot_days, cold_days = excluded.cold_days, node_output = excluded.node_output,
         node_output_after_days = excluded.node_output_after_days, node_output_max_bytes = excluded.node_output_max_bytes,
         updated_by = excluded.updated_by, updated_at = now()
  returning * into v;
  perform app_private.lifecycle_event(v.team_id, 'RetentionPolicyChanged', jsonb_build_object('policy_id', v.id, 'workflow_id', v.workflow_id,
    'hot_days', v.hot_days, 'cold_days', v.cold_days, 'node_output', v.node_output,
    'node_output_after_days', v.node_output_after_days, 'node_output_max_bytes', v.node_output_max_bytes));
  return v;
end;
$$;

-- Name: FUNCTION set_retention_policy(team_id uuid, hot_days integer, cold_days integer, workflow_id uuid, node_output text, node_output_after_days integer, node_output_max_bytes integer); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.set_retention_policy(team_id uuid, hot_days integer, cold_days integer, workflow_id uuid, node_output text, node_output_after_days integer, node_output_max_bytes integer) IS 'Creates or replaces the retention policy of a team (workflow_id null) or of one of its workflows. Owner/admin only (LFDNY; outsiders LFNTF); bad values LFVAL naming the field. Appends RetentionPolicyChanged to lifecycle-<team>.';

-- Name: team_budgets; Type: TABLE; Schema: app_public; Owner: -

CREATE TABLE app_public.team_budgets (
    team_id uuid NOT NULL,
    executions_per_month integer,
    warn_percent integer DEFAULT 80 NOT NULL,
    updated_by uuid,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT team_budgets_executions_per_month_range CHECK (((executions_per_month >= 0) AND (executions_per_month <= 2000000000))),
    CONSTRAINT team_budgets_warn_percent_range CHECK (((warn_percent >= 1) AND (warn_percent <= 100)))
);

-- Name: TABLE team_budgets; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON TABLE app_public.team_budgets IS 'Optional budget of a team: executions_per_month (null: no budget) started per UTC month, enforced when an execution is inserted (start_execution and every other insert of a current execution): over budget is LFLIM naming the budget and the usage. warn_percent: at this share of the budget a BudgetThresholdReached event is appended once per month. Managed by owners/admins with set_team_budget.';

-- Name: COLUMN team_budgets.updated_by; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON COLUMN app_public.team_budgets.updated_by IS '@behavior -*
Who last changed the budget (audit).';

-- Name: set_team_budget(uuid, integer, integer); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.set_team_budget(team_id uuid, executions_per_month integer, warn_percent integer DEFAULT 80) RETURNS app_public.team_budgets
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v app_public.team_budgets;
  v_month date := app_private.budget_month();
  v_used bigint;
  v_shards integer;
  v_room bigint;
begin
  perform app_private.lifecycle_require_admin(set_team_budget.team_id);
  if executions_per_month is not null and executions_per_month not between 0 and 2000000000 then
    raise exception 'executions_per_month must be between 0 and 2000000000' using errcode = 'LFVAL', detail = 'field: executions_per_month';
  end if;
  if warn_percent is null or warn_percent not between 1 and 100 then
    raise exception 'warn_percent must be between 1 and 100' using errcode = 'LFVAL', detail = 'field: warn_percent';
  end if;
  insert into app_public.team_budgets as b (team_id, executions_per_month, warn_percent, updated_by)
  values (set_team_budget.team_id, executions_per_month, warn_percent, app_public.current_user_id())
  on conflict on constraint team_budgets_pkey do update set executions_per_month = excluded.executions_per_month, warn_percent = excluded.warn_percent,
    updated_by = excluded.updated_by, updated_at = now()
  returning * into v;
  -- re-split this month's allotments (under every shard's lock, in shard order): the new budget minus what is used
  perform 1 from app_private.team_budget_slots s where s.team_id = v.team_id and s.month = v_month order by s.shard for update;
  if found and v.executions_per_month is not null then
    select sum(s.used), count(*) into v_used, v_shards from app_private.team_budget_slots s where s.team_id = v.team_id and s.month = v_month;
    v_room := greatest(v.executions_per_month - v_used, 0);
    update app_private.team_budget_slots s
       set allot = s.used + (v_room / v_shards + case when s.shard < v_room % v_shards then 1 else 0 end)::integer
     where s.team_id = v.team_id and s.month = v_month;
  elsif found then
    delete from app_private.team_budget_slots s where s.team_id = v.team_id and s.month = v_month;
  end if;
  perform app_private.lifecycle_event(v.team_id, 'BudgetChanged', jsonb_build_object(
    'budget', 'executions_per_month', 'limit', v.executions_per_month, 'warn_percent', v.warn_percent));
  return v;
end;
$$;

-- Name: FUNCTION set_team_budget(team_id uuid, executions_per_month integer, warn_percent integer); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.set_team_budget(team_id uuid, executions_per_month integer, warn_percent integer) IS 'Sets (executions_per_month null: removes) the team''s monthly execution budget and warning threshold; takes effect at once (this month''s allotments are re-split). Owner/admin only. Appends BudgetChanged.';

-- Name: start_bulk_action(uuid, text, jsonb, integer); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.start_bulk_action(team_id uuid, action text, filter jsonb DEFAULT '{}'::jsonb, batch_size integer DEFAULT 1000) RETURNS app_public.bulk_actions
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v app_public.bulk_actions;
  v_filter jsonb;
begin
  perform app_private.lifecycle_require_admin(start_bulk_action.team_id);
  if action is null or action not in ('cancel', 'retry', 'delete') then
    raise exception 'action must be cancel, retry or delete' using errcode = 'LFVAL', detail = 'field: action';
  end if;
  if batch_size is null or batch_size not between 1 and 10000 then
    raise exception 'batch_size must be between 1 and 10000' using errcode = 'LFVAL', detail = 'field: batch_size';
  end if;
  v_filter := app_private.bulk_action_filter(filter);
  insert into app_public.bulk_actions (team_id, action, filter, expected_count, batch_size, created_by, upper_created_at)
  values (start_bulk_action.team_id, action, v_filter,
          (select count(*) from app_private.bulk_action_candidates(start_bulk_action.team_id, action, v_filter, now(), null, null, null)),
          batch_size, app_public.current_user_id(), now())
  returning * into v;
  perform graphile_worker.add_job('lifecycle_bulk_action', json_build_object('team_id', v.team_id, 'id', v.id),
    job_key => 'lifecycle_bulk_action:' || v.id::text, max_attempts => 25);
  perform app_private.lifecycle_event(v.team_id, 'BulkActionStarted', jsonb_build_object(
    'bulk_action_id', v.id, 'action', v.action, 'filter', v.filter, 'expected_count', v.expected_count));
  return v;
end;
$$;

-- Name: FUNCTION start_bulk_action(team_id uuid, action text, filter jsonb, batch_size integer); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.start_bulk_action(team_id uuid, action text, filter jsonb, batch_size integer) IS 'Starts a bulk action (cancel | retry | delete) over the team''s executions matching filter (the execution-history filter, or a search query {query: {...}}), created before now; the worker runs it in batches of batch_size (task lifecycle_bulk_action). Owner/admin only (LFDNY; outsiders LFNTF). Call bulk_action_count first for the dry run. Returns the action row (progress: processed / acted / skipped of expected_count, status).';

-- Name: start_execution(uuid, text, jsonb, text); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.start_execution(workflow_id uuid, trigger_type text DEFAULT 'manual'::text, input jsonb DEFAULT NULL::jsonb, idempotency_key text DEFAULT NULL::text) RETURNS app_public.executions
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $_$
  select * from app_private.start_execution($1, $2, $3, $4, app_public.current_user_id(), true);
$_$;

-- Name: FUNCTION start_execution(workflow_id uuid, trigger_type text, input jsonb, idempotency_key text); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.start_execution(workflow_id uuid, trigger_type text, input jsonb, idempotency_key text) IS 'Starts an execution (state pending) of an active workflow, pinned to its current version, and appends ExecutionCreated. Needs the editor role on the workflow''s team. The same idempotency_key (per team) returns the execution it first started, also under concurrent calls. Errors: LFNTF, LFDNY, LFSTA (workflow not active; DETAIL current_state=<status>), LFVAL, LFCNF (key used for another workflow).';

-- Name: team_budget_usage(uuid); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.team_budget_usage(team_id uuid) RETURNS TABLE(budget text, month date, budget_limit bigint, usage bigint, warn_percent integer)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
begin
  if not app_hidden.has_team_role(team_budget_usage.team_id, 'viewer') then
    raise exception 'team not found' using errcode = 'LFNTF', detail = 'field: team_id';
  end if;
  return query
  select 'executions_per_month'::text, app_private.budget_month(), b.executions_per_month::bigint,
         coalesce((select sum(s.used) from app_private.team_budget_slots s where s.team_id = b.team_id and s.month = app_private.budget_month()), 0)::bigint,
         b.warn_percent
    from app_public.team_budgets b where b.team_id = team_budget_usage.team_id and b.executions_per_month is not null;
end;
$$;

-- Name: FUNCTION team_budget_usage(team_id uuid); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.team_budget_usage(team_id uuid) IS 'The team''s budget for this month and the exact usage counted against it (the allotments taken). Any member (viewer).';

-- Name: team_usage_now(uuid); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.team_usage_now(team_id uuid) RETURNS TABLE(team_id uuid, hot_executions bigint, hot_bytes bigint, cold_executions bigint, cold_bytes bigint, events bigint, executions_this_month bigint, month date)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
  select u.* from app_private.lifecycle_require_member(team_usage_now.team_id) ok, app_private.team_usage(team_usage_now.team_id) u where ok;
$$;

-- Name: FUNCTION team_usage_now(team_id uuid); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.team_usage_now(team_id uuid) IS 'A team''s usage now, exact: hot_executions / hot_bytes (rows in PostgreSQL), cold_executions / cold_bytes (archive batches serving from cold storage), events, executions_this_month (started in the current UTC month): the folded team_usage plus the deltas not yet folded, in one snapshot. Any member (viewer); outsiders get LFNTF.';

-- Name: transition_execution(uuid, text, text, jsonb); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.transition_execution(id uuid, to_state text, expected_from text DEFAULT NULL::text, details jsonb DEFAULT NULL::jsonb) RETURNS app_public.executions
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
declare
  e app_public.executions;
begin
  if transition_execution.id is not null and (details is null or jsonb_typeof(details) in ('object', 'null')) then
    e := app_private.execution_peek(transition_execution.id);
    if e.id is null or not app_hidden.has_team_role(e.team_id, 'viewer') then
      raise exception 'execution not found' using errcode = 'LFNTF', detail = 'field: id';
    end if;
    if not app_hidden.has_team_role(e.team_id, 'editor') then
      raise exception 'changing an execution needs the editor role' using errcode = 'LFDNY';
    end if;
  end if;
  select * into e from app_private.transition_execution(transition_execution.id, to_state, expected_from, details, app_public.current_user_id(), true);
  return e;
end;
$$;

-- Name: FUNCTION transition_execution(id uuid, to_state text, expected_from text, details jsonb); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.transition_execution(id uuid, to_state text, expected_from text, details jsonb) IS 'Moves an execution to to_state in one atomic step: checks the move is legal (execution_allowed_transitions) and that the current state is expected_from (when given), updates the row (started_at on the first running of an attempt, finished_at and duration_ms on finishing, attempt + 1 on a retry), records the transition (from, to, at, actor, reason = details.reason) and appends ExecutionStateChanged. Illegal or stale: LFSTA with DETAIL current_state=<s>, nothing written. Needs the editor role (checked before the execution is locked: LFNTF for non-members, LFDNY for viewers).';

-- Name: transition_executions(jsonb); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.transition_executions(items jsonb) RETURNS SETOF app_public.execution_transition_result
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $_$
declare
  v_caller uuid := app_public.current_user_id();
  v_ord integer[]; v_item jsonb[]; v_id uuid[]; v_verdict text[]; v_state text[]; v_attempt integer[];
  v_apply jsonb;
  v_map integer[];
begin
  if items is null or jsonb_typeof(items) <> 'array' or jsonb_array_length(items) > 10000 then
    -- malformed or oversized: the engine answers (LFVAL / LFLIM) before it locks anything
    return query select * from app_private.apply_execution_transitions(items, v_caller, true);
    return;
  end if;
  -- the access check, without locks
  select array_agg(i.ord order by i.ord), array_agg(i.x order by i.ord), array_agg(i.id order by i.ord),
         array_agg(case when i.id is null or not i.well_formed then 'apply'
                        when e.team_id is null or not app_hidden.has_team_role(e.team_id, 'viewer') then 'LFNTF'
                        when not app_hidden.has_team_role(e.team_id, 'editor') then 'LFDNY'
                        else 'apply' end order by i.ord),
         array_agg(e.state order by i.ord), array_agg(e.attempt order by i.ord)
    into v_ord, v_item, v_id, v_verdict, v_state, v_attempt
    from (select a.o::integer as ord, a.x,
                 case when jsonb_typeof(a.x) = 'object' and (a.x->>'id') ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                      then (a.x->>'id')::uuid end as id,
                 (jsonb_typeof(a.x) = 'object' and (a.x->'details' is null or jsonb_typeof(a.x->'details') in ('object', 'null'))) as well_formed
            from jsonb_array_elements(items) with ordinality as a(x, o)) i
    left join lateral (select p.team_id, p.state, p.attempt from app_private.execution_peek(i.id) p where i.id is not null) e on true;
  if v_ord is null then
    return query select * from app_private.apply_execution_transitions(items, v_caller, true);
    return;
  end if;
  -- the items the caller may change go to the engine (which locks them); v_map takes its ords back to the input's
  select coalesce(jsonb_agg(t.item order by t.ord), '[]'::jsonb), coalesce(array_agg(t.ord order by t.ord), '{}')
    into v_apply, v_map
    from unnest(v_ord, v_item, v_verdict) as t(ord, item, verdict) where t.verdict = 'apply';
  return query
    select * from (
      select v_map[r.ord] as ord, r.execution_id, r.execution_created_at, r.ok, r.error_code, r.current_state, r.seq, r.attempt
        from app_private.apply_execution_transitions(v_apply, v_caller, true) r
       where cardinality(v_map) > 0
      union all
      select t.ord, t.id, null::timestamptz, false, t.verdict,
             case when t.verdict = 'LFDNY' then t.state end, null::integer, case when t.verdict = 'LFDNY' then t.attempt end
        from unnest(v_ord, v_id, v_verdict, v_state, v_attempt) as t(ord, id, verdict, state, attempt) where t.verdict <> 'apply'
    ) r order by r.ord;
end;
$_$;

-- Name: FUNCTION transition_executions(items jsonb); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.transition_executions(items jsonb) IS 'Batched transitions in one statement and one commit, for engines that report in bulk. items: [{id, to_state, expected_from?, details?}] (at most 10000). Returns one result per item in input order: ok, or error_code (LFVAL, LFNTF, LFDNY, LFSTA) with current_state; failed items write nothing. Needs the editor role on each execution''s team, checked before any execution is locked (items the caller may not change never reach the engine''s locks).';

-- Name: update_profile(text, integer); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.update_profile(name text, expected_version integer DEFAULT NULL::integer) RETURNS app_public.users
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_id uuid := app_private.require_live_user();
  v_user app_public.users;
begin
  select * into v_user from app_public.users u where u.id = v_id for update;
  if expected_version is not null and v_user.version <> expected_version then
    raise exception 'profile changed since version %', expected_version using errcode = 'LFVER',
      detail = format('current_version=%s', v_user.version);
  end if;
  update app_public.users u set name = coalesce(update_profile.name, u.name) where u.id = v_id returning * into v_user;
  return v_user;
end;
$$;

-- Name: FUNCTION update_profile(name text, expected_version integer); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.update_profile(name text, expected_version integer) IS 'Changes the signed-in user''s name; with expected_version, a stale version raises LFVER naming the current one.';

-- Name: workflow_graph(uuid); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.workflow_graph(workflow_id uuid) RETURNS json
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
  select case when app_hidden.has_team_role(w.team_id, 'viewer') then coalesce(d.document, app_private.workflow_build_graph_document(w.id)) end
    from app_public.workflows w
    left join app_private.workflow_graph_documents d on d.workflow_id = w.id and d.workflow_updated_at = w.updated_at
   where w.id = workflow_graph.workflow_id;
$$;

-- Name: FUNCTION workflow_graph(workflow_id uuid); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.workflow_graph(workflow_id uuid) IS 'GetWithNodes: the workflow with its nodes, connections (with node names) and triggers as one JSON document {workflow, nodes, connections, triggers}, in one call: the stored document, as stored (no per-request assembly). Null when the workflow does not exist or the caller is not a member of its team (checked explicitly: SECURITY DEFINER, so the document can come from the private table). Its output is accepted back by save_workflow.';

-- Name: workflow_version_history(uuid, integer, integer); Type: FUNCTION; Schema: app_public; Owner: -

CREATE FUNCTION app_public.workflow_version_history(workflow_id uuid, before_version integer DEFAULT NULL::integer, max_rows integer DEFAULT 50) RETURNS TABLE(version integer, author_id uuid, message text, created_at timestamp with time zone, was_active boolean)
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
  select v.version, v.author_id, v.message, v.created_at,
         exists (select 1 from app_public.workflow_activations a where a.workflow_id = v.workflow_id and a.version = v.version)
    from app_public.workflow_versions v
   where v.workflow_id = workflow_version_history.workflow_id
     and (before_version is null or v.version < before_version)
   order by v.version desc
   limit least(greatest(coalesce(max_rows, 50), 1), 1000);
$$;

-- Name: FUNCTION workflow_version_history(workflow_id uuid, before_version integer, max_rows integer); Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON FUNCTION app_public.workflow_version_history(workflow_id uuid, before_version integer, max_rows integer) IS 'A workflow''s versions, newest first, light columns only (never the snapshot): keyset-paginate with before_version = the last version seen. was_active: the version was live at some point.';

-- Name: execution_metric_fold_queue; Type: TABLE; Schema: app_hidden; Owner: -

CREATE TABLE app_hidden.execution_metric_fold_queue (
    recorded_at timestamp with time zone NOT NULL,
    team_id uuid NOT NULL,
    workflow_id uuid NOT NULL,
    state text NOT NULL,
    duration_ms bigint,
    node_count integer NOT NULL,
    failed_node_count integer NOT NULL
);

-- Name: TABLE execution_metric_fold_queue; Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON TABLE app_hidden.execution_metric_fold_queue IS 'Metric samples not yet folded into execution_metric_rollups: one narrow row per sample, appended by the samples trigger, deleted by app_private.fold_execution_metric_samples. No index and no key on purpose (an append costs one heap tuple; the fold reads it whole). The series query adds these rows to the rollups (fold-on-read), so series stay exact. team_id keys visibility (RLS).';

-- Name: team_usage_deltas; Type: TABLE; Schema: app_hidden; Owner: -

CREATE TABLE app_hidden.team_usage_deltas (
    team_id uuid NOT NULL,
    month date,
    hot_executions bigint DEFAULT 0 NOT NULL,
    hot_bytes bigint DEFAULT 0 NOT NULL,
    cold_executions bigint DEFAULT 0 NOT NULL,
    cold_bytes bigint DEFAULT 0 NOT NULL,
    events bigint DEFAULT 0 NOT NULL,
    started bigint DEFAULT 0 NOT NULL
);

-- Name: TABLE team_usage_deltas; Type: COMMENT; Schema: app_hidden; Owner: -

COMMENT ON TABLE app_hidden.team_usage_deltas IS 'Usage changes not yet folded into team_usage: one narrow row per team per writing statement, appended by statement triggers, deleted by app_private.fold_team_usage. No index and no key on purpose (an append is one heap tuple, no shared row in the writer''s transaction). month is set for rows that count started executions.';

-- Name: execution_metric_samples; Type: TABLE; Schema: app_public; Owner: -

CREATE TABLE app_public.execution_metric_samples (
    execution_id uuid NOT NULL,
    recorded_at timestamp with time zone DEFAULT now() NOT NULL,
    team_id uuid NOT NULL,
    workflow_id uuid NOT NULL,
    state text NOT NULL,
    duration_ms bigint,
    node_count integer DEFAULT 0 NOT NULL,
    failed_node_count integer DEFAULT 0 NOT NULL,
    CONSTRAINT execution_metric_samples_duration_non_negative CHECK ((duration_ms >= 0)),
    CONSTRAINT execution_metric_samples_failed_nodes_non_negative CHECK ((failed_node_count >= 0)),
    CONSTRAINT execution_metric_samples_node_count_non_negative CHECK ((node_count >= 0)),
    CONSTRAINT execution_metric_samples_state_known CHECK ((state = ANY ('{pending,queued,running,waiting,succeeded,failed,cancelled,timed_out,crashed}'::text[])))
)
PARTITION BY RANGE (recorded_at);

-- Name: TABLE execution_metric_samples; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON TABLE app_public.execution_metric_samples IS '@foreignKey (team_id) references app_public.teams (id)
@foreignKey (workflow_id) references app_public.workflows (id)
Raw time-series samples: one per finished execution (duration, node counts, outcome). Rolled up per workflow per minute/hour/day, then dropped. Independent of the executions lifecycle (no foreign key to executions). No foreign keys to teams and workflows either (a per-row check on every finishing move): deleting a team or a workflow deletes its samples (statement triggers _910_delete_metric_samples).';

-- Name: execution_metric_samples_default; Type: TABLE; Schema: app_partitions; Owner: -

CREATE TABLE app_partitions.execution_metric_samples_default (
    execution_id uuid NOT NULL,
    recorded_at timestamp with time zone DEFAULT now() NOT NULL,
    team_id uuid NOT NULL,
    workflow_id uuid NOT NULL,
    state text NOT NULL,
    duration_ms bigint,
    node_count integer DEFAULT 0 NOT NULL,
    failed_node_count integer DEFAULT 0 NOT NULL,
    CONSTRAINT execution_metric_samples_duration_non_negative CHECK ((duration_ms >= 0)),
    CONSTRAINT execution_metric_samples_failed_nodes_non_negative CHECK ((failed_node_count >= 0)),
    CONSTRAINT execution_metric_samples_node_count_non_negative CHECK ((node_count >= 0)),
    CONSTRAINT execution_metric_samples_state_known CHECK ((state = ANY ('{pending,queued,running,waiting,succeeded,failed,cancelled,timed_out,crashed}'::text[])))
);

-- Name: execution_node_runs_default; Type: TABLE; Schema: app_partitions; Owner: -

CREATE TABLE app_partitions.execution_node_runs_default (
    execution_id uuid NOT NULL,
    execution_created_at timestamp with time zone NOT NULL,
    team_id uuid NOT NULL,
    node_name text NOT NULL,
    node_id uuid,
    attempt integer DEFAULT 1 NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    started_at timestamp with time zone,
    finished_at timestamp with time zone,
    output jsonb,
    error jsonb,
    CONSTRAINT execution_node_runs_attempt_positive CHECK ((attempt >= 1)),
    CONSTRAINT execution_node_runs_finished_after_started CHECK (((finished_at IS NULL) OR (started_at IS NULL) OR (finished_at >= started_at))),
    CONSTRAINT execution_node_runs_node_name_length CHECK (((char_length(node_name) >= 1) AND (char_length(node_name) <= 200))),
    CONSTRAINT execution_node_runs_status_known CHECK ((status = ANY (ARRAY['pending'::text, 'running'::text, 'succeeded'::text, 'failed'::text, 'skipped'::text, 'cancelled'::text])))
);
ALTER TABLE ONLY app_partitions.execution_node_runs_default ALTER COLUMN output SET COMPRESSION lz4;

-- Name: execution_transitions_default; Type: TABLE; Schema: app_partitions; Owner: -

CREATE TABLE app_partitions.execution_transitions_default (
    execution_id uuid NOT NULL,
    execution_created_at timestamp with time zone NOT NULL,
    seq integer NOT NULL,
    team_id uuid NOT NULL,
    from_state text,
    to_state text NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    actor_id uuid,
    reason text,
    details jsonb,
    CONSTRAINT execution_transitions_from_known CHECK ((from_state = ANY ('{pending,queued,running,waiting,succeeded,failed,cancelled,timed_out,crashed}'::text[]))),
    CONSTRAINT execution_transitions_reason_length CHECK ((char_length(reason) <= 2000)),
    CONSTRAINT execution_transitions_seq_positive CHECK ((seq >= 1)),
    CONSTRAINT execution_transitions_to_known CHECK ((to_state = ANY ('{pending,queued,running,waiting,succeeded,failed,cancelled,timed_out,crashed}'::text[])))
);

-- Name: executions_default; Type: TABLE; Schema: app_partitions; Owner: -

CREATE TABLE app_partitions.executions_default (
    id uuid DEFAULT app_public.uuid_generate_v7() NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    team_id uuid NOT NULL,
    workflow_id uuid NOT NULL,
    workflow_version integer NOT NULL,
    state text DEFAULT 'pending'::text NOT NULL,
    trigger_type text DEFAULT 'manual'::text NOT NULL,
    trigger_id uuid,
    input jsonb,
    output jsonb,
    error jsonb,
    attempt integer DEFAULT 1 NOT NULL,
    idempotency_key text,
    version integer DEFAULT 1 NOT NULL,
    started_at timestamp with time zone,
    finished_at timestamp with time zone,
    duration_ms bigint,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT executions_attempt_positive CHECK ((attempt >= 1)),
    CONSTRAINT executions_duration_non_negative CHECK ((duration_ms >= 0)),
    CONSTRAINT executions_finished_after_started CHECK (((finished_at IS NULL) OR (started_at IS NULL) OR (finished_at >= started_at))),
    CONSTRAINT executions_idempotency_key_length CHECK (((char_length(idempotency_key) >= 1) AND (char_length(idempotency_key) <= 200))),
    CONSTRAINT executions_started_after_created CHECK (((started_at IS NULL) OR (started_at >= (created_at - '00:01:00'::interval)))),
    CONSTRAINT executions_state_known CHECK ((state = ANY ('{pending,queued,running,waiting,succeeded,failed,cancelled,timed_out,crashed}'::text[]))),
    CONSTRAINT executions_trigger_type_known CHECK ((trigger_type = ANY (ARRAY['webhook'::text, 'schedule'::text, 'event'::text, 'manual'::text, 'retry'::text]))),
    CONSTRAINT executions_version_positive CHECK ((version > 0))
)
WITH (fillfactor='50');
ALTER TABLE ONLY app_partitions.executions_default ALTER COLUMN input SET COMPRESSION lz4;
ALTER TABLE ONLY app_partitions.executions_default ALTER COLUMN output SET COMPRESSION lz4;

-- Name: archive_batch_search_stats; Type: TABLE; Schema: app_private; Owner: -

CREATE TABLE app_private.archive_batch_search_stats (
    team_id uuid NOT NULL,
    batch_id uuid NOT NULL,
    workflow_ids uuid[] NOT NULL,
    states text[] NOT NULL,
    trigger_types text[] NOT NULL,
    min_attempt integer NOT NULL,
    max_attempt integer NOT NULL,
    min_duration_ms bigint,
    max_duration_ms bigint,
    term_count integer NOT NULL,
    bloom bytea NOT NULL
);

-- Name: TABLE archive_batch_search_stats; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON TABLE app_private.archive_batch_search_stats IS 'What a search needs to skip an archive file: the batch''s workflows, states, trigger types, attempt and duration ranges, and a bloom filter of its JSON paths/values (input, output, error) and error-text trigrams. Written from the hot rows when the batch is planned (archived executions are immutable). Batches without a row are always read. Labels are not here: they stay in app_public.execution_labels and are matched exactly.';

-- Name: archive_batches; Type: TABLE; Schema: app_private; Owner: -

CREATE TABLE app_private.archive_batches (
    id uuid DEFAULT app_public.uuid_generate_v7() NOT NULL,
    team_id uuid NOT NULL,
    day date NOT NULL,
    batch_no integer NOT NULL,
    key text NOT NULL,
    generation integer DEFAULT 0 NOT NULL,
    state text DEFAULT 'planned'::text NOT NULL,
    min_created_at timestamp with time zone NOT NULL,
    max_created_at timestamp with time zone NOT NULL,
    row_count integer NOT NULL,
    transition_count integer,
    node_run_count integer,
    pg_bytes bigint,
    bytes bigint,
    sha256 text,
    encrypted boolean DEFAULT false NOT NULL,
    actor_ids uuid[] DEFAULT '{}'::uuid[] NOT NULL,
    planned_at timestamp with time zone DEFAULT now() NOT NULL,
    uploaded_at timestamp with time zone,
    verified_at timestamp with time zone,
    deleted_at timestamp with time zone,
    restored_at timestamp with time zone,
    expired_at timestamp with time zone,
    erased_at timestamp with time zone,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT archive_batches_batch_no_positive CHECK ((batch_no >= 1)),
    CONSTRAINT archive_batches_generation_non_negative CHECK ((generation >= 0)),
    CONSTRAINT archive_batches_row_count_positive CHECK ((row_count >= 1)),
    CONSTRAINT archive_batches_sha256_shape CHECK ((sha256 ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT archive_batches_state_known CHECK ((state = ANY (ARRAY['planned'::text, 'uploaded'::text, 'verified'::text, 'deleted'::text, 'restored'::text, 'expired'::text, 'erased'::text]))),
    CONSTRAINT archive_batches_time_range CHECK ((max_created_at >= min_created_at)),
    CONSTRAINT archive_batches_uploaded_has_file CHECK (((state <> ALL (ARRAY['uploaded'::text, 'verified'::text, 'deleted'::text])) OR ((bytes IS NOT NULL) AND (sha256 IS NOT NULL))))
);

-- Name: TABLE archive_batches; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON TABLE app_private.archive_batches IS 'The archive manifest: one row per batch file (key, team, day, time range, row counts, bytes, sha256, PostgreSQL bytes of the same rows). state is the crash-safe state machine planned -> uploaded -> verified -> deleted (hot rows gone: served from cold), then restored / expired (file deleted, entry kept) / erased. team_id has no foreign key: manifest entries outlive teams.';

-- Name: archive_object_deletions; Type: TABLE; Schema: app_private; Owner: -

CREATE TABLE app_private.archive_object_deletions (
    key text NOT NULL,
    reason text NOT NULL,
    enqueued_at timestamp with time zone DEFAULT now() NOT NULL
);

-- Name: TABLE archive_object_deletions; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON TABLE app_private.archive_object_deletions IS 'Objects to delete from the archive store (expired, restored, erased or superseded files). Enqueued in the transaction that changes the manifest, deleted afterwards: a crash in between leaves the key here, never an orphan.';

-- Name: archive_restored_executions; Type: TABLE; Schema: app_private; Owner: -

CREATE TABLE app_private.archive_restored_executions (
    execution_id uuid NOT NULL,
    batch_id uuid NOT NULL,
    keep_until timestamp with time zone NOT NULL
);

-- Name: TABLE archive_restored_executions; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON TABLE app_private.archive_restored_executions IS 'Executions restored from a batch into the hot tables: the archiver leaves them hot until keep_until.';

-- Name: archive_retention; Type: TABLE; Schema: app_private; Owner: -

CREATE TABLE app_private.archive_retention (
    team_id uuid NOT NULL,
    hot_days integer,
    cold_days integer,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT archive_retention_cold_days_range CHECK (((cold_days >= 1) AND (cold_days <= 36500))),
    CONSTRAINT archive_retention_hot_days_range CHECK (((hot_days >= 1) AND (hot_days <= 3650)))
);

-- Name: TABLE archive_retention; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON TABLE app_private.archive_retention IS 'Per-team override of the archive retentions: hot_days (how long terminal executions stay in the hot tables, default 30) and cold_days (how long archive files are kept, default 365). Null means the default.';

-- Name: archived_executions; Type: TABLE; Schema: app_private; Owner: -

CREATE TABLE app_private.archived_executions (
    execution_id uuid NOT NULL,
    created_at timestamp with time zone NOT NULL,
    batch_id uuid NOT NULL,
    row_no integer NOT NULL,
    team_id uuid NOT NULL,
    workflow_id uuid NOT NULL,
    state text NOT NULL,
    CONSTRAINT archived_executions_row_no_non_negative CHECK ((row_no >= 0))
);

-- Name: TABLE archived_executions; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON TABLE app_private.archived_executions IS 'Index from an archived execution id to its batch and row (rows are written newest first), with the columns list queries filter on so hot+cold queries page keys in SQL and read only the needed rows of the needed files.';

-- Name: auth_settings; Type: TABLE; Schema: app_private; Owner: -

CREATE TABLE app_private.auth_settings (
    id boolean DEFAULT true NOT NULL,
    jwt_secret text,
    jwt_issuer text,
    jwt_audience text,
    token_ttl interval DEFAULT '01:00:00'::interval NOT NULL,
    bcrypt_cost integer DEFAULT 10 NOT NULL,
    restore_window interval DEFAULT '30 days'::interval NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT auth_settings_bcrypt_cost_range CHECK (((bcrypt_cost >= 4) AND (bcrypt_cost <= 15))),
    CONSTRAINT auth_settings_jwt_secret_length CHECK (((jwt_secret IS NULL) OR (char_length(jwt_secret) >= 32))),
    CONSTRAINT auth_settings_restore_window_positive CHECK ((restore_window > '00:00:00'::interval)),
    CONSTRAINT auth_settings_singleton CHECK (id),
    CONSTRAINT auth_settings_token_ttl_positive CHECK ((token_ttl > '00:00:00'::interval))
);

-- Name: TABLE auth_settings; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON TABLE app_private.auth_settings IS 'One row: the JWT signing secret (HS256, the same JWT_SECRET the server verifies with), issuer, audience, token lifetime, bcrypt cost and the soft-delete restore window. Owner only; written at start by configure_auth().';

-- Name: backups; Type: TABLE; Schema: app_private; Owner: -

CREATE TABLE app_private.backups (
    id uuid DEFAULT app_public.uuid_generate_v7() NOT NULL,
    database_name text NOT NULL,
    format text NOT NULL,
    storage_name text NOT NULL,
    storage_key text NOT NULL,
    started_at timestamp with time zone DEFAULT now() NOT NULL,
    finished_at timestamp with time zone,
    duration_ms bigint,
    size_bytes bigint,
    sha256 text,
    server_version text,
    outcome text DEFAULT 'running'::text NOT NULL,
    error text,
    replica_storage_name text,
    replica_verified_at timestamp with time zone,
    deleted_at timestamp with time zone,
    CONSTRAINT backups_duration_non_negative CHECK ((duration_ms >= 0)),
    CONSTRAINT backups_finished_when_done CHECK (((outcome = 'running'::text) = (finished_at IS NULL))),
    CONSTRAINT backups_format_check CHECK ((format = ANY (ARRAY['custom'::text, 'directory'::text]))),
    CONSTRAINT backups_outcome_check CHECK ((outcome = ANY (ARRAY['running'::text, 'succeeded'::text, 'failed'::text]))),
    CONSTRAINT backups_sha256_hex CHECK ((sha256 ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT backups_size_non_negative CHECK ((size_bytes >= 0))
);

-- Name: TABLE backups; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON TABLE app_private.backups IS 'Catalog of logical backups (pg_dump): where each lives (storage name and the manifest key), its size, the sha256 of its manifest (which lists the sha256 of every dump file), duration, server version and outcome; replica_* record the verified copy on the second (cross-region) storage target; deleted_at is set when retention removed its objects.';

-- Name: restore_tests; Type: TABLE; Schema: app_private; Owner: -

CREATE TABLE app_private.restore_tests (
    id uuid DEFAULT app_public.uuid_generate_v7() NOT NULL,
    backup_id uuid,
    scratch_database text NOT NULL,
    started_at timestamp with time zone DEFAULT now() NOT NULL,
    finished_at timestamp with time zone,
    restore_duration_ms bigint,
    tables_checked integer DEFAULT 0 NOT NULL,
    mismatches jsonb DEFAULT '[]'::jsonb NOT NULL,
    amcheck text DEFAULT 'not_run'::text NOT NULL,
    outcome text DEFAULT 'running'::text NOT NULL,
    error text,
    CONSTRAINT restore_tests_amcheck_check CHECK ((amcheck = ANY (ARRAY['passed'::text, 'failed'::text, 'unavailable'::text, 'not_run'::text]))),
    CONSTRAINT restore_tests_mismatches_array CHECK ((jsonb_typeof(mismatches) = 'array'::text)),
    CONSTRAINT restore_tests_outcome_check CHECK ((outcome = ANY (ARRAY['running'::text, 'succeeded'::text, 'failed'::text]))),
    CONSTRAINT restore_tests_restore_duration_non_negative CHECK ((restore_duration_ms >= 0))
);

-- Name: TABLE restore_tests; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON TABLE app_private.restore_tests IS 'Automated restore tests: the backup restored into a scratch database, its restore duration, the tables whose row count or checksum differed from the catalog, the pg_amcheck result and the outcome.';

-- Name: backup_metrics; Type: VIEW; Schema: app_private; Owner: -

CREATE VIEW app_private.backup_metrics AS
 WITH last_ok AS (
         SELECT backups.id,
            backups.database_name,
            backups.format,
            backups.storage_name,
            backups.storage_key,
            backups.started_at,
            backups.finished_at,
            backups.duration_ms,
            backups.size_bytes,
            backups.sha256,
            backups.server_version,
            backups.outcome,
            backups.error,
            backups.replica_storage_name,
            backups.replica_verified_at,
            backups.deleted_at
           FROM app_private.backups
          WHERE (backups.outcome = 'succeeded'::text)
          ORDER BY backups.started_at DESC
         LIMIT 1
        ), last_done AS (
         SELECT backups.id,
            backups.database_name,
            backups.format,
            backups.storage_name,
            backups.storage_key,
            backups.started_at,
            backups.finished_at,
            backups.duration_ms,
            backups.size_bytes,
            backups.sha256,
            backups.server_version,
            backups.outcome,
            backups.error,
            backups.replica_storage_name,
            backups.replica_verified_at,
            backups.deleted_at
           FROM app_private.backups
          WHERE (backups.outcome <> 'running'::text)
          ORDER BY backups.started_at DESC
         LIMIT 1
        ), last_test_ok AS (
         SELECT restore_tests.id,
            restore_tests.backup_id,
            restore_tests.scratch_database,
            restore_tests.started_at,
            restore_tests.finished_at,
            restore_tests.restore_duration_ms,
            restore_tests.tables_checked,
            restore_tests.mismatches,
            restore_tests.amcheck,
            restore_tests.outcome,
            restore_tests.error
           FROM app_private.restore_tests
          WHERE (restore_tests.outcome = 'succeeded'::text)
          ORDER BY restore_tests.started_at DESC
         LIMIT 1
        ), last_test AS (
         SELECT restore_tests.id,
            restore_tests.backup_id,
            restore_tests.scratch_database,
            restore_tests.started_at,
            restore_tests.finished_at,
            restore_tests.restore_duration_ms,
            restore_tests.tables_checked,
            restore_tests.mismatches,
            restore_tests.amcheck,
            restore_tests.outcome,
            restore_tests.error
           FROM app_private.restore_tests
          WHERE (restore_tests.outcome <> 'running'::text)
          ORDER BY restore_tests.started_at DESC
         LIMIT 1
        )
 SELECT m.metric,
    m.help,
    (m.value)::double precision AS value
   FROM ( SELECT 'linkflow_backup_last_success_timestamp_seconds'::text AS metric,
            'Unix time of the last successful logical backup (0: never).'::text AS help,
            COALESCE(( SELECT EXTRACT(epoch FROM last_ok.finished_at) AS "extract"
                   FROM last_ok), (0)::numeric) AS value
        UNION ALL
         SELECT 'linkflow_backup_last_duration_seconds'::text,
            'Duration of the last successful logical backup.'::text,
            COALESCE(( SELECT ((last_ok.duration_ms)::numeric / 1000.0)
                   FROM last_ok), (0)::numeric) AS "coalesce"
        UNION ALL
         SELECT 'linkflow_backup_last_size_bytes'::text,
            'Size of the last successful logical backup in storage.'::text,
            COALESCE(( SELECT last_ok.size_bytes
                   FROM last_ok), (0)::bigint) AS "coalesce"
        UNION ALL
         SELECT 'linkflow_backup_last_outcome'::text,
            'Outcome of the last finished backup (1 succeeded, 0 failed or none).'::text,
            COALESCE(( SELECT
                        CASE
                            WHEN (last_done.outcome = 'succeeded'::text) THEN 1
                            ELSE 0
                        END AS "case"
                   FROM last_done), 0) AS "coalesce"
        UNION ALL
         SELECT 'linkflow_backup_failures_24h'::text,
            'Backups that failed in the last 24 hours.'::text,
            ( SELECT count(*) AS count
                   FROM app_private.backups
                  WHERE ((backups.outcome = 'failed'::text) AND (backups.started_at > (now() - '24:00:00'::interval)))) AS count
        UNION ALL
         SELECT 'linkflow_backup_replica_last_verified_timestamp_seconds'::text,
            'Unix time the last backup copy on the second storage target was verified by sha256 (0: never).'::text,
            COALESCE(( SELECT EXTRACT(epoch FROM max(backups.replica_verified_at)) AS "extract"
                   FROM app_private.backups), (0)::numeric) AS "coalesce"
        UNION ALL
         SELECT 'linkflow_restore_test_last_success_timestamp_seconds'::text,
            'Unix time of the last successful automated restore test (0: never).'::text,
            COALESCE(( SELECT EXTRACT(epoch FROM last_test_ok.finished_at) AS "extract"
                   FROM last_test_ok), (0)::numeric) AS "coalesce"
        UNION ALL
         SELECT 'linkflow_restore_test_last_duration_seconds'::text,
            'Restore duration measured by the last successful restore test (the RTO of a logical restore).'::text,
            COALESCE(( SELECT ((last_test_ok.restore_duration_ms)::numeric / 1000.0)
                   FROM last_test_ok), (0)::numeric) AS "coalesce"
        UNION ALL
         SELECT 'linkflow_restore_test_last_outcome'::text,
            'Outcome of the last finished restore test (1 succeeded, 0 failed or none).'::text,
            COALESCE(( SELECT
                        CASE
                            WHEN (last_test.outcome = 'succeeded'::text) THEN 1
                            ELSE 0
                        END AS "case"
                   FROM last_test), 0) AS "coalesce") m;

-- Name: VIEW backup_metrics; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON VIEW app_private.backup_metrics IS 'Backup and restore-test health as (metric, help, value) rows in Prometheus naming, for the monitoring capability to export as gauges and alert on.';

-- Name: backup_table_stats; Type: TABLE; Schema: app_private; Owner: -

CREATE TABLE app_private.backup_table_stats (
    backup_id uuid NOT NULL,
    table_name text NOT NULL,
    row_count bigint NOT NULL,
    checksum text NOT NULL,
    CONSTRAINT backup_table_stats_row_count_non_negative CHECK ((row_count >= 0))
);

-- Name: TABLE backup_table_stats; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON TABLE app_private.backup_table_stats IS 'Per-table row count and content checksum taken in the same snapshot as the backup''s pg_dump; restores and restore tests compare against them.';

-- Name: event_personal_data_fields; Type: TABLE; Schema: app_private; Owner: -

CREATE TABLE app_private.event_personal_data_fields (
    event_type text NOT NULL,
    field text NOT NULL,
    CONSTRAINT event_personal_data_fields_field_length CHECK (((char_length(field) >= 1) AND (char_length(field) <= 200))),
    CONSTRAINT event_personal_data_fields_type_length CHECK (((char_length(event_type) >= 1) AND (char_length(event_type) <= 200)))
);

-- Name: TABLE event_personal_data_fields; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON TABLE app_private.event_personal_data_fields IS 'Top-level data keys that hold personal data, per event type ("*" = every type): erasure replaces their values.';

-- Name: event_store_horizon_metrics; Type: VIEW; Schema: app_private; Owner: -

CREATE VIEW app_private.event_store_horizon_metrics AS
 SELECT (h.snapshot_xmin)::text AS snapshot_xmin,
    h.oldest_running_xid_age,
    h.oldest_writer_seconds,
    h.oldest_writer_pid
   FROM app_private.event_store_horizon() h(snapshot_xmin, next_xid, oldest_running_xid_age, oldest_writer_seconds, oldest_writer_pid);

-- Name: VIEW event_store_horizon_metrics; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON VIEW app_private.event_store_horizon_metrics IS 'One row: app_private.event_store_horizon() for metric scrapers (oldest running xid age).';

-- Name: event_xid_rebases; Type: TABLE; Schema: app_private; Owner: -

CREATE TABLE app_private.event_xid_rebases (
    id bigint NOT NULL,
    rebased_at timestamp with time zone DEFAULT now() NOT NULL,
    events_rewritten bigint NOT NULL,
    previous_max_transaction_id xid8 NOT NULL,
    cluster_xmin xid8 NOT NULL,
    checkpoints jsonb DEFAULT '[]'::jsonb NOT NULL
);

-- Name: TABLE event_xid_rebases; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON TABLE app_private.event_xid_rebases IS 'Audit of event-store xid re-basings run after restoring a logical backup into a cluster whose transaction ids are behind the restored events.';

-- Name: event_xid_rebases_id_seq; Type: SEQUENCE; Schema: app_private; Owner: -

ALTER TABLE app_private.event_xid_rebases ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME app_private.event_xid_rebases_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: execution_idempotency_keys; Type: TABLE; Schema: app_private; Owner: -

CREATE TABLE app_private.execution_idempotency_keys (
    team_id uuid NOT NULL,
    key text NOT NULL,
    workflow_id uuid NOT NULL,
    execution_id uuid NOT NULL,
    execution_created_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT execution_idempotency_keys_key_length CHECK (((char_length(key) >= 1) AND (char_length(key) <= 200)))
);

-- Name: TABLE execution_idempotency_keys; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON TABLE app_private.execution_idempotency_keys IS 'start_execution idempotency: (team, key) -> the execution it started. Unique constraints on partitioned executions would have to include created_at, so the key lives here. Kept idempotency_key_retention_days (execution_settings), then pruned by the execution_metrics_retention task. No foreign key to executions so archival may detach partitions freely.';

-- Name: execution_settings; Type: TABLE; Schema: app_private; Owner: -

CREATE TABLE app_private.execution_settings (
    id boolean DEFAULT true NOT NULL,
    node_output_max_bytes integer DEFAULT 1048576 NOT NULL,
    raw_sample_retention_days integer DEFAULT 7 NOT NULL,
    minute_rollup_retention_days integer DEFAULT 14 NOT NULL,
    hour_rollup_retention_days integer DEFAULT 400 NOT NULL,
    idempotency_key_retention_days integer DEFAULT 30 NOT NULL,
    CONSTRAINT execution_settings_hour_rollup_retention_days_range CHECK (((hour_rollup_retention_days >= 1) AND (hour_rollup_retention_days <= 36600))),
    CONSTRAINT execution_settings_idempotency_key_retention_days_range CHECK (((idempotency_key_retention_days >= 1) AND (idempotency_key_retention_days <= 36600))),
    CONSTRAINT execution_settings_minute_rollup_retention_days_range CHECK (((minute_rollup_retention_days >= 1) AND (minute_rollup_retention_days <= 3660))),
    CONSTRAINT execution_settings_node_output_max_bytes_range CHECK (((node_output_max_bytes >= 1) AND (node_output_max_bytes <= 268435456))),
    CONSTRAINT execution_settings_raw_sample_retention_days_range CHECK (((raw_sample_retention_days >= 1) AND (raw_sample_retention_days <= 3660))),
    CONSTRAINT execution_settings_singleton CHECK (id)
);

-- Name: TABLE execution_settings; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON TABLE app_private.execution_settings IS 'Singleton row of execution limits and retention: node output size limit (bytes of JSON text), raw metric sample retention, minute/hour rollup retention, idempotency key retention (days).';

-- Name: legal_holds; Type: TABLE; Schema: app_private; Owner: -

CREATE TABLE app_private.legal_holds (
    id uuid DEFAULT app_public.uuid_generate_v7() NOT NULL,
    team_id uuid NOT NULL,
    workflow_id uuid,
    execution_id uuid,
    reason text NOT NULL,
    created_by uuid,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    released_at timestamp with time zone,
    CONSTRAINT legal_holds_one_scope CHECK (((workflow_id IS NULL) OR (execution_id IS NULL))),
    CONSTRAINT legal_holds_reason_length CHECK (((char_length(reason) >= 1) AND (char_length(reason) <= 2000))),
    CONSTRAINT legal_holds_released_after_created CHECK (((released_at IS NULL) OR (released_at >= created_at)))
);

-- Name: TABLE legal_holds; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON TABLE app_private.legal_holds IS 'Legal holds: on a whole team (workflow_id and execution_id null), one workflow or one execution. An active hold (released_at null) blocks archiving, hot deletion, cold expiry and erasure of the covered executions. workflow_id, execution_id and created_by are audit values without foreign keys: a hold outlives what it names.';

-- Name: lifecycle_settings; Type: TABLE; Schema: app_private; Owner: -

CREATE TABLE app_private.lifecycle_settings (
    id boolean DEFAULT true NOT NULL,
    default_hot_days integer,
    default_cold_days integer,
    budget_shards integer DEFAULT 16 NOT NULL,
    CONSTRAINT lifecycle_settings_budget_shards_range CHECK (((budget_shards >= 1) AND (budget_shards <= 256))),
    CONSTRAINT lifecycle_settings_cold_days_range CHECK (((default_cold_days >= 1) AND (default_cold_days <= 36500))),
    CONSTRAINT lifecycle_settings_hot_days_range CHECK (((default_hot_days >= 1) AND (default_hot_days <= 3650))),
    CONSTRAINT lifecycle_settings_one_row CHECK (id)
);

-- Name: TABLE lifecycle_settings; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON TABLE app_private.lifecycle_settings IS 'One row. default_hot_days / default_cold_days: the retention of executions no policy covers (null: the archiver''s ARCHIVE_HOT_DAYS / ARCHIVE_COLD_DAYS, and 30 / 365 in retention_plan). budget_shards: allotment shards per team and month (exact budgets without one hot row).';

-- Name: partitioned_tables; Type: TABLE; Schema: app_private; Owner: -

CREATE TABLE app_private.partitioned_tables (
    parent regclass NOT NULL,
    granularity interval DEFAULT '1 day'::interval NOT NULL,
    premake_days integer DEFAULT 7 NOT NULL,
    fillfactor integer,
    CONSTRAINT partitioned_tables_fillfactor_range CHECK (((fillfactor >= 10) AND (fillfactor <= 100))),
    CONSTRAINT partitioned_tables_granularity_day CHECK ((granularity = '1 day'::interval)),
    CONSTRAINT partitioned_tables_premake_range CHECK (((premake_days >= 1) AND (premake_days <= 366)))
);

-- Name: TABLE partitioned_tables; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON TABLE app_private.partitioned_tables IS 'Parents whose daily partitions app_private.ensure_partitions() keeps created ahead.';

-- Name: COLUMN partitioned_tables.fillfactor; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON COLUMN app_private.partitioned_tables.fillfactor IS 'Fillfactor of new partitions (null: the default, 100). Updated-in-place tables keep room for heap-only (HOT) updates.';

-- Name: projection_checkpoints; Type: TABLE; Schema: app_private; Owner: -

CREATE TABLE app_private.projection_checkpoints (
    name text NOT NULL,
    transaction_id xid8 DEFAULT '0'::xid8 NOT NULL,
    global_position bigint DEFAULT 0 NOT NULL,
    events_processed bigint DEFAULT 0 NOT NULL,
    last_event_at timestamp with time zone,
    rebuilt_at timestamp with time zone,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT projection_checkpoints_name_shape CHECK ((name ~ '^[a-z][a-z0-9_]{0,62}$'::text))
);

-- Name: TABLE projection_checkpoints; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON TABLE app_private.projection_checkpoints IS 'Where each projection is in the global event order: the (transaction_id, global_position) of the last event it applied. Moved in the same transaction as the read-model writes.';

-- Name: projection_dead_letters; Type: TABLE; Schema: app_private; Owner: -

CREATE TABLE app_private.projection_dead_letters (
    id bigint NOT NULL,
    projection text NOT NULL,
    global_position bigint NOT NULL,
    transaction_id xid8 NOT NULL,
    event_id uuid NOT NULL,
    stream_id text NOT NULL,
    type text NOT NULL,
    error text NOT NULL,
    sqlstate text,
    attempts integer DEFAULT 1 NOT NULL,
    first_failed_at timestamp with time zone DEFAULT now() NOT NULL,
    last_failed_at timestamp with time zone DEFAULT now() NOT NULL
);

-- Name: TABLE projection_dead_letters; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON TABLE app_private.projection_dead_letters IS 'Events a projection could not apply (poison events) with the error; the projection skipped them and kept going. Replay by rebuilding after a fix.';

-- Name: projection_dead_letters_id_seq; Type: SEQUENCE; Schema: app_private; Owner: -

ALTER TABLE app_private.projection_dead_letters ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME app_private.projection_dead_letters_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: projection_lag_metrics; Type: VIEW; Schema: app_private; Owner: -

CREATE VIEW app_private.projection_lag_metrics AS
 SELECT projection_lag.projection,
    projection_lag.events_behind,
    projection_lag.lag_seconds,
    projection_lag.events_processed,
    projection_lag.last_event_at,
    projection_lag.checkpoint_updated_at,
    projection_lag.rebuilding,
    projection_lag.dead_letters
   FROM app_private.projection_lag() projection_lag(projection, events_behind, lag_seconds, events_processed, last_event_at, checkpoint_updated_at, rebuilding, dead_letters);

-- Name: VIEW projection_lag_metrics; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON VIEW app_private.projection_lag_metrics IS 'app_private.projection_lag() as a view (per-projection lag in events and seconds).';

-- Name: projection_rebuilds; Type: TABLE; Schema: app_private; Owner: -

CREATE TABLE app_private.projection_rebuilds (
    name text NOT NULL,
    transaction_id xid8 DEFAULT '0'::xid8 NOT NULL,
    global_position bigint DEFAULT 0 NOT NULL,
    events_processed bigint DEFAULT 0 NOT NULL,
    last_event_at timestamp with time zone,
    started_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT projection_rebuilds_name_shape CHECK ((name ~ '^[a-z][a-z0-9_]{0,62}$'::text))
);

-- Name: TABLE projection_rebuilds; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON TABLE app_private.projection_rebuilds IS 'The checkpoint of a rebuild in progress (blue/green): the projection replays into its shadow tables; on swap this becomes the live checkpoint and the row goes away.';

-- Name: team_activity__shadow; Type: TABLE; Schema: app_private; Owner: -

CREATE TABLE app_private.team_activity__shadow (
    id bigint NOT NULL,
    team_id uuid NOT NULL,
    occurred_at timestamp with time zone NOT NULL,
    event_id uuid NOT NULL,
    event_type text NOT NULL,
    stream_id text NOT NULL,
    subject_id uuid,
    workflow_id uuid,
    actor_id uuid,
    summary text NOT NULL
);

-- Name: TABLE team_activity__shadow; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON TABLE app_private.team_activity__shadow IS '@behavior -insert -update -delete
Read model (projection team_activity): the team''s activity feed, one row per workflow or execution event (id is the event''s global position). Built from events.';

-- Name: team_budget_slots; Type: TABLE; Schema: app_private; Owner: -

CREATE TABLE app_private.team_budget_slots (
    team_id uuid NOT NULL,
    month date NOT NULL,
    shard integer NOT NULL,
    allot integer NOT NULL,
    used integer DEFAULT 0 NOT NULL,
    CONSTRAINT team_budget_slots_allot_non_negative CHECK ((allot >= 0)),
    CONSTRAINT team_budget_slots_used_non_negative CHECK ((used >= 0))
);

-- Name: TABLE team_budget_slots; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON TABLE app_private.team_budget_slots IS 'Exact budget enforcement without one hot row: a team''s monthly budget is split into budget_shards allotments (sum of allot = the budget). A start takes one unit from a shard with room (its preferred shard by backend pid first, then the others, each re-checked under its row lock), so concurrent starters mostly lock different rows, and the sum of used never exceeds the budget; a start is refused only when every shard is full.';

-- Name: team_budget_warnings; Type: TABLE; Schema: app_private; Owner: -

CREATE TABLE app_private.team_budget_warnings (
    team_id uuid NOT NULL,
    month date NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

-- Name: TABLE team_budget_warnings; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON TABLE app_private.team_budget_warnings IS 'The month in which a team''s budget warning was emitted (one BudgetThresholdReached event per team and month).';

-- Name: top_statements; Type: VIEW; Schema: app_private; Owner: -

CREATE VIEW app_private.top_statements AS
 SELECT pg_stat_statements_top.queryid,
    pg_stat_statements_top.query,
    pg_stat_statements_top.calls,
    pg_stat_statements_top.total_exec_ms,
    pg_stat_statements_top.mean_exec_ms,
    pg_stat_statements_top.rows,
    pg_stat_statements_top.shared_blks_hit,
    pg_stat_statements_top.shared_blks_read,
    pg_stat_statements_top.rank_by
   FROM app_private.pg_stat_statements_top(20, 'total'::text) pg_stat_statements_top(queryid, query, calls, total_exec_ms, mean_exec_ms, rows, shared_blks_hit, shared_blks_read, rank_by)
UNION ALL
 SELECT pg_stat_statements_top.queryid,
    pg_stat_statements_top.query,
    pg_stat_statements_top.calls,
    pg_stat_statements_top.total_exec_ms,
    pg_stat_statements_top.mean_exec_ms,
    pg_stat_statements_top.rows,
    pg_stat_statements_top.shared_blks_hit,
    pg_stat_statements_top.shared_blks_read,
    pg_stat_statements_top.rank_by
   FROM app_private.pg_stat_statements_top(20, 'mean'::text) pg_stat_statements_top(queryid, query, calls, total_exec_ms, mean_exec_ms, rows, shared_blks_hit, shared_blks_read, rank_by);

-- Name: VIEW top_statements; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON VIEW app_private.top_statements IS 'Admin only (owner; not granted to the visitor): the 20 statements with the most total and the 20 with the highest mean execution time, from pg_stat_statements (rank_by says which list). Empty, with a NOTICE, when pg_stat_statements is absent.';

-- Name: user_secrets; Type: TABLE; Schema: app_private; Owner: -

CREATE TABLE app_private.user_secrets (
    user_id uuid NOT NULL,
    password_hash text,
    password_changed_at timestamp with time zone
);

-- Name: TABLE user_secrets; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON TABLE app_private.user_secrets IS 'Secrets of a user, kept out of every exposed schema. password_hash is null for users who sign in another way.';

-- Name: workflow_execution_daily_stats__shadow; Type: TABLE; Schema: app_private; Owner: -

CREATE TABLE app_private.workflow_execution_daily_stats__shadow (
    workflow_id uuid NOT NULL,
    day date NOT NULL,
    team_id uuid NOT NULL,
    created_count bigint DEFAULT 0 NOT NULL,
    succeeded_count bigint DEFAULT 0 NOT NULL,
    failed_count bigint DEFAULT 0 NOT NULL,
    cancelled_count bigint DEFAULT 0 NOT NULL,
    finished_count bigint DEFAULT 0 NOT NULL,
    total_duration_ms bigint DEFAULT 0 NOT NULL,
    max_duration_ms bigint,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

-- Name: TABLE workflow_execution_daily_stats__shadow; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON TABLE app_private.workflow_execution_daily_stats__shadow IS '@behavior -insert -update -delete
Read model (projection execution_daily_stats): per workflow and UTC day, executions created that day and executions finished that day by outcome, with their total and maximum duration. Built from events.';

-- Name: workflow_graph_documents; Type: TABLE; Schema: app_private; Owner: -

CREATE TABLE app_private.workflow_graph_documents (
    workflow_id uuid NOT NULL,
    built_at timestamp with time zone DEFAULT now() NOT NULL,
    document json NOT NULL,
    head_length integer NOT NULL,
    workflow_updated_at timestamp with time zone NOT NULL
);
ALTER TABLE ONLY app_private.workflow_graph_documents ALTER COLUMN document SET COMPRESSION lz4;

-- Name: TABLE workflow_graph_documents; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON TABLE app_private.workflow_graph_documents IS 'The GetWithNodes document of each workflow, whole ({workflow, nodes, connections with node names, triggers} as JSON text), written by the workflow functions in the same pass as the graph (from the normalized snapshot, not re-read) and served as stored while workflow_updated_at equals the workflow row''s updated_at. Statement triggers on the graph tables delete it on any other change to the graph; a status change rewrites only its workflow part (head_length: the length of that part).';

-- Name: COLUMN workflow_graph_documents.head_length; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON COLUMN app_private.workflow_graph_documents.head_length IS 'Characters of the document''s workflow part: the graph part starts at head_length + 15 (after {"workflow" : <head>), so a change of the workflow row alone splices a new head onto the stored graph text.';

-- Name: workflow_list__shadow; Type: TABLE; Schema: app_private; Owner: -

CREATE TABLE app_private.workflow_list__shadow (
    workflow_id uuid NOT NULL,
    team_id uuid NOT NULL,
    name text,
    status text,
    version integer,
    stream_version bigint DEFAULT 0 NOT NULL,
    execution_count bigint DEFAULT 0 NOT NULL,
    succeeded_count bigint DEFAULT 0 NOT NULL,
    failed_count bigint DEFAULT 0 NOT NULL,
    cancelled_count bigint DEFAULT 0 NOT NULL,
    success_rate numeric GENERATED ALWAYS AS (
CASE
    WHEN ((succeeded_count + failed_count) > 0) THEN round(((succeeded_count)::numeric / ((succeeded_count + failed_count))::numeric), 4)
    ELSE NULL::numeric
END) STORED,
    last_execution_id uuid,
    last_execution_state text,
    last_execution_at timestamp with time zone,
    last_execution_seq integer DEFAULT 0 NOT NULL,
    created_at timestamp with time zone,
    updated_at timestamp with time zone
);

-- Name: TABLE workflow_list__shadow; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON TABLE app_private.workflow_list__shadow IS '@behavior -insert -update -delete
Read model (projection workflow_list): one row per workflow with its name, status and version, the last execution''s state and execution counts; success_rate = succeeded / (succeeded + failed, timed out or crashed). Built from events; eventually consistent.';

-- Name: COLUMN workflow_list__shadow.stream_version; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON COLUMN app_private.workflow_list__shadow.stream_version IS 'The workflow stream version last applied (guards against reordered events).';

-- Name: workflow_settings; Type: TABLE; Schema: app_private; Owner: -

CREATE TABLE app_private.workflow_settings (
    id boolean DEFAULT true NOT NULL,
    max_nodes integer DEFAULT 1000 NOT NULL,
    max_definition_bytes integer DEFAULT 5242880 NOT NULL,
    retention_keep_last integer,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT workflow_settings_max_definition_bytes_range CHECK (((max_definition_bytes >= 1024) AND (max_definition_bytes <= 1073741823))),
    CONSTRAINT workflow_settings_max_nodes_range CHECK (((max_nodes >= 1) AND (max_nodes <= 100000))),
    CONSTRAINT workflow_settings_retention_keep_last_range CHECK (((retention_keep_last IS NULL) OR (retention_keep_last >= 1))),
    CONSTRAINT workflow_settings_singleton CHECK (id)
);

-- Name: TABLE workflow_settings; Type: COMMENT; Schema: app_private; Owner: -

COMMENT ON TABLE app_private.workflow_settings IS 'Workflow limits and version retention (a single row). max_nodes and max_definition_bytes (of the definition as JSON text) bound every create/save; retention_keep_last null keeps every version, n keeps the last n plus every version that was ever active or is pinned by an execution.';

-- Name: error_codes; Type: TABLE; Schema: app_public; Owner: -

CREATE TABLE app_public.error_codes (
    code text NOT NULL,
    name text NOT NULL,
    description text NOT NULL,
    CONSTRAINT error_codes_code_shape CHECK ((code ~ '^[0-9A-Z]{5}$'::text))
);

-- Name: TABLE error_codes; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON TABLE app_public.error_codes IS 'Catalogue of every SQLSTATE the SQL API can raise to a caller: the custom LF* codes and the standard PostgreSQL codes that reach callers (constraints, casts, locks, timeouts, lost connections). Clients map them to typed errors (src/db/errors.ts; the typed error names its code).';

-- Name: event_snapshots; Type: TABLE; Schema: app_public; Owner: -

CREATE TABLE app_public.event_snapshots (
    stream_id text NOT NULL,
    version bigint NOT NULL,
    state jsonb NOT NULL,
    schema_version integer DEFAULT 1 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT event_snapshots_schema_version_positive CHECK ((schema_version >= 1)),
    CONSTRAINT event_snapshots_version_positive CHECK ((version >= 1))
);

-- Name: TABLE event_snapshots; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON TABLE app_public.event_snapshots IS 'Aggregate state snapshots at a stream version, so loading reads the latest snapshot plus later events.';

-- Name: event_streams; Type: TABLE; Schema: app_public; Owner: -

CREATE TABLE app_public.event_streams (
    id text NOT NULL,
    type text NOT NULL,
    team_id uuid,
    version bigint DEFAULT 0 NOT NULL,
    archived boolean DEFAULT false NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT event_streams_id_length CHECK (((char_length(id) >= 1) AND (char_length(id) <= 300))),
    CONSTRAINT event_streams_type_length CHECK (((char_length(type) >= 1) AND (char_length(type) <= 100))),
    CONSTRAINT event_streams_version_non_negative CHECK ((version >= 0))
)
WITH (fillfactor='70');

-- Name: TABLE event_streams; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON TABLE app_public.event_streams IS 'An event stream (one per aggregate, e.g. ''workflow-<uuid>''): its type, owning team and current version (the number of events).';

-- Name: events_global_position_seq; Type: SEQUENCE; Schema: app_public; Owner: -

ALTER TABLE app_public.events ALTER COLUMN global_position ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME app_public.events_global_position_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: execution_allowed_transitions; Type: TABLE; Schema: app_public; Owner: -

CREATE TABLE app_public.execution_allowed_transitions (
    from_state text NOT NULL,
    to_state text NOT NULL,
    is_retry boolean DEFAULT false NOT NULL,
    CONSTRAINT execution_allowed_transitions_from_known CHECK ((from_state = ANY ('{pending,queued,running,waiting,succeeded,failed,cancelled,timed_out,crashed}'::text[]))),
    CONSTRAINT execution_allowed_transitions_retry_to_queued CHECK (((NOT is_retry) OR (to_state = 'queued'::text))),
    CONSTRAINT execution_allowed_transitions_to_known CHECK ((to_state = ANY ('{pending,queued,running,waiting,succeeded,failed,cancelled,timed_out,crashed}'::text[])))
);

-- Name: TABLE execution_allowed_transitions; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON TABLE app_public.execution_allowed_transitions IS 'The execution state machine: every legal move. transition_execution(s) refuse any other move (LFSTA) and a trigger on execution_transitions re-checks every recorded move and the chain. is_retry moves start a new attempt (attempt + 1, timing reset). succeeded and cancelled have no way out; failed, timed_out and crashed only through a retry.';

-- Name: execution_labels; Type: TABLE; Schema: app_public; Owner: -

CREATE TABLE app_public.execution_labels (
    team_id uuid NOT NULL,
    execution_id uuid NOT NULL,
    execution_created_at timestamp with time zone NOT NULL,
    key text NOT NULL,
    value text NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT execution_labels_key_format CHECK ((key ~ '^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,62}$'::text)),
    CONSTRAINT execution_labels_value_length CHECK ((char_length(value) <= 256))
);

-- Name: TABLE execution_labels; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON TABLE app_public.execution_labels IS '@behavior -*
Key/value labels an engine attaches to an execution (at start, in the same transaction, or later) to find it again: at most 32 per execution, keys 1-63 characters of [A-Za-z0-9_.:/-] starting with a letter or digit, values up to 256 characters. Written only through set_execution_labels. No foreign key to executions: labels stay when the execution is archived (the archiver detaches and drops day partitions), so a search by label answers the same before and after archiving; they go with the team.';

-- Name: execution_metric_rollups; Type: TABLE; Schema: app_public; Owner: -

CREATE TABLE app_public.execution_metric_rollups (
    workflow_id uuid NOT NULL,
    team_id uuid NOT NULL,
    granularity text NOT NULL,
    bucket timestamp with time zone NOT NULL,
    shard smallint NOT NULL,
    total integer DEFAULT 0 NOT NULL,
    succeeded integer DEFAULT 0 NOT NULL,
    failed integer DEFAULT 0 NOT NULL,
    cancelled integer DEFAULT 0 NOT NULL,
    timed_out integer DEFAULT 0 NOT NULL,
    crashed integer DEFAULT 0 NOT NULL,
    other integer DEFAULT 0 NOT NULL,
    duration_count integer DEFAULT 0 NOT NULL,
    duration_sum_ms bigint DEFAULT 0 NOT NULL,
    duration_min_ms bigint,
    duration_max_ms bigint,
    duration_histogram integer[] NOT NULL,
    node_count bigint DEFAULT 0 NOT NULL,
    failed_node_count bigint DEFAULT 0 NOT NULL,
    duration_cumulative integer[] GENERATED ALWAYS AS (app_hidden.histogram_cumulative(duration_histogram)) STORED,
    duration_p50_bucket integer GENERATED ALWAYS AS (app_hidden.histogram_rank_bucket(duration_histogram, (0.5)::double precision)) STORED,
    duration_p95_bucket integer GENERATED ALWAYS AS (app_hidden.histogram_rank_bucket(duration_histogram, (0.95)::double precision)) STORED,
    CONSTRAINT execution_metric_rollups_granularity_known CHECK ((granularity = ANY (ARRAY['minute'::text, 'hour'::text, 'day'::text]))),
    CONSTRAINT execution_metric_rollups_histogram_length CHECK ((cardinality(duration_histogram) = 200)),
    CONSTRAINT execution_metric_rollups_shard_range CHECK (((shard >= 0) AND (shard <= 7)))
);

-- Name: TABLE execution_metric_rollups; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON TABLE app_public.execution_metric_rollups IS 'Per workflow per minute/hour/day (UTC buckets) counters of finished executions by outcome, duration sum/min/max, a 200-bucket log histogram (p50/p95 within ~5%) and node counts. Written only by the fold (app_private.fold_execution_metric_samples, every few seconds) and the retention repair, never in a writer''s transaction; the newest samples wait in app_hidden.execution_metric_fold_queue, which execution_metrics_series adds on read. shard is 0 for every row the fold writes (older rows may carry 0..7); readers sum over it.';

-- Name: COLUMN execution_metric_rollups.duration_cumulative; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON COLUMN app_public.execution_metric_rollups.duration_cumulative IS '@behavior -*
Running sums of duration_histogram (generated): what execution_metrics_series reads percentiles from. Internal: not exposed through GraphQL.';

-- Name: COLUMN execution_metric_rollups.duration_p50_bucket; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON COLUMN app_public.execution_metric_rollups.duration_p50_bucket IS '@behavior -*
The histogram bucket of this row''s median duration (nearest rank; app_hidden.duration_bucket_value gives its ms); null when it counted no duration.';

-- Name: COLUMN execution_metric_rollups.duration_p95_bucket; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON COLUMN app_public.execution_metric_rollups.duration_p95_bucket IS '@behavior -*
The histogram bucket of this row''s 95th percentile duration (nearest rank); null when it counted no duration.';

-- Name: team_activity; Type: TABLE; Schema: app_public; Owner: -

CREATE TABLE app_public.team_activity (
    id bigint NOT NULL,
    team_id uuid NOT NULL,
    occurred_at timestamp with time zone NOT NULL,
    event_id uuid NOT NULL,
    event_type text NOT NULL,
    stream_id text NOT NULL,
    subject_id uuid,
    workflow_id uuid,
    actor_id uuid,
    summary text NOT NULL
);

-- Name: TABLE team_activity; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON TABLE app_public.team_activity IS '@behavior -insert -update -delete
Read model (projection team_activity): the team''s activity feed, one row per workflow or execution event (id is the event''s global position). Built from events.';

-- Name: team_usage; Type: TABLE; Schema: app_public; Owner: -

CREATE TABLE app_public.team_usage (
    team_id uuid NOT NULL,
    hot_executions bigint DEFAULT 0 NOT NULL,
    hot_bytes bigint DEFAULT 0 NOT NULL,
    cold_executions bigint DEFAULT 0 NOT NULL,
    cold_bytes bigint DEFAULT 0 NOT NULL,
    events bigint DEFAULT 0 NOT NULL,
    folded_at timestamp with time zone DEFAULT now() NOT NULL
);

-- Name: TABLE team_usage; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON TABLE app_public.team_usage IS 'What a team stores, as of the last fold (a few seconds behind; team_usage_now adds the tail and is exact): hot_executions / hot_bytes (rows of executions, transitions and node runs in PostgreSQL, pg_column_size), cold_executions / cold_bytes (executions and file bytes in archive batches serving from cold storage), events (events appended for the team). Written only by app_private.fold_team_usage.';

-- Name: team_usage_months; Type: TABLE; Schema: app_public; Owner: -

CREATE TABLE app_public.team_usage_months (
    team_id uuid NOT NULL,
    month date NOT NULL,
    executions_started bigint DEFAULT 0 NOT NULL
);

-- Name: TABLE team_usage_months; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON TABLE app_public.team_usage_months IS 'Executions started per team and UTC month (executions inserted with a created_at in that month), as of the last fold.';

-- Name: workflow_activations; Type: TABLE; Schema: app_public; Owner: -

CREATE TABLE app_public.workflow_activations (
    id uuid DEFAULT app_public.uuid_generate_v7() NOT NULL,
    workflow_id uuid NOT NULL,
    team_id uuid NOT NULL,
    version integer NOT NULL,
    activated_by uuid,
    activated_at timestamp with time zone DEFAULT now() NOT NULL
);

-- Name: TABLE workflow_activations; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON TABLE app_public.workflow_activations IS 'Every time a workflow version became the live one: on activation, and on each save or restore of an active workflow. Version retention never deletes these versions.';

-- Name: workflow_connections; Type: TABLE; Schema: app_public; Owner: -

CREATE TABLE app_public.workflow_connections (
    id uuid DEFAULT app_public.uuid_generate_v7() NOT NULL,
    workflow_id uuid NOT NULL,
    team_id uuid NOT NULL,
    source_node_id uuid NOT NULL,
    source_output text DEFAULT 'main'::text NOT NULL,
    source_output_index integer DEFAULT 0 NOT NULL,
    target_node_id uuid NOT NULL,
    target_input text DEFAULT 'main'::text NOT NULL,
    target_input_index integer DEFAULT 0 NOT NULL,
    CONSTRAINT workflow_connections_source_output_index_range CHECK ((source_output_index >= 0)),
    CONSTRAINT workflow_connections_source_output_length CHECK (((char_length(source_output) >= 1) AND (char_length(source_output) <= 100))),
    CONSTRAINT workflow_connections_target_input_index_range CHECK ((target_input_index >= 0)),
    CONSTRAINT workflow_connections_target_input_length CHECK (((char_length(target_input) >= 1) AND (char_length(target_input) <= 100)))
);

-- Name: TABLE workflow_connections; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON TABLE app_public.workflow_connections IS '@name workflow_link
@foreignKey (workflow_id) references app_public.workflows (id)
@foreignKey (team_id) references app_public.teams (id)
A connection (edge) from a node''s output to another node''s input, within one workflow. Exposed in GraphQL as WorkflowLink (WorkflowConnection and WorkflowEdge are the workflows connection and edge types). Its two keys to the workflow''s nodes (on delete cascade) tie it to the workflow; its team is its workflow''s.';

-- Name: workflow_execution_daily_stats; Type: TABLE; Schema: app_public; Owner: -

CREATE TABLE app_public.workflow_execution_daily_stats (
    workflow_id uuid NOT NULL,
    day date NOT NULL,
    team_id uuid NOT NULL,
    created_count bigint DEFAULT 0 NOT NULL,
    succeeded_count bigint DEFAULT 0 NOT NULL,
    failed_count bigint DEFAULT 0 NOT NULL,
    cancelled_count bigint DEFAULT 0 NOT NULL,
    finished_count bigint DEFAULT 0 NOT NULL,
    total_duration_ms bigint DEFAULT 0 NOT NULL,
    max_duration_ms bigint,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

-- Name: TABLE workflow_execution_daily_stats; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON TABLE app_public.workflow_execution_daily_stats IS '@behavior -insert -update -delete
Read model (projection execution_daily_stats): per workflow and UTC day, executions created that day and executions finished that day by outcome, with their total and maximum duration. Built from events.';

-- Name: workflow_list; Type: TABLE; Schema: app_public; Owner: -

CREATE TABLE app_public.workflow_list (
    workflow_id uuid NOT NULL,
    team_id uuid NOT NULL,
    name text,
    status text,
    version integer,
    stream_version bigint DEFAULT 0 NOT NULL,
    execution_count bigint DEFAULT 0 NOT NULL,
    succeeded_count bigint DEFAULT 0 NOT NULL,
    failed_count bigint DEFAULT 0 NOT NULL,
    cancelled_count bigint DEFAULT 0 NOT NULL,
    success_rate numeric GENERATED ALWAYS AS (
CASE
    WHEN ((succeeded_count + failed_count) > 0) THEN round(((succeeded_count)::numeric / ((succeeded_count + failed_count))::numeric), 4)
    ELSE NULL::numeric
END) STORED,
    last_execution_id uuid,
    last_execution_state text,
    last_execution_at timestamp with time zone,
    last_execution_seq integer DEFAULT 0 NOT NULL,
    created_at timestamp with time zone,
    updated_at timestamp with time zone
);

-- Name: TABLE workflow_list; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON TABLE app_public.workflow_list IS '@behavior -insert -update -delete
Read model (projection workflow_list): one row per workflow with its name, status and version, the last execution''s state and execution counts; success_rate = succeeded / (succeeded + failed, timed out or crashed). Built from events; eventually consistent.';

-- Name: COLUMN workflow_list.stream_version; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON COLUMN app_public.workflow_list.stream_version IS 'The workflow stream version last applied (guards against reordered events).';

-- Name: workflow_nodes; Type: TABLE; Schema: app_public; Owner: -

CREATE TABLE app_public.workflow_nodes (
    id uuid DEFAULT app_public.uuid_generate_v7() NOT NULL,
    workflow_id uuid NOT NULL,
    team_id uuid NOT NULL,
    name text NOT NULL,
    type text NOT NULL,
    type_version integer DEFAULT 1 NOT NULL,
    parameters jsonb DEFAULT '{}'::jsonb NOT NULL,
    position_x integer DEFAULT 0 NOT NULL,
    position_y integer DEFAULT 0 NOT NULL,
    disabled boolean DEFAULT false NOT NULL,
    CONSTRAINT workflow_nodes_name_length CHECK (((char_length(name) >= 1) AND (char_length(name) <= 200))),
    CONSTRAINT workflow_nodes_parameters_object CHECK ((jsonb_typeof(parameters) = 'object'::text)),
    CONSTRAINT workflow_nodes_type_shape CHECK (((char_length(type) <= 200) AND (type ~ '^[A-Za-z0-9_.:@/-]+$'::text))),
    CONSTRAINT workflow_nodes_type_version_positive CHECK ((type_version > 0))
)
WITH (fillfactor='50');
ALTER TABLE ONLY app_public.workflow_nodes ALTER COLUMN parameters SET COMPRESSION lz4;

-- Name: TABLE workflow_nodes; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON TABLE app_public.workflow_nodes IS '@foreignKey (team_id) references app_public.teams (id)
A node of a workflow''s current graph. Names are unique per workflow. Its team is its workflow''s (written by the workflow functions; removed with the workflow, which is removed with its team).';

-- Name: workflow_triggers; Type: TABLE; Schema: app_public; Owner: -

CREATE TABLE app_public.workflow_triggers (
    id uuid DEFAULT app_public.uuid_generate_v7() NOT NULL,
    workflow_id uuid NOT NULL,
    team_id uuid NOT NULL,
    node_id uuid,
    type text NOT NULL,
    config jsonb DEFAULT '{}'::jsonb NOT NULL,
    enabled boolean DEFAULT true NOT NULL,
    CONSTRAINT workflow_triggers_config_object CHECK ((jsonb_typeof(config) = 'object'::text)),
    CONSTRAINT workflow_triggers_type_known CHECK ((type = ANY (ARRAY['webhook'::text, 'schedule'::text, 'event'::text, 'manual'::text])))
);

-- Name: TABLE workflow_triggers; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON TABLE app_public.workflow_triggers IS '@foreignKey (team_id) references app_public.teams (id)
What starts a workflow: a webhook, a schedule (cron), an event or a manual run. Its team is its workflow''s (written by the workflow functions).';

-- Name: workflow_versions; Type: TABLE; Schema: app_public; Owner: -

CREATE TABLE app_public.workflow_versions (
    id uuid DEFAULT app_public.uuid_generate_v7() NOT NULL,
    workflow_id uuid NOT NULL,
    team_id uuid NOT NULL,
    version integer NOT NULL,
    data jsonb NOT NULL,
    author_id uuid,
    message text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT workflow_versions_data_object CHECK ((jsonb_typeof(data) = 'object'::text)),
    CONSTRAINT workflow_versions_message_length CHECK ((char_length(message) <= 2000)),
    CONSTRAINT workflow_versions_version_positive CHECK ((version > 0))
);
ALTER TABLE ONLY app_public.workflow_versions ALTER COLUMN data SET COMPRESSION lz4;

-- Name: TABLE workflow_versions; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON TABLE app_public.workflow_versions IS 'An immutable full snapshot of a workflow''s graph at one version. Only author_id may change, to null, when the author is purged.';

-- Name: execution_metric_samples_default; Type: TABLE ATTACH; Schema: app_partitions; Owner: -

ALTER TABLE ONLY app_public.execution_metric_samples ATTACH PARTITION app_partitions.execution_metric_samples_default DEFAULT;

-- Name: execution_node_runs_default; Type: TABLE ATTACH; Schema: app_partitions; Owner: -

ALTER TABLE ONLY app_public.execution_node_runs ATTACH PARTITION app_partitions.execution_node_runs_default DEFAULT;

-- Name: execution_transitions_default; Type: TABLE ATTACH; Schema: app_partitions; Owner: -

ALTER TABLE ONLY app_public.execution_transitions ATTACH PARTITION app_partitions.execution_transitions_default DEFAULT;

-- Name: executions_default; Type: TABLE ATTACH; Schema: app_partitions; Owner: -

ALTER TABLE ONLY app_public.executions ATTACH PARTITION app_partitions.executions_default DEFAULT;

-- Name: execution_metric_samples execution_metric_samples_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.execution_metric_samples
    ADD CONSTRAINT execution_metric_samples_pkey PRIMARY KEY (execution_id, recorded_at);

-- Name: execution_metric_samples_default execution_metric_samples_default_pkey; Type: CONSTRAINT; Schema: app_partitions; Owner: -

ALTER TABLE ONLY app_partitions.execution_metric_samples_default
    ADD CONSTRAINT execution_metric_samples_default_pkey PRIMARY KEY (execution_id, recorded_at);

-- Name: execution_node_runs execution_node_runs_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.execution_node_runs
    ADD CONSTRAINT execution_node_runs_pkey PRIMARY KEY (execution_id, execution_created_at, node_name, attempt);

-- Name: execution_node_runs_default execution_node_runs_default_pkey; Type: CONSTRAINT; Schema: app_partitions; Owner: -

ALTER TABLE ONLY app_partitions.execution_node_runs_default
    ADD CONSTRAINT execution_node_runs_default_pkey PRIMARY KEY (execution_id, execution_created_at, node_name, attempt);

-- Name: execution_transitions execution_transitions_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.execution_transitions
    ADD CONSTRAINT execution_transitions_pkey PRIMARY KEY (execution_id, execution_created_at, seq);

-- Name: execution_transitions_default execution_transitions_default_pkey; Type: CONSTRAINT; Schema: app_partitions; Owner: -

ALTER TABLE ONLY app_partitions.execution_transitions_default
    ADD CONSTRAINT execution_transitions_default_pkey PRIMARY KEY (execution_id, execution_created_at, seq);

-- Name: executions executions_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.executions
    ADD CONSTRAINT executions_pkey PRIMARY KEY (id, created_at);

-- Name: executions_default executions_default_pkey; Type: CONSTRAINT; Schema: app_partitions; Owner: -

ALTER TABLE ONLY app_partitions.executions_default
    ADD CONSTRAINT executions_default_pkey PRIMARY KEY (id, created_at);

-- Name: archive_batch_search_stats archive_batch_search_stats_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.archive_batch_search_stats
    ADD CONSTRAINT archive_batch_search_stats_pkey PRIMARY KEY (team_id, batch_id);

-- Name: archive_batches archive_batches_key_key; Type: CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.archive_batches
    ADD CONSTRAINT archive_batches_key_key UNIQUE (key);

-- Name: archive_batches archive_batches_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.archive_batches
    ADD CONSTRAINT archive_batches_pkey PRIMARY KEY (id);

-- Name: archive_batches archive_batches_team_id_day_batch_no_key; Type: CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.archive_batches
    ADD CONSTRAINT archive_batches_team_id_day_batch_no_key UNIQUE (team_id, day, batch_no);

-- Name: archive_object_deletions archive_object_deletions_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.archive_object_deletions
    ADD CONSTRAINT archive_object_deletions_pkey PRIMARY KEY (key);

-- Name: archive_restored_executions archive_restored_executions_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.archive_restored_executions
    ADD CONSTRAINT archive_restored_executions_pkey PRIMARY KEY (execution_id);

-- Name: archive_retention archive_retention_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.archive_retention
    ADD CONSTRAINT archive_retention_pkey PRIMARY KEY (team_id);

-- Name: archived_executions archived_executions_batch_id_row_no_key; Type: CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.archived_executions
    ADD CONSTRAINT archived_executions_batch_id_row_no_key UNIQUE (batch_id, row_no);

-- Name: archived_executions archived_executions_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.archived_executions
    ADD CONSTRAINT archived_executions_pkey PRIMARY KEY (execution_id);

-- Name: auth_settings auth_settings_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.auth_settings
    ADD CONSTRAINT auth_settings_pkey PRIMARY KEY (id);

-- Name: backup_table_stats backup_table_stats_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.backup_table_stats
    ADD CONSTRAINT backup_table_stats_pkey PRIMARY KEY (backup_id, table_name);

-- Name: backups backups_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.backups
    ADD CONSTRAINT backups_pkey PRIMARY KEY (id);

-- Name: backups backups_storage_key_key; Type: CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.backups
    ADD CONSTRAINT backups_storage_key_key UNIQUE (storage_key);

-- Name: event_personal_data_fields event_personal_data_fields_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.event_personal_data_fields
    ADD CONSTRAINT event_personal_data_fields_pkey PRIMARY KEY (event_type, field);

-- Name: event_xid_rebases event_xid_rebases_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.event_xid_rebases
    ADD CONSTRAINT event_xid_rebases_pkey PRIMARY KEY (id);

-- Name: execution_idempotency_keys execution_idempotency_keys_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.execution_idempotency_keys
    ADD CONSTRAINT execution_idempotency_keys_pkey PRIMARY KEY (team_id, key);

-- Name: execution_settings execution_settings_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.execution_settings
    ADD CONSTRAINT execution_settings_pkey PRIMARY KEY (id);

-- Name: legal_holds legal_holds_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.legal_holds
    ADD CONSTRAINT legal_holds_pkey PRIMARY KEY (id);

-- Name: lifecycle_settings lifecycle_settings_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.lifecycle_settings
    ADD CONSTRAINT lifecycle_settings_pkey PRIMARY KEY (id);

-- Name: partitioned_tables partitioned_tables_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.partitioned_tables
    ADD CONSTRAINT partitioned_tables_pkey PRIMARY KEY (parent);

-- Name: projection_checkpoints projection_checkpoints_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.projection_checkpoints
    ADD CONSTRAINT projection_checkpoints_pkey PRIMARY KEY (name);

-- Name: projection_dead_letters projection_dead_letters_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.projection_dead_letters
    ADD CONSTRAINT projection_dead_letters_pkey PRIMARY KEY (id);

-- Name: projection_dead_letters projection_dead_letters_projection_global_position_key; Type: CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.projection_dead_letters
    ADD CONSTRAINT projection_dead_letters_projection_global_position_key UNIQUE (projection, global_position);

-- Name: projection_rebuilds projection_rebuilds_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.projection_rebuilds
    ADD CONSTRAINT projection_rebuilds_pkey PRIMARY KEY (name);

-- Name: restore_tests restore_tests_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.restore_tests
    ADD CONSTRAINT restore_tests_pkey PRIMARY KEY (id);

-- Name: team_activity__shadow team_activity__shadow_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.team_activity__shadow
    ADD CONSTRAINT team_activity__shadow_pkey PRIMARY KEY (id);

-- Name: team_budget_slots team_budget_slots_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.team_budget_slots
    ADD CONSTRAINT team_budget_slots_pkey PRIMARY KEY (team_id, month, shard);

-- Name: team_budget_warnings team_budget_warnings_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.team_budget_warnings
    ADD CONSTRAINT team_budget_warnings_pkey PRIMARY KEY (team_id, month);

-- Name: user_secrets user_secrets_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.user_secrets
    ADD CONSTRAINT user_secrets_pkey PRIMARY KEY (user_id);

-- Name: workflow_execution_daily_stats__shadow workflow_execution_daily_stats__shadow_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.workflow_execution_daily_stats__shadow
    ADD CONSTRAINT workflow_execution_daily_stats__shadow_pkey PRIMARY KEY (workflow_id, day);

-- Name: workflow_graph_documents workflow_graph_documents_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.workflow_graph_documents
    ADD CONSTRAINT workflow_graph_documents_pkey PRIMARY KEY (workflow_id);

-- Name: workflow_list__shadow workflow_list__shadow_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.workflow_list__shadow
    ADD CONSTRAINT workflow_list__shadow_pkey PRIMARY KEY (workflow_id);

-- Name: workflow_settings workflow_settings_pkey; Type: CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.workflow_settings
    ADD CONSTRAINT workflow_settings_pkey PRIMARY KEY (id);

-- Name: bulk_actions bulk_actions_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.bulk_actions
    ADD CONSTRAINT bulk_actions_pkey PRIMARY KEY (team_id, id);

-- Name: error_codes error_codes_name_key; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.error_codes
    ADD CONSTRAINT error_codes_name_key UNIQUE (name);

-- Name: error_codes error_codes_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.error_codes
    ADD CONSTRAINT error_codes_pkey PRIMARY KEY (code);

-- Name: event_snapshots event_snapshots_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.event_snapshots
    ADD CONSTRAINT event_snapshots_pkey PRIMARY KEY (stream_id, version);

-- Name: event_streams event_streams_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.event_streams
    ADD CONSTRAINT event_streams_pkey PRIMARY KEY (id);

-- Name: events events_event_id_key; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.events
    ADD CONSTRAINT events_event_id_key UNIQUE (event_id);

-- Name: events events_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.events
    ADD CONSTRAINT events_pkey PRIMARY KEY (global_position);

-- Name: events events_stream_id_stream_version_key; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.events
    ADD CONSTRAINT events_stream_id_stream_version_key UNIQUE (stream_id, stream_version);

-- Name: execution_allowed_transitions execution_allowed_transitions_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.execution_allowed_transitions
    ADD CONSTRAINT execution_allowed_transitions_pkey PRIMARY KEY (from_state, to_state);

-- Name: execution_labels execution_labels_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.execution_labels
    ADD CONSTRAINT execution_labels_pkey PRIMARY KEY (team_id, execution_id, key);

-- Name: execution_metric_rollups execution_metric_rollups_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.execution_metric_rollups
    ADD CONSTRAINT execution_metric_rollups_pkey PRIMARY KEY (workflow_id, granularity, bucket, shard);

-- Name: retention_policies retention_policies_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.retention_policies
    ADD CONSTRAINT retention_policies_pkey PRIMARY KEY (team_id, id);

-- Name: retention_policies retention_policies_team_id_workflow_id_key; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.retention_policies
    ADD CONSTRAINT retention_policies_team_id_workflow_id_key UNIQUE NULLS NOT DISTINCT (team_id, workflow_id);

-- Name: team_activity team_activity_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.team_activity
    ADD CONSTRAINT team_activity_pkey PRIMARY KEY (id);

-- Name: team_budgets team_budgets_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.team_budgets
    ADD CONSTRAINT team_budgets_pkey PRIMARY KEY (team_id);

-- Name: team_memberships team_memberships_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.team_memberships
    ADD CONSTRAINT team_memberships_pkey PRIMARY KEY (id);

-- Name: team_memberships team_memberships_team_id_user_id_key; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.team_memberships
    ADD CONSTRAINT team_memberships_team_id_user_id_key UNIQUE (team_id, user_id);

-- Name: team_usage_months team_usage_months_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.team_usage_months
    ADD CONSTRAINT team_usage_months_pkey PRIMARY KEY (team_id, month);

-- Name: team_usage team_usage_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.team_usage
    ADD CONSTRAINT team_usage_pkey PRIMARY KEY (team_id);

-- Name: teams teams_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.teams
    ADD CONSTRAINT teams_pkey PRIMARY KEY (id);

-- Name: teams teams_slug_key; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.teams
    ADD CONSTRAINT teams_slug_key UNIQUE (slug);

-- Name: users users_email_key; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.users
    ADD CONSTRAINT users_email_key UNIQUE (email);

-- Name: users users_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);

-- Name: workflow_activations workflow_activations_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.workflow_activations
    ADD CONSTRAINT workflow_activations_pkey PRIMARY KEY (id);

-- Name: workflow_connections workflow_connections_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.workflow_connections
    ADD CONSTRAINT workflow_connections_pkey PRIMARY KEY (id);

-- Name: workflow_connections workflow_connections_unique_edge; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.workflow_connections
    ADD CONSTRAINT workflow_connections_unique_edge UNIQUE (workflow_id, source_node_id, source_output, source_output_index, target_node_id, target_input, target_input_index);

-- Name: workflow_execution_daily_stats workflow_execution_daily_stats_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.workflow_execution_daily_stats
    ADD CONSTRAINT workflow_execution_daily_stats_pkey PRIMARY KEY (workflow_id, day);

-- Name: workflow_list workflow_list_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.workflow_list
    ADD CONSTRAINT workflow_list_pkey PRIMARY KEY (workflow_id);

-- Name: workflow_nodes workflow_nodes_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.workflow_nodes
    ADD CONSTRAINT workflow_nodes_pkey PRIMARY KEY (id);

-- Name: workflow_nodes workflow_nodes_workflow_id_id_key; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.workflow_nodes
    ADD CONSTRAINT workflow_nodes_workflow_id_id_key UNIQUE (workflow_id, id);

-- Name: workflow_nodes workflow_nodes_workflow_id_name_key; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.workflow_nodes
    ADD CONSTRAINT workflow_nodes_workflow_id_name_key UNIQUE (workflow_id, name);

-- Name: workflow_triggers workflow_triggers_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.workflow_triggers
    ADD CONSTRAINT workflow_triggers_pkey PRIMARY KEY (id);

-- Name: workflow_versions workflow_versions_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.workflow_versions
    ADD CONSTRAINT workflow_versions_pkey PRIMARY KEY (id);

-- Name: workflow_versions workflow_versions_workflow_id_version_key; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.workflow_versions
    ADD CONSTRAINT workflow_versions_workflow_id_version_key UNIQUE (workflow_id, version);

-- Name: workflows workflows_pkey; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.workflows
    ADD CONSTRAINT workflows_pkey PRIMARY KEY (id);

-- Name: workflows workflows_team_id_id_key; Type: CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.workflows
    ADD CONSTRAINT workflows_team_id_id_key UNIQUE (team_id, id);

-- Name: execution_metric_samples_team_id_recorded_at_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX execution_metric_samples_team_id_recorded_at_idx ON ONLY app_public.execution_metric_samples USING btree (team_id, recorded_at);

-- Name: execution_metric_samples_default_team_id_recorded_at_idx; Type: INDEX; Schema: app_partitions; Owner: -

CREATE INDEX execution_metric_samples_default_team_id_recorded_at_idx ON app_partitions.execution_metric_samples_default USING btree (team_id, recorded_at);

-- Name: execution_metric_samples_workflow_id_recorded_at_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX execution_metric_samples_workflow_id_recorded_at_idx ON ONLY app_public.execution_metric_samples USING btree (workflow_id, recorded_at);

-- Name: execution_metric_samples_default_workflow_id_recorded_at_idx; Type: INDEX; Schema: app_partitions; Owner: -

CREATE INDEX execution_metric_samples_default_workflow_id_recorded_at_idx ON app_partitions.execution_metric_samples_default USING btree (workflow_id, recorded_at);

-- Name: execution_node_runs_team_id_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX execution_node_runs_team_id_idx ON ONLY app_public.execution_node_runs USING btree (team_id);

-- Name: execution_node_runs_default_team_id_idx; Type: INDEX; Schema: app_partitions; Owner: -

CREATE INDEX execution_node_runs_default_team_id_idx ON app_partitions.execution_node_runs_default USING btree (team_id);

-- Name: execution_transitions_team_id_at_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX execution_transitions_team_id_at_idx ON ONLY app_public.execution_transitions USING btree (team_id, at DESC);

-- Name: execution_transitions_default_team_id_at_idx; Type: INDEX; Schema: app_partitions; Owner: -

CREATE INDEX execution_transitions_default_team_id_at_idx ON app_partitions.execution_transitions_default USING btree (team_id, at DESC);

-- Name: executions_error_path_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX executions_error_path_idx ON ONLY app_public.executions USING gin (error jsonb_path_ops) WHERE (error IS NOT NULL);

-- Name: executions_default_error_idx; Type: INDEX; Schema: app_partitions; Owner: -

CREATE INDEX executions_default_error_idx ON app_partitions.executions_default USING gin (error jsonb_path_ops) WHERE (error IS NOT NULL);

-- Name: executions_error_text_trgm_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX executions_error_text_trgm_idx ON ONLY app_public.executions USING gin (app_hidden.execution_error_text(error) public.gin_trgm_ops) WHERE (error IS NOT NULL);

-- Name: executions_default_execution_error_text_idx; Type: INDEX; Schema: app_partitions; Owner: -

CREATE INDEX executions_default_execution_error_text_idx ON app_partitions.executions_default USING gin (app_hidden.execution_error_text(error) public.gin_trgm_ops) WHERE (error IS NOT NULL);

-- Name: executions_input_path_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX executions_input_path_idx ON ONLY app_public.executions USING gin (input jsonb_path_ops) WHERE (input IS NOT NULL);

-- Name: executions_default_input_idx; Type: INDEX; Schema: app_partitions; Owner: -

CREATE INDEX executions_default_input_idx ON app_partitions.executions_default USING gin (input jsonb_path_ops) WHERE (input IS NOT NULL);

-- Name: executions_output_path_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX executions_output_path_idx ON ONLY app_public.executions USING gin (output jsonb_path_ops) WHERE (output IS NOT NULL);

-- Name: executions_default_output_idx; Type: INDEX; Schema: app_partitions; Owner: -

CREATE INDEX executions_default_output_idx ON app_partitions.executions_default USING gin (output jsonb_path_ops) WHERE (output IS NOT NULL);

-- Name: executions_team_id_created_at_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX executions_team_id_created_at_idx ON ONLY app_public.executions USING btree (team_id, created_at DESC, id DESC);

-- Name: executions_default_team_id_created_at_id_idx; Type: INDEX; Schema: app_partitions; Owner: -

CREATE INDEX executions_default_team_id_created_at_id_idx ON app_partitions.executions_default USING btree (team_id, created_at DESC, id DESC);

-- Name: executions_workflow_id_created_at_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX executions_workflow_id_created_at_idx ON ONLY app_public.executions USING btree (workflow_id, created_at DESC, id DESC);

-- Name: executions_default_workflow_id_created_at_id_idx; Type: INDEX; Schema: app_partitions; Owner: -

CREATE INDEX executions_default_workflow_id_created_at_id_idx ON app_partitions.executions_default USING btree (workflow_id, created_at DESC, id DESC);

-- Name: executions_workflow_id_version_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX executions_workflow_id_version_idx ON ONLY app_public.executions USING btree (workflow_id, workflow_version);

-- Name: executions_default_workflow_id_workflow_version_idx; Type: INDEX; Schema: app_partitions; Owner: -

CREATE INDEX executions_default_workflow_id_workflow_version_idx ON app_partitions.executions_default USING btree (workflow_id, workflow_version);

-- Name: archive_batch_search_stats_batch_id_idx; Type: INDEX; Schema: app_private; Owner: -

CREATE INDEX archive_batch_search_stats_batch_id_idx ON app_private.archive_batch_search_stats USING btree (batch_id);

-- Name: archive_batches_actor_ids_idx; Type: INDEX; Schema: app_private; Owner: -

CREATE INDEX archive_batches_actor_ids_idx ON app_private.archive_batches USING gin (actor_ids);

-- Name: archive_batches_state_idx; Type: INDEX; Schema: app_private; Owner: -

CREATE INDEX archive_batches_state_idx ON app_private.archive_batches USING btree (state, team_id, day);

-- Name: archive_restored_executions_batch_id_idx; Type: INDEX; Schema: app_private; Owner: -

CREATE INDEX archive_restored_executions_batch_id_idx ON app_private.archive_restored_executions USING btree (batch_id);

-- Name: archived_executions_state_idx; Type: INDEX; Schema: app_private; Owner: -

CREATE INDEX archived_executions_state_idx ON app_private.archived_executions USING btree (team_id, state, created_at DESC);

-- Name: archived_executions_team_id_created_at_idx; Type: INDEX; Schema: app_private; Owner: -

CREATE INDEX archived_executions_team_id_created_at_idx ON app_private.archived_executions USING btree (team_id, created_at DESC, execution_id DESC);

-- Name: archived_executions_workflow_id_created_at_idx; Type: INDEX; Schema: app_private; Owner: -

CREATE INDEX archived_executions_workflow_id_created_at_idx ON app_private.archived_executions USING btree (workflow_id, created_at DESC, execution_id DESC);

-- Name: backups_outcome_started_at_idx; Type: INDEX; Schema: app_private; Owner: -

CREATE INDEX backups_outcome_started_at_idx ON app_private.backups USING btree (outcome, started_at DESC);

-- Name: backups_started_at_idx; Type: INDEX; Schema: app_private; Owner: -

CREATE INDEX backups_started_at_idx ON app_private.backups USING btree (started_at DESC);

-- Name: execution_idempotency_keys_created_at_idx; Type: INDEX; Schema: app_private; Owner: -

CREATE INDEX execution_idempotency_keys_created_at_idx ON app_private.execution_idempotency_keys USING btree (created_at);

-- Name: legal_holds_execution_id_idx; Type: INDEX; Schema: app_private; Owner: -

CREATE INDEX legal_holds_execution_id_idx ON app_private.legal_holds USING btree (execution_id) WHERE ((released_at IS NULL) AND (execution_id IS NOT NULL));

-- Name: legal_holds_team_id_idx; Type: INDEX; Schema: app_private; Owner: -

CREATE INDEX legal_holds_team_id_idx ON app_private.legal_holds USING btree (team_id) WHERE (released_at IS NULL);

-- Name: legal_holds_workflow_id_idx; Type: INDEX; Schema: app_private; Owner: -

CREATE INDEX legal_holds_workflow_id_idx ON app_private.legal_holds USING btree (workflow_id) WHERE ((released_at IS NULL) AND (workflow_id IS NOT NULL));

-- Name: restore_tests_backup_id_idx; Type: INDEX; Schema: app_private; Owner: -

CREATE INDEX restore_tests_backup_id_idx ON app_private.restore_tests USING btree (backup_id);

-- Name: restore_tests_started_at_idx; Type: INDEX; Schema: app_private; Owner: -

CREATE INDEX restore_tests_started_at_idx ON app_private.restore_tests USING btree (started_at DESC);

-- Name: team_activity__shadow_team_id_occurred_at_id_idx; Type: INDEX; Schema: app_private; Owner: -

CREATE INDEX team_activity__shadow_team_id_occurred_at_id_idx ON app_private.team_activity__shadow USING btree (team_id, occurred_at DESC, id DESC);

-- Name: team_activity__shadow_workflow_id_occurred_at_idx; Type: INDEX; Schema: app_private; Owner: -

CREATE INDEX team_activity__shadow_workflow_id_occurred_at_idx ON app_private.team_activity__shadow USING btree (workflow_id, occurred_at DESC);

-- Name: workflow_execution_daily_stats__shadow_team_id_day_idx; Type: INDEX; Schema: app_private; Owner: -

CREATE INDEX workflow_execution_daily_stats__shadow_team_id_day_idx ON app_private.workflow_execution_daily_stats__shadow USING btree (team_id, day DESC);

-- Name: workflow_list__shadow_last_execution_id_idx; Type: INDEX; Schema: app_private; Owner: -

CREATE INDEX workflow_list__shadow_last_execution_id_idx ON app_private.workflow_list__shadow USING btree (last_execution_id);

-- Name: workflow_list__shadow_team_id_name_idx; Type: INDEX; Schema: app_private; Owner: -

CREATE INDEX workflow_list__shadow_team_id_name_idx ON app_private.workflow_list__shadow USING btree (team_id, name);

-- Name: workflow_list__shadow_team_id_status_idx; Type: INDEX; Schema: app_private; Owner: -

CREATE INDEX workflow_list__shadow_team_id_status_idx ON app_private.workflow_list__shadow USING btree (team_id, status);

-- Name: workflow_list__shadow_team_id_updated_at_workflow_id_idx; Type: INDEX; Schema: app_private; Owner: -

CREATE INDEX workflow_list__shadow_team_id_updated_at_workflow_id_idx ON app_private.workflow_list__shadow USING btree (team_id, updated_at DESC, workflow_id);

-- Name: bulk_actions_status_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX bulk_actions_status_idx ON app_public.bulk_actions USING btree (status) WHERE (status = ANY (ARRAY['pending'::text, 'running'::text]));

-- Name: event_streams_team_id_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX event_streams_team_id_idx ON app_public.event_streams USING btree (team_id);

-- Name: event_streams_type_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX event_streams_type_idx ON app_public.event_streams USING btree (type);

-- Name: events_team_id_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX events_team_id_idx ON app_public.events USING btree (team_id, global_position);

-- Name: events_transaction_id_global_position_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX events_transaction_id_global_position_idx ON app_public.events USING btree (transaction_id, global_position);

-- Name: events_type_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX events_type_idx ON app_public.events USING btree (type, transaction_id, global_position);

-- Name: execution_labels_key_value_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX execution_labels_key_value_idx ON app_public.execution_labels USING btree (team_id, key, value, execution_created_at DESC, execution_id DESC);

-- Name: execution_metric_rollups_granularity_bucket_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX execution_metric_rollups_granularity_bucket_idx ON app_public.execution_metric_rollups USING btree (granularity, bucket);

-- Name: execution_metric_rollups_series_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX execution_metric_rollups_series_idx ON app_public.execution_metric_rollups USING btree (workflow_id, granularity, bucket) INCLUDE (team_id, total, succeeded, failed, cancelled, timed_out, crashed, duration_count, duration_sum_ms, node_count, failed_node_count, duration_p50_bucket, duration_p95_bucket) WHERE (shard = 0);

-- Name: INDEX execution_metric_rollups_series_idx; Type: COMMENT; Schema: app_public; Owner: -

COMMENT ON INDEX app_public.execution_metric_rollups_series_idx IS 'Covers the series of one workflow: the fold rows (shard 0) with every counter and the stored percentile buckets, read by an index-only scan (team_id for the row-level security policy).';

-- Name: execution_metric_rollups_team_id_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX execution_metric_rollups_team_id_idx ON app_public.execution_metric_rollups USING btree (team_id, granularity, bucket);

-- Name: retention_policies_workflow_id_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX retention_policies_workflow_id_idx ON app_public.retention_policies USING btree (workflow_id) WHERE (workflow_id IS NOT NULL);

-- Name: team_activity_team_id_occurred_at_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX team_activity_team_id_occurred_at_idx ON app_public.team_activity USING btree (team_id, occurred_at DESC, id DESC);

-- Name: team_activity_workflow_id_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX team_activity_workflow_id_idx ON app_public.team_activity USING btree (workflow_id, occurred_at DESC);

-- Name: team_memberships_team_id_role_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX team_memberships_team_id_role_idx ON app_public.team_memberships USING btree (team_id, role);

-- Name: team_memberships_user_id_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX team_memberships_user_id_idx ON app_public.team_memberships USING btree (user_id);

-- Name: team_memberships_user_id_role_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX team_memberships_user_id_role_idx ON app_public.team_memberships USING btree (user_id, role);

-- Name: teams_deleted_at_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX teams_deleted_at_idx ON app_public.teams USING btree (deleted_at) WHERE (deleted_at IS NOT NULL);

-- Name: users_deleted_at_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX users_deleted_at_idx ON app_public.users USING btree (deleted_at) WHERE (deleted_at IS NOT NULL);

-- Name: users_email_trgm_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX users_email_trgm_idx ON app_public.users USING gin (((email)::text) public.gin_trgm_ops);

-- Name: users_name_trgm_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX users_name_trgm_idx ON app_public.users USING gin (name public.gin_trgm_ops);

-- Name: workflow_activations_activated_by_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX workflow_activations_activated_by_idx ON app_public.workflow_activations USING btree (activated_by);

-- Name: workflow_activations_team_id_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX workflow_activations_team_id_idx ON app_public.workflow_activations USING btree (team_id);

-- Name: workflow_activations_workflow_id_version_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX workflow_activations_workflow_id_version_idx ON app_public.workflow_activations USING btree (workflow_id, version);

-- Name: workflow_connections_target_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX workflow_connections_target_idx ON app_public.workflow_connections USING btree (workflow_id, target_node_id);

-- Name: workflow_connections_team_id_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX workflow_connections_team_id_idx ON app_public.workflow_connections USING btree (team_id);

-- Name: workflow_execution_daily_stats_team_id_day_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX workflow_execution_daily_stats_team_id_day_idx ON app_public.workflow_execution_daily_stats USING btree (team_id, day DESC);

-- Name: workflow_list_last_execution_id_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX workflow_list_last_execution_id_idx ON app_public.workflow_list USING btree (last_execution_id);

-- Name: workflow_list_team_id_name_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX workflow_list_team_id_name_idx ON app_public.workflow_list USING btree (team_id, name);

-- Name: workflow_list_team_id_status_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX workflow_list_team_id_status_idx ON app_public.workflow_list USING btree (team_id, status);

-- Name: workflow_list_team_id_updated_at_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX workflow_list_team_id_updated_at_idx ON app_public.workflow_list USING btree (team_id, updated_at DESC, workflow_id);

-- Name: workflow_nodes_team_id_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX workflow_nodes_team_id_idx ON app_public.workflow_nodes USING btree (team_id);

-- Name: workflow_triggers_team_id_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX workflow_triggers_team_id_idx ON app_public.workflow_triggers USING btree (team_id);

-- Name: workflow_triggers_workflow_id_node_id_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX workflow_triggers_workflow_id_node_id_idx ON app_public.workflow_triggers USING btree (workflow_id, node_id);

-- Name: workflow_versions_author_id_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX workflow_versions_author_id_idx ON app_public.workflow_versions USING btree (author_id);

-- Name: workflow_versions_team_id_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX workflow_versions_team_id_idx ON app_public.workflow_versions USING btree (team_id);

-- Name: workflows_created_by_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX workflows_created_by_idx ON app_public.workflows USING btree (created_by);

-- Name: workflows_name_trgm_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX workflows_name_trgm_idx ON app_public.workflows USING gin (name public.gin_trgm_ops);

-- Name: workflows_tags_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX workflows_tags_idx ON app_public.workflows USING gin (tags);

-- Name: workflows_team_id_updated_at_idx; Type: INDEX; Schema: app_public; Owner: -

CREATE INDEX workflows_team_id_updated_at_idx ON app_public.workflows USING btree (team_id, updated_at DESC, id DESC);

-- Name: execution_metric_samples_default_pkey; Type: INDEX ATTACH; Schema: app_partitions; Owner: -

ALTER INDEX app_public.execution_metric_samples_pkey ATTACH PARTITION app_partitions.execution_metric_samples_default_pkey;

-- Name: execution_metric_samples_default_team_id_recorded_at_idx; Type: INDEX ATTACH; Schema: app_partitions; Owner: -

ALTER INDEX app_public.execution_metric_samples_team_id_recorded_at_idx ATTACH PARTITION app_partitions.execution_metric_samples_default_team_id_recorded_at_idx;

-- Name: execution_metric_samples_default_workflow_id_recorded_at_idx; Type: INDEX ATTACH; Schema: app_partitions; Owner: -

ALTER INDEX app_public.execution_metric_samples_workflow_id_recorded_at_idx ATTACH PARTITION app_partitions.execution_metric_samples_default_workflow_id_recorded_at_idx;

-- Name: execution_node_runs_default_pkey; Type: INDEX ATTACH; Schema: app_partitions; Owner: -

ALTER INDEX app_public.execution_node_runs_pkey ATTACH PARTITION app_partitions.execution_node_runs_default_pkey;

-- Name: execution_node_runs_default_team_id_idx; Type: INDEX ATTACH; Schema: app_partitions; Owner: -

ALTER INDEX app_public.execution_node_runs_team_id_idx ATTACH PARTITION app_partitions.execution_node_runs_default_team_id_idx;

-- Name: execution_transitions_default_pkey; Type: INDEX ATTACH; Schema: app_partitions; Owner: -

ALTER INDEX app_public.execution_transitions_pkey ATTACH PARTITION app_partitions.execution_transitions_default_pkey;

-- Name: execution_transitions_default_team_id_at_idx; Type: INDEX ATTACH; Schema: app_partitions; Owner: -

ALTER INDEX app_public.execution_transitions_team_id_at_idx ATTACH PARTITION app_partitions.execution_transitions_default_team_id_at_idx;

-- Name: executions_default_error_idx; Type: INDEX ATTACH; Schema: app_partitions; Owner: -

ALTER INDEX app_public.executions_error_path_idx ATTACH PARTITION app_partitions.executions_default_error_idx;

-- Name: executions_default_execution_error_text_idx; Type: INDEX ATTACH; Schema: app_partitions; Owner: -

ALTER INDEX app_public.executions_error_text_trgm_idx ATTACH PARTITION app_partitions.executions_default_execution_error_text_idx;

-- Name: executions_default_input_idx; Type: INDEX ATTACH; Schema: app_partitions; Owner: -

ALTER INDEX app_public.executions_input_path_idx ATTACH PARTITION app_partitions.executions_default_input_idx;

-- Name: executions_default_output_idx; Type: INDEX ATTACH; Schema: app_partitions; Owner: -

ALTER INDEX app_public.executions_output_path_idx ATTACH PARTITION app_partitions.executions_default_output_idx;

-- Name: executions_default_pkey; Type: INDEX ATTACH; Schema: app_partitions; Owner: -

ALTER INDEX app_public.executions_pkey ATTACH PARTITION app_partitions.executions_default_pkey;

-- Name: executions_default_team_id_created_at_id_idx; Type: INDEX ATTACH; Schema: app_partitions; Owner: -

ALTER INDEX app_public.executions_team_id_created_at_idx ATTACH PARTITION app_partitions.executions_default_team_id_created_at_id_idx;

-- Name: executions_default_workflow_id_created_at_id_idx; Type: INDEX ATTACH; Schema: app_partitions; Owner: -

ALTER INDEX app_public.executions_workflow_id_created_at_idx ATTACH PARTITION app_partitions.executions_default_workflow_id_created_at_id_idx;

-- Name: executions_default_workflow_id_workflow_version_idx; Type: INDEX ATTACH; Schema: app_partitions; Owner: -

ALTER INDEX app_public.executions_workflow_id_version_idx ATTACH PARTITION app_partitions.executions_default_workflow_id_workflow_version_idx;

-- Name: execution_metric_samples_default _000_reject; Type: TRIGGER; Schema: app_partitions; Owner: -

CREATE TRIGGER _000_reject BEFORE INSERT ON app_partitions.execution_metric_samples_default FOR EACH ROW EXECUTE FUNCTION app_private.tg_partition_default__reject();

-- Name: execution_node_runs_default _000_reject; Type: TRIGGER; Schema: app_partitions; Owner: -

CREATE TRIGGER _000_reject BEFORE INSERT ON app_partitions.execution_node_runs_default FOR EACH ROW EXECUTE FUNCTION app_private.tg_partition_default__reject();

-- Name: execution_transitions_default _000_reject; Type: TRIGGER; Schema: app_partitions; Owner: -

CREATE TRIGGER _000_reject BEFORE INSERT ON app_partitions.execution_transitions_default FOR EACH ROW EXECUTE FUNCTION app_private.tg_partition_default__reject();

-- Name: executions_default _000_reject; Type: TRIGGER; Schema: app_partitions; Owner: -

CREATE TRIGGER _000_reject BEFORE INSERT ON app_partitions.executions_default FOR EACH ROW EXECUTE FUNCTION app_private.tg_partition_default__reject();

-- Name: execution_node_runs_default _900_usage_delete; Type: TRIGGER; Schema: app_partitions; Owner: -

CREATE TRIGGER _900_usage_delete AFTER DELETE ON app_partitions.execution_node_runs_default REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_execution_children__usage_delete('execution_node_runs');

-- Name: execution_transitions_default _900_usage_delete; Type: TRIGGER; Schema: app_partitions; Owner: -

CREATE TRIGGER _900_usage_delete AFTER DELETE ON app_partitions.execution_transitions_default REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_execution_children__usage_delete('execution_transitions');

-- Name: archived_executions _500_search_stats; Type: TRIGGER; Schema: app_private; Owner: -

CREATE TRIGGER _500_search_stats AFTER INSERT ON app_private.archived_executions REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_archived_executions__search_stats();

-- Name: archive_batches _900_usage; Type: TRIGGER; Schema: app_private; Owner: -

CREATE TRIGGER _900_usage AFTER INSERT OR DELETE OR UPDATE ON app_private.archive_batches FOR EACH ROW EXECUTE FUNCTION app_private.tg_archive_batches__usage();

-- Name: executions _100_check_budget; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _100_check_budget AFTER INSERT ON app_public.executions REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_executions__check_budget();

-- Name: events _100_immutable; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _100_immutable BEFORE DELETE OR UPDATE ON app_public.events FOR EACH ROW EXECUTE FUNCTION app_private.tg_events__immutable();

-- Name: execution_transitions _100_immutable; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _100_immutable BEFORE UPDATE ON app_public.execution_transitions FOR EACH ROW EXECUTE FUNCTION app_private.tg_execution_transitions__immutable();

-- Name: workflow_versions _100_immutable; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _100_immutable BEFORE UPDATE ON app_public.workflow_versions FOR EACH ROW EXECUTE FUNCTION app_private.tg_workflow_versions__immutable();

-- Name: team_memberships _100_timestamps; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _100_timestamps BEFORE INSERT OR UPDATE ON app_public.team_memberships FOR EACH ROW EXECUTE FUNCTION app_private.tg__timestamps();

-- Name: teams _100_timestamps; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _100_timestamps BEFORE INSERT OR UPDATE ON app_public.teams FOR EACH ROW EXECUTE FUNCTION app_private.tg__timestamps();

-- Name: workflows _100_timestamps; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _100_timestamps BEFORE INSERT OR UPDATE ON app_public.workflows FOR EACH ROW EXECUTE FUNCTION app_private.tg__timestamps();

-- Name: users _100_timestamps_insert; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _100_timestamps_insert BEFORE INSERT ON app_public.users FOR EACH ROW WHEN (((new.created_at IS DISTINCT FROM now()) OR (new.updated_at IS DISTINCT FROM now()))) EXECUTE FUNCTION app_private.tg__timestamps();

-- Name: users _100_timestamps_update; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _100_timestamps_update BEFORE UPDATE ON app_public.users FOR EACH ROW WHEN (((new.created_at IS DISTINCT FROM old.created_at) OR (new.updated_at IS DISTINCT FROM
        CASE
            WHEN (old.updated_at >= now()) THEN (old.updated_at + '00:00:00.001'::interval)
            ELSE now()
        END))) EXECUTE FUNCTION app_private.tg__timestamps();

-- Name: events _101_no_truncate; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _101_no_truncate BEFORE TRUNCATE ON app_public.events FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_events__immutable();

-- Name: teams _110_version; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _110_version BEFORE UPDATE ON app_public.teams FOR EACH ROW EXECUTE FUNCTION app_private.tg__bump_version();

-- Name: users _110_version; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _110_version BEFORE UPDATE ON app_public.users FOR EACH ROW WHEN ((new.version IS DISTINCT FROM (old.version + 1))) EXECUTE FUNCTION app_private.tg__bump_version();

-- Name: execution_transitions _200_chain; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _200_chain AFTER INSERT ON app_public.execution_transitions REFERENCING NEW TABLE AS new_transitions FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_execution_transitions__chain();

-- Name: execution_metric_samples _200_enqueue_fold; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _200_enqueue_fold AFTER INSERT ON app_public.execution_metric_samples REFERENCING NEW TABLE AS new_samples FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_execution_metric_samples__enqueue_fold();

-- Name: event_streams _200_restrict_delete; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _200_restrict_delete AFTER DELETE ON app_public.event_streams REFERENCING OLD TABLE AS old_streams FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_event_streams__restrict_delete();

-- Name: events _200_stream_exists; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _200_stream_exists AFTER INSERT ON app_public.events REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_events__stream_exists();

-- Name: executions _200_terminal_immutable; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _200_terminal_immutable BEFORE UPDATE ON app_public.executions FOR EACH ROW WHEN ((old.state = ANY ('{succeeded,failed,cancelled,timed_out,crashed}'::text[]))) EXECUTE FUNCTION app_private.tg_executions__terminal_immutable();

-- Name: team_memberships _900_invalidate_cache_delete; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_invalidate_cache_delete AFTER DELETE ON app_public.team_memberships REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg__invalidate_cache();

-- Name: teams _900_invalidate_cache_delete; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_invalidate_cache_delete AFTER DELETE ON app_public.teams REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg__invalidate_cache();

-- Name: users _900_invalidate_cache_delete; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_invalidate_cache_delete AFTER DELETE ON app_public.users REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_users__invalidate_cache();

-- Name: workflow_connections _900_invalidate_cache_delete; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_invalidate_cache_delete AFTER DELETE ON app_public.workflow_connections REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_workflow_graph__invalidate_cache();

-- Name: workflow_nodes _900_invalidate_cache_delete; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_invalidate_cache_delete AFTER DELETE ON app_public.workflow_nodes REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_workflow_graph__invalidate_cache();

-- Name: workflow_triggers _900_invalidate_cache_delete; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_invalidate_cache_delete AFTER DELETE ON app_public.workflow_triggers REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_workflow_graph__invalidate_cache();

-- Name: workflows _900_invalidate_cache_delete; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_invalidate_cache_delete AFTER DELETE ON app_public.workflows REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg__invalidate_cache();

-- Name: team_memberships _900_invalidate_cache_insert; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_invalidate_cache_insert AFTER INSERT ON app_public.team_memberships REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg__invalidate_cache();

-- Name: teams _900_invalidate_cache_insert; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_invalidate_cache_insert AFTER INSERT ON app_public.teams REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg__invalidate_cache();

-- Name: users _900_invalidate_cache_insert; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_invalidate_cache_insert AFTER INSERT ON app_public.users REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_users__invalidate_cache();

-- Name: workflow_connections _900_invalidate_cache_insert; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_invalidate_cache_insert AFTER INSERT ON app_public.workflow_connections REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_workflow_graph__invalidate_cache();

-- Name: workflow_nodes _900_invalidate_cache_insert; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_invalidate_cache_insert AFTER INSERT ON app_public.workflow_nodes REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_workflow_graph__invalidate_cache();

-- Name: workflow_triggers _900_invalidate_cache_insert; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_invalidate_cache_insert AFTER INSERT ON app_public.workflow_triggers REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_workflow_graph__invalidate_cache();

-- Name: workflows _900_invalidate_cache_insert; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_invalidate_cache_insert AFTER INSERT ON app_public.workflows REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg__invalidate_cache();

-- Name: team_memberships _900_invalidate_cache_update; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_invalidate_cache_update AFTER UPDATE ON app_public.team_memberships REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg__invalidate_cache();

-- Name: teams _900_invalidate_cache_update; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_invalidate_cache_update AFTER UPDATE ON app_public.teams REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg__invalidate_cache();

-- Name: users _900_invalidate_cache_update; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_invalidate_cache_update AFTER UPDATE ON app_public.users REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_users__invalidate_cache();

-- Name: workflow_connections _900_invalidate_cache_update; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_invalidate_cache_update AFTER UPDATE ON app_public.workflow_connections REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_workflow_graph__invalidate_cache();

-- Name: workflow_nodes _900_invalidate_cache_update; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_invalidate_cache_update AFTER UPDATE ON app_public.workflow_nodes REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_workflow_graph__invalidate_cache();

-- Name: workflow_triggers _900_invalidate_cache_update; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_invalidate_cache_update AFTER UPDATE ON app_public.workflow_triggers REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_workflow_graph__invalidate_cache();

-- Name: workflows _900_invalidate_cache_update; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_invalidate_cache_update AFTER UPDATE ON app_public.workflows REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg__invalidate_cache();

-- Name: workflow_connections _900_invalidate_document_del; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_invalidate_document_del AFTER DELETE ON app_public.workflow_connections REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_workflow_graph__invalidate_document();

-- Name: workflow_nodes _900_invalidate_document_del; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_invalidate_document_del AFTER DELETE ON app_public.workflow_nodes REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_workflow_graph__invalidate_document();

-- Name: workflow_triggers _900_invalidate_document_del; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_invalidate_document_del AFTER DELETE ON app_public.workflow_triggers REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_workflow_graph__invalidate_document();

-- Name: workflow_connections _900_invalidate_document_ins; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_invalidate_document_ins AFTER INSERT ON app_public.workflow_connections REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_workflow_graph__invalidate_document();

-- Name: workflow_nodes _900_invalidate_document_ins; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_invalidate_document_ins AFTER INSERT ON app_public.workflow_nodes REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_workflow_graph__invalidate_document();

-- Name: workflow_triggers _900_invalidate_document_ins; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_invalidate_document_ins AFTER INSERT ON app_public.workflow_triggers REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_workflow_graph__invalidate_document();

-- Name: workflow_connections _900_invalidate_document_upd; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_invalidate_document_upd AFTER UPDATE ON app_public.workflow_connections REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_workflow_graph__invalidate_document();

-- Name: workflow_nodes _900_invalidate_document_upd; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_invalidate_document_upd AFTER UPDATE ON app_public.workflow_nodes REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_workflow_graph__invalidate_document();

-- Name: workflow_triggers _900_invalidate_document_upd; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_invalidate_document_upd AFTER UPDATE ON app_public.workflow_triggers REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_workflow_graph__invalidate_document();

-- Name: team_memberships _900_notify_live_delete; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_notify_live_delete AFTER DELETE ON app_public.team_memberships REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_team_memberships__notify_live();

-- Name: team_memberships _900_notify_live_update; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_notify_live_update AFTER UPDATE ON app_public.team_memberships REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_team_memberships__notify_live();

-- Name: events _900_usage; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_usage AFTER INSERT ON app_public.events REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_events__usage();

-- Name: execution_node_runs _900_usage_delete; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_usage_delete AFTER DELETE ON app_public.execution_node_runs REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_execution_children__usage_delete();

-- Name: execution_transitions _900_usage_delete; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_usage_delete AFTER DELETE ON app_public.execution_transitions REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_execution_children__usage_delete();

-- Name: executions _900_usage_delete; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_usage_delete AFTER DELETE ON app_public.executions REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_executions__usage_delete();

-- Name: execution_node_runs _900_usage_insert; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_usage_insert AFTER INSERT ON app_public.execution_node_runs REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_execution_children__usage_insert();

-- Name: execution_transitions _900_usage_insert; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_usage_insert AFTER INSERT ON app_public.execution_transitions REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_execution_children__usage_insert();

-- Name: executions _900_usage_insert; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_usage_insert AFTER INSERT ON app_public.executions REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_executions__usage_insert();

-- Name: execution_node_runs _900_usage_update; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_usage_update AFTER UPDATE ON app_public.execution_node_runs REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_execution_node_runs__usage_update();

-- Name: executions _900_usage_update; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _900_usage_update AFTER UPDATE ON app_public.executions REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_executions__usage_update();

-- Name: teams _901_invalidate_cache_truncate; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _901_invalidate_cache_truncate AFTER TRUNCATE ON app_public.teams FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg__invalidate_cache('teams:*');

-- Name: users _901_invalidate_cache_truncate; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _901_invalidate_cache_truncate AFTER TRUNCATE ON app_public.users FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg__invalidate_cache('users:*');

-- Name: workflow_connections _901_invalidate_cache_truncate; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _901_invalidate_cache_truncate AFTER TRUNCATE ON app_public.workflow_connections FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg__invalidate_cache('workflows:graph:*');

-- Name: workflow_nodes _901_invalidate_cache_truncate; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _901_invalidate_cache_truncate AFTER TRUNCATE ON app_public.workflow_nodes FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg__invalidate_cache('workflows:graph:*');

-- Name: workflow_triggers _901_invalidate_cache_truncate; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _901_invalidate_cache_truncate AFTER TRUNCATE ON app_public.workflow_triggers FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg__invalidate_cache('workflows:graph:*');

-- Name: workflows _901_invalidate_cache_truncate; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _901_invalidate_cache_truncate AFTER TRUNCATE ON app_public.workflows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg__invalidate_cache('workflows:*');

-- Name: teams _910_delete_metric_samples; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _910_delete_metric_samples AFTER DELETE ON app_public.teams REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_teams__delete_metric_samples();

-- Name: workflows _910_delete_metric_samples; Type: TRIGGER; Schema: app_public; Owner: -

CREATE TRIGGER _910_delete_metric_samples AFTER DELETE ON app_public.workflows REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_workflows__delete_metric_samples();

-- Name: execution_node_runs_default execution_node_runs_default_execution_fkey; Type: FK CONSTRAINT; Schema: app_partitions; Owner: -

ALTER TABLE ONLY app_partitions.execution_node_runs_default
    ADD CONSTRAINT execution_node_runs_default_execution_fkey FOREIGN KEY (execution_id, execution_created_at) REFERENCES app_partitions.executions_default(id, created_at) ON DELETE CASCADE;

-- Name: execution_transitions_default execution_transitions_default_execution_fkey; Type: FK CONSTRAINT; Schema: app_partitions; Owner: -

ALTER TABLE ONLY app_partitions.execution_transitions_default
    ADD CONSTRAINT execution_transitions_default_execution_fkey FOREIGN KEY (execution_id, execution_created_at) REFERENCES app_partitions.executions_default(id, created_at) ON DELETE CASCADE;

-- Name: archive_batch_search_stats archive_batch_search_stats_batch_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.archive_batch_search_stats
    ADD CONSTRAINT archive_batch_search_stats_batch_id_fkey FOREIGN KEY (batch_id) REFERENCES app_private.archive_batches(id) ON DELETE CASCADE;

-- Name: archive_restored_executions archive_restored_executions_batch_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.archive_restored_executions
    ADD CONSTRAINT archive_restored_executions_batch_id_fkey FOREIGN KEY (batch_id) REFERENCES app_private.archive_batches(id) ON DELETE CASCADE;

-- Name: archive_retention archive_retention_team_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.archive_retention
    ADD CONSTRAINT archive_retention_team_id_fkey FOREIGN KEY (team_id) REFERENCES app_public.teams(id) ON DELETE CASCADE;

-- Name: archived_executions archived_executions_batch_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.archived_executions
    ADD CONSTRAINT archived_executions_batch_id_fkey FOREIGN KEY (batch_id) REFERENCES app_private.archive_batches(id) ON DELETE CASCADE;

-- Name: backup_table_stats backup_table_stats_backup_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.backup_table_stats
    ADD CONSTRAINT backup_table_stats_backup_id_fkey FOREIGN KEY (backup_id) REFERENCES app_private.backups(id) ON DELETE CASCADE;

-- Name: execution_idempotency_keys execution_idempotency_keys_team_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.execution_idempotency_keys
    ADD CONSTRAINT execution_idempotency_keys_team_id_fkey FOREIGN KEY (team_id) REFERENCES app_public.teams(id) ON DELETE CASCADE;

-- Name: legal_holds legal_holds_team_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.legal_holds
    ADD CONSTRAINT legal_holds_team_id_fkey FOREIGN KEY (team_id) REFERENCES app_public.teams(id) ON DELETE CASCADE;

-- Name: restore_tests restore_tests_backup_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.restore_tests
    ADD CONSTRAINT restore_tests_backup_id_fkey FOREIGN KEY (backup_id) REFERENCES app_private.backups(id) ON DELETE SET NULL;

-- Name: team_budget_slots team_budget_slots_team_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.team_budget_slots
    ADD CONSTRAINT team_budget_slots_team_id_fkey FOREIGN KEY (team_id) REFERENCES app_public.teams(id) ON DELETE CASCADE;

-- Name: team_budget_warnings team_budget_warnings_team_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.team_budget_warnings
    ADD CONSTRAINT team_budget_warnings_team_id_fkey FOREIGN KEY (team_id) REFERENCES app_public.teams(id) ON DELETE CASCADE;

-- Name: user_secrets user_secrets_user_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.user_secrets
    ADD CONSTRAINT user_secrets_user_id_fkey FOREIGN KEY (user_id) REFERENCES app_public.users(id) ON DELETE CASCADE;

-- Name: workflow_graph_documents workflow_graph_documents_workflow_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: -

ALTER TABLE ONLY app_private.workflow_graph_documents
    ADD CONSTRAINT workflow_graph_documents_workflow_id_fkey FOREIGN KEY (workflow_id) REFERENCES app_public.workflows(id) ON DELETE CASCADE;

-- Name: bulk_actions bulk_actions_team_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.bulk_actions
    ADD CONSTRAINT bulk_actions_team_id_fkey FOREIGN KEY (team_id) REFERENCES app_public.teams(id) ON DELETE CASCADE;

-- Name: event_snapshots event_snapshots_stream_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.event_snapshots
    ADD CONSTRAINT event_snapshots_stream_id_fkey FOREIGN KEY (stream_id) REFERENCES app_public.event_streams(id) ON DELETE CASCADE;

-- Name: event_streams event_streams_team_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.event_streams
    ADD CONSTRAINT event_streams_team_id_fkey FOREIGN KEY (team_id) REFERENCES app_public.teams(id) ON DELETE SET NULL;

-- Name: execution_labels execution_labels_team_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.execution_labels
    ADD CONSTRAINT execution_labels_team_id_fkey FOREIGN KEY (team_id) REFERENCES app_public.teams(id) ON DELETE CASCADE;

-- Name: execution_metric_rollups execution_metric_rollups_team_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.execution_metric_rollups
    ADD CONSTRAINT execution_metric_rollups_team_id_fkey FOREIGN KEY (team_id) REFERENCES app_public.teams(id) ON DELETE CASCADE;

-- Name: execution_metric_rollups execution_metric_rollups_workflow_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.execution_metric_rollups
    ADD CONSTRAINT execution_metric_rollups_workflow_id_fkey FOREIGN KEY (workflow_id) REFERENCES app_public.workflows(id) ON DELETE CASCADE;

-- Name: executions executions_team_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE app_public.executions
    ADD CONSTRAINT executions_team_id_fkey FOREIGN KEY (team_id) REFERENCES app_public.teams(id) ON DELETE CASCADE;

-- Name: executions executions_workflow_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE app_public.executions
    ADD CONSTRAINT executions_workflow_id_fkey FOREIGN KEY (workflow_id) REFERENCES app_public.workflows(id) ON DELETE CASCADE;

-- Name: executions executions_workflow_version_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE app_public.executions
    ADD CONSTRAINT executions_workflow_version_fkey FOREIGN KEY (workflow_id, workflow_version) REFERENCES app_public.workflow_versions(workflow_id, version);

-- Name: retention_policies retention_policies_team_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.retention_policies
    ADD CONSTRAINT retention_policies_team_id_fkey FOREIGN KEY (team_id) REFERENCES app_public.teams(id) ON DELETE CASCADE;

-- Name: retention_policies retention_policies_workflow_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.retention_policies
    ADD CONSTRAINT retention_policies_workflow_id_fkey FOREIGN KEY (workflow_id) REFERENCES app_public.workflows(id) ON DELETE CASCADE;

-- Name: team_budgets team_budgets_team_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.team_budgets
    ADD CONSTRAINT team_budgets_team_id_fkey FOREIGN KEY (team_id) REFERENCES app_public.teams(id) ON DELETE CASCADE;

-- Name: team_memberships team_memberships_team_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.team_memberships
    ADD CONSTRAINT team_memberships_team_id_fkey FOREIGN KEY (team_id) REFERENCES app_public.teams(id) ON DELETE CASCADE;

-- Name: team_memberships team_memberships_user_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.team_memberships
    ADD CONSTRAINT team_memberships_user_id_fkey FOREIGN KEY (user_id) REFERENCES app_public.users(id) ON DELETE CASCADE;

-- Name: team_usage_months team_usage_months_team_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.team_usage_months
    ADD CONSTRAINT team_usage_months_team_id_fkey FOREIGN KEY (team_id) REFERENCES app_public.teams(id) ON DELETE CASCADE;

-- Name: team_usage team_usage_team_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.team_usage
    ADD CONSTRAINT team_usage_team_id_fkey FOREIGN KEY (team_id) REFERENCES app_public.teams(id) ON DELETE CASCADE;

-- Name: workflow_activations workflow_activations_activated_by_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.workflow_activations
    ADD CONSTRAINT workflow_activations_activated_by_fkey FOREIGN KEY (activated_by) REFERENCES app_public.users(id) ON DELETE SET NULL;

-- Name: workflow_activations workflow_activations_team_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.workflow_activations
    ADD CONSTRAINT workflow_activations_team_id_fkey FOREIGN KEY (team_id) REFERENCES app_public.teams(id) ON DELETE CASCADE;

-- Name: workflow_activations workflow_activations_version_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.workflow_activations
    ADD CONSTRAINT workflow_activations_version_fkey FOREIGN KEY (workflow_id, version) REFERENCES app_public.workflow_versions(workflow_id, version);

-- Name: workflow_activations workflow_activations_workflow_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.workflow_activations
    ADD CONSTRAINT workflow_activations_workflow_id_fkey FOREIGN KEY (workflow_id) REFERENCES app_public.workflows(id) ON DELETE CASCADE;

-- Name: workflow_connections workflow_connections_source_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.workflow_connections
    ADD CONSTRAINT workflow_connections_source_fkey FOREIGN KEY (workflow_id, source_node_id) REFERENCES app_public.workflow_nodes(workflow_id, id) ON DELETE CASCADE;

-- Name: workflow_connections workflow_connections_target_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.workflow_connections
    ADD CONSTRAINT workflow_connections_target_fkey FOREIGN KEY (workflow_id, target_node_id) REFERENCES app_public.workflow_nodes(workflow_id, id) ON DELETE CASCADE;

-- Name: workflow_nodes workflow_nodes_workflow_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.workflow_nodes
    ADD CONSTRAINT workflow_nodes_workflow_id_fkey FOREIGN KEY (workflow_id) REFERENCES app_public.workflows(id) ON DELETE CASCADE;

-- Name: workflow_triggers workflow_triggers_node_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.workflow_triggers
    ADD CONSTRAINT workflow_triggers_node_fkey FOREIGN KEY (workflow_id, node_id) REFERENCES app_public.workflow_nodes(workflow_id, id) ON DELETE CASCADE;

-- Name: workflow_triggers workflow_triggers_workflow_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.workflow_triggers
    ADD CONSTRAINT workflow_triggers_workflow_id_fkey FOREIGN KEY (workflow_id) REFERENCES app_public.workflows(id) ON DELETE CASCADE;

-- Name: workflow_versions workflow_versions_author_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.workflow_versions
    ADD CONSTRAINT workflow_versions_author_id_fkey FOREIGN KEY (author_id) REFERENCES app_public.users(id) ON DELETE SET NULL;

-- Name: workflow_versions workflow_versions_team_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.workflow_versions
    ADD CONSTRAINT workflow_versions_team_id_fkey FOREIGN KEY (team_id) REFERENCES app_public.teams(id) ON DELETE CASCADE;

-- Name: workflow_versions workflow_versions_workflow_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.workflow_versions
    ADD CONSTRAINT workflow_versions_workflow_id_fkey FOREIGN KEY (workflow_id) REFERENCES app_public.workflows(id) ON DELETE CASCADE;

-- Name: workflows workflows_created_by_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.workflows
    ADD CONSTRAINT workflows_created_by_fkey FOREIGN KEY (created_by) REFERENCES app_public.users(id) ON DELETE SET NULL;

-- Name: workflows workflows_team_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: -

ALTER TABLE ONLY app_public.workflows
    ADD CONSTRAINT workflows_team_id_fkey FOREIGN KEY (team_id) REFERENCES app_public.teams(id) ON DELETE CASCADE;

-- Name: execution_metric_fold_queue; Type: ROW SECURITY; Schema: app_hidden; Owner: -

ALTER TABLE app_hidden.execution_metric_fold_queue ENABLE ROW LEVEL SECURITY;

-- Name: execution_metric_fold_queue select_member; Type: POLICY; Schema: app_hidden; Owner: -

CREATE POLICY select_member ON app_hidden.execution_metric_fold_queue FOR SELECT USING ((team_id IN ( SELECT app_hidden.current_user_team_ids() AS current_user_team_ids)));

-- Name: team_usage_deltas; Type: ROW SECURITY; Schema: app_hidden; Owner: -

ALTER TABLE app_hidden.team_usage_deltas ENABLE ROW LEVEL SECURITY;

-- Name: archive_batch_search_stats; Type: ROW SECURITY; Schema: app_private; Owner: -

ALTER TABLE app_private.archive_batch_search_stats ENABLE ROW LEVEL SECURITY;

-- Name: archive_batches; Type: ROW SECURITY; Schema: app_private; Owner: -

ALTER TABLE app_private.archive_batches ENABLE ROW LEVEL SECURITY;

-- Name: archive_object_deletions; Type: ROW SECURITY; Schema: app_private; Owner: -

ALTER TABLE app_private.archive_object_deletions ENABLE ROW LEVEL SECURITY;

-- Name: archive_restored_executions; Type: ROW SECURITY; Schema: app_private; Owner: -

ALTER TABLE app_private.archive_restored_executions ENABLE ROW LEVEL SECURITY;

-- Name: archive_retention; Type: ROW SECURITY; Schema: app_private; Owner: -

ALTER TABLE app_private.archive_retention ENABLE ROW LEVEL SECURITY;

-- Name: archived_executions; Type: ROW SECURITY; Schema: app_private; Owner: -

ALTER TABLE app_private.archived_executions ENABLE ROW LEVEL SECURITY;

-- Name: auth_settings; Type: ROW SECURITY; Schema: app_private; Owner: -

ALTER TABLE app_private.auth_settings ENABLE ROW LEVEL SECURITY;

-- Name: backup_table_stats; Type: ROW SECURITY; Schema: app_private; Owner: -

ALTER TABLE app_private.backup_table_stats ENABLE ROW LEVEL SECURITY;

-- Name: backups; Type: ROW SECURITY; Schema: app_private; Owner: -

ALTER TABLE app_private.backups ENABLE ROW LEVEL SECURITY;

-- Name: event_personal_data_fields; Type: ROW SECURITY; Schema: app_private; Owner: -

ALTER TABLE app_private.event_personal_data_fields ENABLE ROW LEVEL SECURITY;

-- Name: event_xid_rebases; Type: ROW SECURITY; Schema: app_private; Owner: -

ALTER TABLE app_private.event_xid_rebases ENABLE ROW LEVEL SECURITY;

-- Name: execution_idempotency_keys; Type: ROW SECURITY; Schema: app_private; Owner: -

ALTER TABLE app_private.execution_idempotency_keys ENABLE ROW LEVEL SECURITY;

-- Name: execution_settings; Type: ROW SECURITY; Schema: app_private; Owner: -

ALTER TABLE app_private.execution_settings ENABLE ROW LEVEL SECURITY;

-- Name: legal_holds; Type: ROW SECURITY; Schema: app_private; Owner: -

ALTER TABLE app_private.legal_holds ENABLE ROW LEVEL SECURITY;

-- Name: lifecycle_settings; Type: ROW SECURITY; Schema: app_private; Owner: -

ALTER TABLE app_private.lifecycle_settings ENABLE ROW LEVEL SECURITY;

-- Name: partitioned_tables; Type: ROW SECURITY; Schema: app_private; Owner: -

ALTER TABLE app_private.partitioned_tables ENABLE ROW LEVEL SECURITY;

-- Name: projection_checkpoints; Type: ROW SECURITY; Schema: app_private; Owner: -

ALTER TABLE app_private.projection_checkpoints ENABLE ROW LEVEL SECURITY;

-- Name: projection_dead_letters; Type: ROW SECURITY; Schema: app_private; Owner: -

ALTER TABLE app_private.projection_dead_letters ENABLE ROW LEVEL SECURITY;

-- Name: projection_rebuilds; Type: ROW SECURITY; Schema: app_private; Owner: -

ALTER TABLE app_private.projection_rebuilds ENABLE ROW LEVEL SECURITY;

-- Name: restore_tests; Type: ROW SECURITY; Schema: app_private; Owner: -

ALTER TABLE app_private.restore_tests ENABLE ROW LEVEL SECURITY;

-- Name: team_activity__shadow select_member; Type: POLICY; Schema: app_private; Owner: -

CREATE POLICY select_member ON app_private.team_activity__shadow FOR SELECT USING ((team_id IN ( SELECT app_hidden.current_user_team_ids() AS current_user_team_ids)));

-- Name: workflow_execution_daily_stats__shadow select_member; Type: POLICY; Schema: app_private; Owner: -

CREATE POLICY select_member ON app_private.workflow_execution_daily_stats__shadow FOR SELECT USING ((team_id IN ( SELECT app_hidden.current_user_team_ids() AS current_user_team_ids)));

-- Name: workflow_list__shadow select_member; Type: POLICY; Schema: app_private; Owner: -

CREATE POLICY select_member ON app_private.workflow_list__shadow FOR SELECT USING ((team_id IN ( SELECT app_hidden.current_user_team_ids() AS current_user_team_ids)));

-- Name: team_activity__shadow; Type: ROW SECURITY; Schema: app_private; Owner: -

ALTER TABLE app_private.team_activity__shadow ENABLE ROW LEVEL SECURITY;

-- Name: team_budget_slots; Type: ROW SECURITY; Schema: app_private; Owner: -

ALTER TABLE app_private.team_budget_slots ENABLE ROW LEVEL SECURITY;

-- Name: team_budget_warnings; Type: ROW SECURITY; Schema: app_private; Owner: -

ALTER TABLE app_private.team_budget_warnings ENABLE ROW LEVEL SECURITY;

-- Name: user_secrets; Type: ROW SECURITY; Schema: app_private; Owner: -

ALTER TABLE app_private.user_secrets ENABLE ROW LEVEL SECURITY;

-- Name: workflow_execution_daily_stats__shadow; Type: ROW SECURITY; Schema: app_private; Owner: -

ALTER TABLE app_private.workflow_execution_daily_stats__shadow ENABLE ROW LEVEL SECURITY;

-- Name: workflow_graph_documents; Type: ROW SECURITY; Schema: app_private; Owner: -

ALTER TABLE app_private.workflow_graph_documents ENABLE ROW LEVEL SECURITY;

-- Name: workflow_list__shadow; Type: ROW SECURITY; Schema: app_private; Owner: -

ALTER TABLE app_private.workflow_list__shadow ENABLE ROW LEVEL SECURITY;

-- Name: workflow_settings; Type: ROW SECURITY; Schema: app_private; Owner: -

ALTER TABLE app_private.workflow_settings ENABLE ROW LEVEL SECURITY;

-- Name: bulk_actions; Type: ROW SECURITY; Schema: app_public; Owner: -

ALTER TABLE app_public.bulk_actions ENABLE ROW LEVEL SECURITY;

-- Name: error_codes; Type: ROW SECURITY; Schema: app_public; Owner: -

ALTER TABLE app_public.error_codes ENABLE ROW LEVEL SECURITY;

-- Name: event_snapshots; Type: ROW SECURITY; Schema: app_public; Owner: -

ALTER TABLE app_public.event_snapshots ENABLE ROW LEVEL SECURITY;

-- Name: event_streams; Type: ROW SECURITY; Schema: app_public; Owner: -

ALTER TABLE app_public.event_streams ENABLE ROW LEVEL SECURITY;

-- Name: events; Type: ROW SECURITY; Schema: app_public; Owner: -

ALTER TABLE app_public.events ENABLE ROW LEVEL SECURITY;

-- Name: execution_allowed_transitions; Type: ROW SECURITY; Schema: app_public; Owner: -

ALTER TABLE app_public.execution_allowed_transitions ENABLE ROW LEVEL SECURITY;

-- Name: execution_labels; Type: ROW SECURITY; Schema: app_public; Owner: -

ALTER TABLE app_public.execution_labels ENABLE ROW LEVEL SECURITY;

-- Name: execution_metric_rollups; Type: ROW SECURITY; Schema: app_public; Owner: -

ALTER TABLE app_public.execution_metric_rollups ENABLE ROW LEVEL SECURITY;

-- Name: execution_metric_samples; Type: ROW SECURITY; Schema: app_public; Owner: -

ALTER TABLE app_public.execution_metric_samples ENABLE ROW LEVEL SECURITY;

-- Name: execution_node_runs; Type: ROW SECURITY; Schema: app_public; Owner: -

ALTER TABLE app_public.execution_node_runs ENABLE ROW LEVEL SECURITY;

-- Name: execution_transitions; Type: ROW SECURITY; Schema: app_public; Owner: -

ALTER TABLE app_public.execution_transitions ENABLE ROW LEVEL SECURITY;

-- Name: executions; Type: ROW SECURITY; Schema: app_public; Owner: -

ALTER TABLE app_public.executions ENABLE ROW LEVEL SECURITY;

-- Name: retention_policies; Type: ROW SECURITY; Schema: app_public; Owner: -

ALTER TABLE app_public.retention_policies ENABLE ROW LEVEL SECURITY;

-- Name: bulk_actions select_admin; Type: POLICY; Schema: app_public; Owner: -

CREATE POLICY select_admin ON app_public.bulk_actions FOR SELECT USING ((team_id IN ( SELECT app_hidden.current_user_team_ids('admin'::text) AS current_user_team_ids)));

-- Name: error_codes select_all; Type: POLICY; Schema: app_public; Owner: -

CREATE POLICY select_all ON app_public.error_codes FOR SELECT USING (true);

-- Name: execution_allowed_transitions select_all; Type: POLICY; Schema: app_public; Owner: -

CREATE POLICY select_all ON app_public.execution_allowed_transitions FOR SELECT USING (true);

-- Name: event_snapshots select_member; Type: POLICY; Schema: app_public; Owner: -

CREATE POLICY select_member ON app_public.event_snapshots FOR SELECT USING ((stream_id IN ( SELECT s.id
   FROM app_public.event_streams s
  WHERE (s.team_id IN ( SELECT app_hidden.current_user_team_ids() AS current_user_team_ids)))));

-- Name: event_streams select_member; Type: POLICY; Schema: app_public; Owner: -

CREATE POLICY select_member ON app_public.event_streams FOR SELECT USING ((team_id IN ( SELECT app_hidden.current_user_team_ids() AS current_user_team_ids)));

-- Name: events select_member; Type: POLICY; Schema: app_public; Owner: -

CREATE POLICY select_member ON app_public.events FOR SELECT USING ((team_id IN ( SELECT app_hidden.current_user_team_ids() AS current_user_team_ids)));

-- Name: execution_labels select_member; Type: POLICY; Schema: app_public; Owner: -

CREATE POLICY select_member ON app_public.execution_labels FOR SELECT USING ((team_id IN ( SELECT app_hidden.current_user_team_ids() AS current_user_team_ids)));

-- Name: execution_metric_rollups select_member; Type: POLICY; Schema: app_public; Owner: -

CREATE POLICY select_member ON app_public.execution_metric_rollups FOR SELECT USING ((team_id IN ( SELECT app_hidden.current_user_team_ids() AS current_user_team_ids)));

-- Name: execution_metric_samples select_member; Type: POLICY; Schema: app_public; Owner: -

CREATE POLICY select_member ON app_public.execution_metric_samples FOR SELECT USING ((team_id IN ( SELECT app_hidden.current_user_team_ids() AS current_user_team_ids)));

-- Name: execution_node_runs select_member; Type: POLICY; Schema: app_public; Owner: -

CREATE POLICY select_member ON app_public.execution_node_runs FOR SELECT USING ((team_id IN ( SELECT app_hidden.current_user_team_ids() AS current_user_team_ids)));

-- Name: execution_transitions select_member; Type: POLICY; Schema: app_public; Owner: -

CREATE POLICY select_member ON app_public.execution_transitions FOR SELECT USING ((team_id IN ( SELECT app_hidden.current_user_team_ids() AS current_user_team_ids)));

-- Name: executions select_member; Type: POLICY; Schema: app_public; Owner: -

CREATE POLICY select_member ON app_public.executions FOR SELECT USING ((team_id IN ( SELECT app_hidden.current_user_team_ids() AS current_user_team_ids)));

-- Name: retention_policies select_member; Type: POLICY; Schema: app_public; Owner: -

CREATE POLICY select_member ON app_public.retention_policies FOR SELECT USING ((team_id IN ( SELECT app_hidden.current_user_team_ids('viewer'::text) AS current_user_team_ids)));

-- Name: team_activity select_member; Type: POLICY; Schema: app_public; Owner: -

CREATE POLICY select_member ON app_public.team_activity FOR SELECT USING ((team_id IN ( SELECT app_hidden.current_user_team_ids() AS current_user_team_ids)));

-- Name: team_budgets select_member; Type: POLICY; Schema: app_public; Owner: -

CREATE POLICY select_member ON app_public.team_budgets FOR SELECT USING ((team_id IN ( SELECT app_hidden.current_user_team_ids('viewer'::text) AS current_user_team_ids)));

-- Name: team_memberships select_member; Type: POLICY; Schema: app_public; Owner: -

CREATE POLICY select_member ON app_public.team_memberships FOR SELECT USING (((team_id IN ( SELECT app_hidden.current_user_team_ids() AS current_user_team_ids)) AND (NOT (user_id IN ( SELECT app_hidden.deleted_user_ids() AS deleted_user_ids)))));

-- Name: team_usage select_member; Type: POLICY; Schema: app_public; Owner: -

CREATE POLICY select_member ON app_public.team_usage FOR SELECT USING ((team_id IN ( SELECT app_hidden.current_user_team_ids('viewer'::text) AS current_user_team_ids)));

-- Name: team_usage_months select_member; Type: POLICY; Schema: app_public; Owner: -

CREATE POLICY select_member ON app_public.team_usage_months FOR SELECT USING ((team_id IN ( SELECT app_hidden.current_user_team_ids('viewer'::text) AS current_user_team_ids)));

-- Name: teams select_member; Type: POLICY; Schema: app_public; Owner: -

CREATE POLICY select_member ON app_public.teams FOR SELECT USING (((deleted_at IS NULL) AND (id IN ( SELECT app_hidden.current_user_team_ids() AS current_user_team_ids))));

-- Name: workflow_activations select_member; Type: POLICY; Schema: app_public; Owner: -

CREATE POLICY select_member ON app_public.workflow_activations FOR SELECT USING ((team_id IN ( SELECT app_hidden.current_user_team_ids() AS current_user_team_ids)));

-- Name: workflow_connections select_member; Type: POLICY; Schema: app_public; Owner: -

CREATE POLICY select_member ON app_public.workflow_connections FOR SELECT USING ((team_id IN ( SELECT app_hidden.current_user_team_ids() AS current_user_team_ids)));

-- Name: workflow_execution_daily_stats select_member; Type: POLICY; Schema: app_public; Owner: -

CREATE POLICY select_member ON app_public.workflow_execution_daily_stats FOR SELECT USING ((team_id IN ( SELECT app_hidden.current_user_team_ids() AS current_user_team_ids)));

-- Name: workflow_list select_member; Type: POLICY; Schema: app_public; Owner: -

CREATE POLICY select_member ON app_public.workflow_list FOR SELECT USING ((team_id IN ( SELECT app_hidden.current_user_team_ids() AS current_user_team_ids)));

-- Name: workflow_nodes select_member; Type: POLICY; Schema: app_public; Owner: -

CREATE POLICY select_member ON app_public.workflow_nodes FOR SELECT USING ((team_id IN ( SELECT app_hidden.current_user_team_ids() AS current_user_team_ids)));

-- Name: workflow_triggers select_member; Type: POLICY; Schema: app_public; Owner: -

CREATE POLICY select_member ON app_public.workflow_triggers FOR SELECT USING ((team_id IN ( SELECT app_hidden.current_user_team_ids() AS current_user_team_ids)));

-- Name: workflow_versions select_member; Type: POLICY; Schema: app_public; Owner: -

CREATE POLICY select_member ON app_public.workflow_versions FOR SELECT USING ((team_id IN ( SELECT app_hidden.current_user_team_ids() AS current_user_team_ids)));

-- Name: workflows select_member; Type: POLICY; Schema: app_public; Owner: -

CREATE POLICY select_member ON app_public.workflows FOR SELECT USING ((team_id IN ( SELECT app_hidden.current_user_team_ids() AS current_user_team_ids)));

-- Name: users select_self_and_teammates; Type: POLICY; Schema: app_public; Owner: -

CREATE POLICY select_self_and_teammates ON app_public.users FOR SELECT USING (((deleted_at IS NULL) AND ((id = app_public.current_user_id()) OR (id IN ( SELECT m.user_id
   FROM app_public.team_memberships m
  WHERE (m.team_id IN ( SELECT app_hidden.current_user_team_ids() AS current_user_team_ids)))))));

-- Name: team_activity; Type: ROW SECURITY; Schema: app_public; Owner: -

ALTER TABLE app_public.team_activity ENABLE ROW LEVEL SECURITY;

-- Name: team_budgets; Type: ROW SECURITY; Schema: app_public; Owner: -

ALTER TABLE app_public.team_budgets ENABLE ROW LEVEL SECURITY;

-- Name: team_memberships; Type: ROW SECURITY; Schema: app_public; Owner: -

ALTER TABLE app_public.team_memberships ENABLE ROW LEVEL SECURITY;

-- Name: team_usage; Type: ROW SECURITY; Schema: app_public; Owner: -

ALTER TABLE app_public.team_usage ENABLE ROW LEVEL SECURITY;

-- Name: team_usage_months; Type: ROW SECURITY; Schema: app_public; Owner: -

ALTER TABLE app_public.team_usage_months ENABLE ROW LEVEL SECURITY;

-- Name: teams; Type: ROW SECURITY; Schema: app_public; Owner: -

ALTER TABLE app_public.teams ENABLE ROW LEVEL SECURITY;

-- Name: users; Type: ROW SECURITY; Schema: app_public; Owner: -

ALTER TABLE app_public.users ENABLE ROW LEVEL SECURITY;

-- Name: workflow_activations; Type: ROW SECURITY; Schema: app_public; Owner: -

ALTER TABLE app_public.workflow_activations ENABLE ROW LEVEL SECURITY;

-- Name: workflow_connections; Type: ROW SECURITY; Schema: app_public; Owner: -

ALTER TABLE app_public.workflow_connections ENABLE ROW LEVEL SECURITY;

-- Name: workflow_execution_daily_stats; Type: ROW SECURITY; Schema: app_public; Owner: -

ALTER TABLE app_public.workflow_execution_daily_stats ENABLE ROW LEVEL SECURITY;

-- Name: workflow_list; Type: ROW SECURITY; Schema: app_public; Owner: -

ALTER TABLE app_public.workflow_list ENABLE ROW LEVEL SECURITY;

-- Name: workflow_nodes; Type: ROW SECURITY; Schema: app_public; Owner: -

ALTER TABLE app_public.workflow_nodes ENABLE ROW LEVEL SECURITY;

-- Name: workflow_triggers; Type: ROW SECURITY; Schema: app_public; Owner: -

ALTER TABLE app_public.workflow_triggers ENABLE ROW LEVEL SECURITY;

-- Name: workflow_versions; Type: ROW SECURITY; Schema: app_public; Owner: -

ALTER TABLE app_public.workflow_versions ENABLE ROW LEVEL SECURITY;

-- Name: workflows; Type: ROW SECURITY; Schema: app_public; Owner: -

ALTER TABLE app_public.workflows ENABLE ROW LEVEL SECURITY;

-- Name: SCHEMA app_hidden; Type: ACL; Schema: -; Owner: -

GRANT USAGE ON SCHEMA app_hidden TO linkflow_visitor;

-- Name: SCHEMA app_public; Type: ACL; Schema: -; Owner: -

GRANT USAGE ON SCHEMA app_public TO linkflow_visitor;
GRANT USAGE ON SCHEMA app_public TO linkflow_anonymous;

-- Name: SCHEMA public; Type: ACL; Schema: -; Owner: -

REVOKE USAGE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO linkflow_visitor;
GRANT USAGE ON SCHEMA public TO linkflow_anonymous;

-- Name: FUNCTION bloom_build(terms text[]); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.bloom_build(terms text[]) FROM PUBLIC;

-- Name: FUNCTION bloom_has_all(bloom bytea, terms text[]); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.bloom_has_all(bloom bytea, terms text[]) FROM PUBLIC;

-- Name: FUNCTION bloom_positions(term text, bits integer); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.bloom_positions(term text, bits integer) FROM PUBLIC;

-- Name: FUNCTION cron_field_is_valid(field text, min_value integer, max_value integer, names text[], names_base integer); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.cron_field_is_valid(field text, min_value integer, max_value integer, names text[], names_base integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.cron_field_is_valid(field text, min_value integer, max_value integer, names text[], names_base integer) TO linkflow_visitor;

-- Name: FUNCTION cumulative_percentile(one_cumulative integer[], cumulatives integer[], total bigint, fraction double precision); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.cumulative_percentile(one_cumulative integer[], cumulatives integer[], total bigint, fraction double precision) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.cumulative_percentile(one_cumulative integer[], cumulatives integer[], total bigint, fraction double precision) TO linkflow_visitor;

-- Name: FUNCTION cumulative_search(cumulatives integer[], rank bigint); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.cumulative_search(cumulatives integer[], rank bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.cumulative_search(cumulatives integer[], rank bigint) TO linkflow_visitor;

-- Name: FUNCTION cumulative_search(cumulatives integer[], rank bigint, lo integer, hi integer); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.cumulative_search(cumulatives integer[], rank bigint, lo integer, hi integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.cumulative_search(cumulatives integer[], rank bigint, lo integer, hi integer) TO linkflow_visitor;

-- Name: FUNCTION current_user_team_ids(min_role text); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.current_user_team_ids(min_role text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.current_user_team_ids(min_role text) TO linkflow_visitor;

-- Name: FUNCTION deleted_user_ids(); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.deleted_user_ids() FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.deleted_user_ids() TO linkflow_visitor;

-- Name: FUNCTION duration_bucket(duration_ms bigint); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.duration_bucket(duration_ms bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.duration_bucket(duration_ms bigint) TO linkflow_visitor;

-- Name: FUNCTION duration_bucket_value(bucket integer); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.duration_bucket_value(bucket integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.duration_bucket_value(bucket integer) TO linkflow_visitor;

-- Name: FUNCTION duration_histogram(durations bigint[]); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.duration_histogram(durations bigint[]) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.duration_histogram(durations bigint[]) TO linkflow_visitor;

-- Name: FUNCTION escape_like(pattern text); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.escape_like(pattern text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.escape_like(pattern text) TO linkflow_visitor;

-- Name: FUNCTION execution_active_states(); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.execution_active_states() FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.execution_active_states() TO linkflow_visitor;

-- Name: FUNCTION execution_created_at(execution_id uuid); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.execution_created_at(execution_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.execution_created_at(execution_id uuid) TO linkflow_visitor;

-- Name: FUNCTION execution_error_text(error jsonb); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.execution_error_text(error jsonb) FROM PUBLIC;

-- Name: FUNCTION execution_failure_states(); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.execution_failure_states() FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.execution_failure_states() TO linkflow_visitor;

-- Name: FUNCTION execution_labels_max(); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.execution_labels_max() FROM PUBLIC;

-- Name: FUNCTION execution_metric_tail(bucket text, range_start timestamp with time zone, range_end timestamp with time zone, workflow_id uuid, team_id uuid); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.execution_metric_tail(bucket text, range_start timestamp with time zone, range_end timestamp with time zone, workflow_id uuid, team_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.execution_metric_tail(bucket text, range_start timestamp with time zone, range_end timestamp with time zone, workflow_id uuid, team_id uuid) TO linkflow_visitor;

-- Name: FUNCTION execution_search_is_content(query jsonb); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.execution_search_is_content(query jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.execution_search_is_content(query jsonb) TO linkflow_visitor;

-- Name: FUNCTION execution_search_predicate(query jsonb); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.execution_search_predicate(query jsonb) FROM PUBLIC;

-- Name: FUNCTION execution_search_probe_terms(query jsonb); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.execution_search_probe_terms(query jsonb) FROM PUBLIC;

-- Name: FUNCTION execution_search_shape(query jsonb, first_param integer, OUT predicate text, OUT param_types text[], OUT param_values text[]); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.execution_search_shape(query jsonb, first_param integer, OUT predicate text, OUT param_types text[], OUT param_values text[]) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.execution_search_shape(query jsonb, first_param integer, OUT predicate text, OUT param_types text[], OUT param_values text[]) TO linkflow_visitor;

-- Name: FUNCTION execution_states(); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.execution_states() FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.execution_states() TO linkflow_visitor;

-- Name: FUNCTION execution_terminal_states(); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.execution_terminal_states() FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.execution_terminal_states() TO linkflow_visitor;

-- Name: FUNCTION has_team_role(team_id uuid, min_role text); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.has_team_role(team_id uuid, min_role text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.has_team_role(team_id uuid, min_role text) TO linkflow_visitor;

-- Name: FUNCTION histogram_cumulative(histogram integer[]); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.histogram_cumulative(histogram integer[]) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.histogram_cumulative(histogram integer[]) TO linkflow_visitor;

-- Name: FUNCTION histogram_percentile(histogram integer[], fraction double precision); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.histogram_percentile(histogram integer[], fraction double precision) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.histogram_percentile(histogram integer[], fraction double precision) TO linkflow_visitor;

-- Name: FUNCTION histogram_rank_bucket(histogram integer[], fraction double precision); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.histogram_rank_bucket(histogram integer[], fraction double precision) FROM PUBLIC;

-- Name: FUNCTION int_array_add(a integer[], b integer[]); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.int_array_add(a integer[], b integer[]) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.int_array_add(a integer[], b integer[]) TO linkflow_visitor;

-- Name: FUNCTION jsonb_search_terms(col text, doc jsonb); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.jsonb_search_terms(col text, doc jsonb) FROM PUBLIC;

-- Name: FUNCTION node_run_finished_statuses(); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.node_run_finished_statuses() FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.node_run_finished_statuses() TO linkflow_visitor;

-- Name: FUNCTION search_cursor(created_at timestamp with time zone, id uuid); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.search_cursor(created_at timestamp with time zone, id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.search_cursor(created_at timestamp with time zone, id uuid) TO linkflow_visitor;

-- Name: FUNCTION search_cursor_parts(cursor text, OUT created_at timestamp with time zone, OUT id uuid); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.search_cursor_parts(cursor text, OUT created_at timestamp with time zone, OUT id uuid) FROM PUBLIC;

-- Name: FUNCTION search_fail(field text, message text); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.search_fail(field text, message text) FROM PUBLIC;

-- Name: FUNCTION search_int_range(field text, v jsonb); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.search_int_range(field text, v jsonb) FROM PUBLIC;

-- Name: FUNCTION search_jsonpath(field text, v jsonb); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.search_jsonpath(field text, v jsonb) FROM PUBLIC;

-- Name: FUNCTION search_scalar_text(v jsonb); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.search_scalar_text(v jsonb) FROM PUBLIC;

-- Name: FUNCTION search_text_list(field text, v jsonb, allowed text[], max_items integer); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.search_text_list(field text, v jsonb, allowed text[], max_items integer) FROM PUBLIC;

-- Name: FUNCTION search_timestamp(field text, v jsonb); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.search_timestamp(field text, v jsonb) FROM PUBLIC;

-- Name: FUNCTION team_role_rank(role text); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.team_role_rank(role text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.team_role_rank(role text) TO linkflow_visitor;

-- Name: FUNCTION text_trigram_terms(t text); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.text_trigram_terms(t text) FROM PUBLIC;

-- Name: FUNCTION uuid_v7_time(id uuid); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.uuid_v7_time(id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.uuid_v7_time(id uuid) TO linkflow_visitor;

-- Name: FUNCTION workflow_snapshot_diff(a jsonb, b jsonb); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.workflow_snapshot_diff(a jsonb, b jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.workflow_snapshot_diff(a jsonb, b jsonb) TO linkflow_visitor;

-- Name: FUNCTION workflow_trigger_config_error(type text, config jsonb); Type: ACL; Schema: app_hidden; Owner: -

REVOKE ALL ON FUNCTION app_hidden.workflow_trigger_config_error(type text, config jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION app_hidden.workflow_trigger_config_error(type text, config jsonb) TO linkflow_visitor;

-- Name: FUNCTION append_events(stream_id text, stream_type text, expected_version bigint, events jsonb, team_id uuid); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.append_events(stream_id text, stream_type text, expected_version bigint, events jsonb, team_id uuid) FROM PUBLIC;

-- Name: FUNCTION append_execution_events(p_appends jsonb); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.append_execution_events(p_appends jsonb) FROM PUBLIC;

-- Name: FUNCTION append_input_problem(s jsonb); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.append_input_problem(s jsonb) FROM PUBLIC;

-- Name: FUNCTION append_retry_result(stream_ids text[], event_streams integer[], event_ids uuid[], types text[], datas jsonb[], metadatas jsonb[]); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.append_retry_result(stream_ids text[], event_streams integer[], event_ids uuid[], types text[], datas jsonb[], metadatas jsonb[]) FROM PUBLIC;

-- Name: FUNCTION append_stream_events(stream_id text, stream_type text, expected_version bigint, types text[], datas jsonb[], metadatas jsonb[], team_id uuid, event_ids uuid[]); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.append_stream_events(stream_id text, stream_type text, expected_version bigint, types text[], datas jsonb[], metadatas jsonb[], team_id uuid, event_ids uuid[]) FROM PUBLIC;

-- Name: FUNCTION append_streams_events(stream_ids text[], stream_types text[], team_ids uuid[], event_streams integer[], types text[], datas jsonb[], metadatas jsonb[]); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.append_streams_events(stream_ids text[], stream_types text[], team_ids uuid[], event_streams integer[], types text[], datas jsonb[], metadatas jsonb[]) FROM PUBLIC;

-- Name: FUNCTION append_to_streams(appends jsonb); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.append_to_streams(appends jsonb) FROM PUBLIC;

-- Name: FUNCTION apply_execution_move_requests(p_requests app_private.execution_move_request[], p_actor uuid, p_check_role boolean); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.apply_execution_move_requests(p_requests app_private.execution_move_request[], p_actor uuid, p_check_role boolean) FROM PUBLIC;

-- Name: FUNCTION apply_execution_transitions(p_items jsonb, p_actor uuid, p_check_role boolean); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.apply_execution_transitions(p_items jsonb, p_actor uuid, p_check_role boolean) FROM PUBLIC;

-- Name: FUNCTION apply_workflow_version_retention(keep_last integer, only_workflow_id uuid); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.apply_workflow_version_retention(keep_last integer, only_workflow_id uuid) FROM PUBLIC;

-- Name: FUNCTION archive_batch_documents(batch_ids uuid[]); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.archive_batch_documents(batch_ids uuid[]) FROM PUBLIC;

-- Name: FUNCTION archive_batch_is_held(batch_id uuid); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.archive_batch_is_held(batch_id uuid) FROM PUBLIC;

-- Name: FUNCTION archive_candidates(default_hot_days integer, terminal_before timestamp with time zone); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.archive_candidates(default_hot_days integer, terminal_before timestamp with time zone) FROM PUBLIC;

-- Name: FUNCTION archive_delete_batch(batch_id uuid); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.archive_delete_batch(batch_id uuid) FROM PUBLIC;

-- Name: FUNCTION archive_delete_batches(batch_ids uuid[]); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.archive_delete_batches(batch_ids uuid[]) FROM PUBLIC;

-- Name: FUNCTION archive_drop_partitions(before_day date, max_days integer); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.archive_drop_partitions(before_day date, max_days integer) FROM PUBLIC;

-- Name: FUNCTION archive_erase_team(team_id uuid); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.archive_erase_team(team_id uuid) FROM PUBLIC;

-- Name: FUNCTION archive_event(team_id uuid, type text, data jsonb); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.archive_event(team_id uuid, type text, data jsonb) FROM PUBLIC;

-- Name: FUNCTION archive_events(events jsonb); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.archive_events(events jsonb) FROM PUBLIC;

-- Name: FUNCTION archive_expire_batches(default_cold_days integer, max_batches integer, at timestamp with time zone); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.archive_expire_batches(default_cold_days integer, max_batches integer, at timestamp with time zone) FROM PUBLIC;

-- Name: FUNCTION archive_is_held(team_id uuid, workflow_id uuid, execution_id uuid); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.archive_is_held(team_id uuid, workflow_id uuid, execution_id uuid) FROM PUBLIC;

-- Name: FUNCTION archive_iso(t timestamp with time zone); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.archive_iso(t timestamp with time zone) FROM PUBLIC;

-- Name: FUNCTION archive_list_keys(team_id uuid, workflow_id uuid, state text, from_time timestamp with time zone, to_time timestamp with time zone, after_created_at timestamp with time zone, after_id uuid, max_rows integer, include_cold boolean); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.archive_list_keys(team_id uuid, workflow_id uuid, state text, from_time timestamp with time zone, to_time timestamp with time zone, after_created_at timestamp with time zone, after_id uuid, max_rows integer, include_cold boolean) FROM PUBLIC;

-- Name: FUNCTION archive_list_page(team_id uuid, workflow_id uuid, state text, from_time timestamp with time zone, to_time timestamp with time zone, after_created_at timestamp with time zone, after_id uuid, max_rows integer, include_cold boolean); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.archive_list_page(team_id uuid, workflow_id uuid, state text, from_time timestamp with time zone, to_time timestamp with time zone, after_created_at timestamp with time zone, after_id uuid, max_rows integer, include_cold boolean) FROM PUBLIC;

-- Name: FUNCTION archive_locate(execution_id uuid); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.archive_locate(execution_id uuid) FROM PUBLIC;

-- Name: FUNCTION archive_mark_batches_uploaded(batches jsonb); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.archive_mark_batches_uploaded(batches jsonb) FROM PUBLIC;

-- Name: FUNCTION archive_mark_batches_verified(batches jsonb); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.archive_mark_batches_verified(batches jsonb) FROM PUBLIC;

-- Name: FUNCTION archive_mark_uploaded(batch_id uuid, bytes bigint, sha256 text, pg_bytes bigint, transition_count integer, node_run_count integer, actor_ids uuid[]); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.archive_mark_uploaded(batch_id uuid, bytes bigint, sha256 text, pg_bytes bigint, transition_count integer, node_run_count integer, actor_ids uuid[]) FROM PUBLIC;

-- Name: FUNCTION archive_mark_verified(batch_id uuid, row_count integer, sha256 text); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.archive_mark_verified(batch_id uuid, row_count integer, sha256 text) FROM PUBLIC;

-- Name: FUNCTION archive_micros(t timestamp with time zone); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.archive_micros(t timestamp with time zone) FROM PUBLIC;

-- Name: FUNCTION archive_plan_batch(team_id uuid, day date, max_rows integer, default_hot_days integer, key_prefix text, encrypted boolean); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.archive_plan_batch(team_id uuid, day date, max_rows integer, default_hot_days integer, key_prefix text, encrypted boolean) FROM PUBLIC;

-- Name: FUNCTION archive_plan_batches(max_rows integer, group_rows integer, default_hot_days integer, key_prefix text, encrypted boolean, only_team_id uuid, max_batches integer, at timestamp with time zone); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.archive_plan_batches(max_rows integer, group_rows integer, default_hot_days integer, key_prefix text, encrypted boolean, only_team_id uuid, max_batches integer, at timestamp with time zone) FROM PUBLIC;

-- Name: FUNCTION archive_record_rewrite(batch_id uuid, new_key text, bytes bigint, sha256 text, actor_ids uuid[], reason text); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.archive_record_rewrite(batch_id uuid, new_key text, bytes bigint, sha256 text, actor_ids uuid[], reason text) FROM PUBLIC;

-- Name: FUNCTION archive_restore_batch(batch_id uuid, documents jsonb, keep_days integer); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.archive_restore_batch(batch_id uuid, documents jsonb, keep_days integer) FROM PUBLIC;

-- Name: FUNCTION archive_subtract_hot_usage_of_day(day date); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.archive_subtract_hot_usage_of_day(day date) FROM PUBLIC;

-- Name: FUNCTION assert_password_strength(password text, email text); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.assert_password_strength(password text, email text) FROM PUBLIC;

-- Name: FUNCTION assert_role(role text); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.assert_role(role text) FROM PUBLIC;

-- Name: FUNCTION assert_team_has_owner(team_id uuid); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.assert_team_has_owner(team_id uuid) FROM PUBLIC;

-- Name: FUNCTION base64url(data bytea); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.base64url(data bytea) FROM PUBLIC;

-- Name: FUNCTION budget_month(at timestamp with time zone); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.budget_month(at timestamp with time zone) FROM PUBLIC;

-- Name: FUNCTION bulk_action_candidates(team_id uuid, action text, filter jsonb, upper_created_at timestamp with time zone, after_created_at timestamp with time zone, after_id uuid, max_rows integer); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.bulk_action_candidates(team_id uuid, action text, filter jsonb, upper_created_at timestamp with time zone, after_created_at timestamp with time zone, after_id uuid, max_rows integer) FROM PUBLIC;

-- Name: FUNCTION bulk_action_filter(filter jsonb); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.bulk_action_filter(filter jsonb) FROM PUBLIC;

-- Name: FUNCTION bulk_action_search_query(action text, search jsonb, upper_created_at timestamp with time zone); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.bulk_action_search_query(action text, search jsonb, upper_created_at timestamp with time zone) FROM PUBLIC;

-- Name: FUNCTION bulk_action_states(action text); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.bulk_action_states(action text) FROM PUBLIC;

-- Name: FUNCTION uuid_generate_v7(); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.uuid_generate_v7() FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.uuid_generate_v7() TO linkflow_visitor;

-- Name: TABLE bulk_actions; Type: ACL; Schema: app_public; Owner: -

GRANT SELECT ON TABLE app_public.bulk_actions TO linkflow_visitor;

-- Name: FUNCTION bulk_action_step(team_id uuid, id uuid); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.bulk_action_step(team_id uuid, id uuid) FROM PUBLIC;

-- Name: FUNCTION bulk_create_users(items jsonb, best_effort boolean); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.bulk_create_users(items jsonb, best_effort boolean) FROM PUBLIC;

-- Name: FUNCTION bulk_create_users_careful(items jsonb, best_effort boolean); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.bulk_create_users_careful(items jsonb, best_effort boolean) FROM PUBLIC;

-- Name: FUNCTION bulk_update_users(items jsonb, best_effort boolean); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.bulk_update_users(items jsonb, best_effort boolean) FROM PUBLIC;

-- Name: FUNCTION bulk_user_id(prefix text, counter bigint); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.bulk_user_id(prefix text, counter bigint) FROM PUBLIC;

-- Name: FUNCTION bulk_user_ids_base(); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.bulk_user_ids_base() FROM PUBLIC;

-- Name: FUNCTION bulk_user_row_error(email text, name text, status text, repeated boolean); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.bulk_user_row_error(email text, name text, status text, repeated boolean) FROM PUBLIC;

-- Name: FUNCTION cache_keys(table_name text, r jsonb); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.cache_keys(table_name text, r jsonb) FROM PUBLIC;

-- Name: FUNCTION cache_tags(table_name text, r jsonb); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.cache_tags(table_name text, r jsonb) FROM PUBLIC;

-- Name: FUNCTION check_execution_budget(team_id uuid, n integer); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.check_execution_budget(team_id uuid, n integer) FROM PUBLIC;

-- Name: FUNCTION configure_auth(jwt_secret text, jwt_issuer text, jwt_audience text, token_ttl interval, bcrypt_cost integer, restore_window interval); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.configure_auth(jwt_secret text, jwt_issuer text, jwt_audience text, token_ttl interval, bcrypt_cost integer, restore_window interval) FROM PUBLIC;

-- Name: FUNCTION consistency_position(OUT xmax xid8, OUT wal_lsn pg_lsn); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.consistency_position(OUT xmax xid8, OUT wal_lsn pg_lsn) FROM PUBLIC;

-- Name: TABLE users; Type: ACL; Schema: app_public; Owner: -

GRANT SELECT ON TABLE app_public.users TO linkflow_visitor;

-- Name: FUNCTION create_user(email text, name text, password text, status text); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.create_user(email text, name text, password text, status text) FROM PUBLIC;

-- Name: FUNCTION enqueue_cache_invalidation(keys text[], tags text[], patterns text[]); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.enqueue_cache_invalidation(keys text[], tags text[], patterns text[]) FROM PUBLIC;

-- Name: FUNCTION ensure_budget_slots(team_id uuid, month date, budget integer); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.ensure_budget_slots(team_id uuid, month date, budget integer) FROM PUBLIC;

-- Name: FUNCTION ensure_partitions(days_ahead integer); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.ensure_partitions(days_ahead integer) FROM PUBLIC;

-- Name: FUNCTION ensure_partitions_between(from_day date, to_day date); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.ensure_partitions_between(from_day date, to_day date) FROM PUBLIC;

-- Name: FUNCTION erase_event_personal_data(user_id uuid, reason text); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.erase_event_personal_data(user_id uuid, reason text) FROM PUBLIC;

-- Name: FUNCTION event_input_problem(e jsonb); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.event_input_problem(e jsonb) FROM PUBLIC;

-- Name: FUNCTION event_store_horizon(OUT snapshot_xmin xid8, OUT next_xid xid8, OUT oldest_running_xid_age bigint, OUT oldest_writer_seconds double precision, OUT oldest_writer_pid integer); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.event_store_horizon(OUT snapshot_xmin xid8, OUT next_xid xid8, OUT oldest_running_xid_age bigint, OUT oldest_writer_seconds double precision, OUT oldest_writer_pid integer) FROM PUBLIC;

-- Name: FUNCTION events_wake_up(); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.events_wake_up() FROM PUBLIC;

-- Name: TABLE executions; Type: ACL; Schema: app_public; Owner: -

GRANT SELECT ON TABLE app_public.executions TO linkflow_visitor;

-- Name: FUNCTION execution_bytes(r app_public.executions); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.execution_bytes(r app_public.executions) FROM PUBLIC;

-- Name: FUNCTION execution_documents(ids uuid[]); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.execution_documents(ids uuid[]) FROM PUBLIC;

-- Name: FUNCTION execution_history(team_id uuid, workflow_id uuid, state text, created_from timestamp with time zone, created_before timestamp with time zone, after_created_at timestamp with time zone, after_id uuid, max_rows integer, check_membership boolean); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.execution_history(team_id uuid, workflow_id uuid, state text, created_from timestamp with time zone, created_before timestamp with time zone, after_created_at timestamp with time zone, after_id uuid, max_rows integer, check_membership boolean) FROM PUBLIC;

-- Name: TABLE execution_node_runs; Type: ACL; Schema: app_public; Owner: -

GRANT SELECT ON TABLE app_public.execution_node_runs TO linkflow_visitor;

-- Name: FUNCTION execution_node_run_bytes(r app_public.execution_node_runs); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.execution_node_run_bytes(r app_public.execution_node_runs) FROM PUBLIC;

-- Name: FUNCTION execution_peek(p_id uuid); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.execution_peek(p_id uuid) FROM PUBLIC;

-- Name: FUNCTION execution_state_changed_data(m app_private.execution_move); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.execution_state_changed_data(m app_private.execution_move) FROM PUBLIC;

-- Name: FUNCTION execution_state_changed_metadata(m app_private.execution_move, p_actor uuid); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.execution_state_changed_metadata(m app_private.execution_move, p_actor uuid) FROM PUBLIC;

-- Name: FUNCTION execution_timing_after_move(p_to_state text, p_is_retry boolean, p_at timestamp with time zone, p_attempt integer, p_started_at timestamp with time zone, p_finished_at timestamp with time zone, p_duration_ms bigint); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.execution_timing_after_move(p_to_state text, p_is_retry boolean, p_at timestamp with time zone, p_attempt integer, p_started_at timestamp with time zone, p_finished_at timestamp with time zone, p_duration_ms bigint) FROM PUBLIC;

-- Name: TABLE execution_transitions; Type: ACL; Schema: app_public; Owner: -

GRANT SELECT ON TABLE app_public.execution_transitions TO linkflow_visitor;

-- Name: FUNCTION execution_transition_bytes(r app_public.execution_transitions); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.execution_transition_bytes(r app_public.execution_transitions) FROM PUBLIC;

-- Name: FUNCTION find_executions(p_ids uuid[]); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.find_executions(p_ids uuid[]) FROM PUBLIC;

-- Name: FUNCTION fold_execution_metric_samples(max_rows integer); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.fold_execution_metric_samples(max_rows integer) FROM PUBLIC;

-- Name: FUNCTION fold_team_usage(max_rows integer); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.fold_team_usage(max_rows integer) FROM PUBLIC;

-- Name: FUNCTION hash_password(password text); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.hash_password(password text) FROM PUBLIC;

-- Name: FUNCTION inherit_column_compression(part regclass); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.inherit_column_compression(part regclass) FROM PUBLIC;

-- Name: FUNCTION lifecycle_archive_due(default_hot_days integer, only_team_id uuid, at timestamp with time zone); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.lifecycle_archive_due(default_hot_days integer, only_team_id uuid, at timestamp with time zone) FROM PUBLIC;

-- Name: FUNCTION lifecycle_assert_as_of(at timestamp with time zone); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.lifecycle_assert_as_of(at timestamp with time zone) FROM PUBLIC;

-- Name: FUNCTION lifecycle_event(team_id uuid, type text, data jsonb); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.lifecycle_event(team_id uuid, type text, data jsonb) FROM PUBLIC;

-- Name: FUNCTION lifecycle_expire_due(default_cold_days integer, only_team_id uuid, at timestamp with time zone); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.lifecycle_expire_due(default_cold_days integer, only_team_id uuid, at timestamp with time zone) FROM PUBLIC;

-- Name: FUNCTION lifecycle_metrics(); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.lifecycle_metrics() FROM PUBLIC;

-- Name: FUNCTION lifecycle_require_admin(team_id uuid); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.lifecycle_require_admin(team_id uuid) FROM PUBLIC;

-- Name: FUNCTION lifecycle_require_member(team_id uuid); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.lifecycle_require_member(team_id uuid) FROM PUBLIC;

-- Name: FUNCTION lifecycle_trim_due(default_hot_days integer, only_team_id uuid, at timestamp with time zone, from_created_at timestamp with time zone, from_execution_id uuid, before_created_at timestamp with time zone); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.lifecycle_trim_due(default_hot_days integer, only_team_id uuid, at timestamp with time zone, from_created_at timestamp with time zone, from_execution_id uuid, before_created_at timestamp with time zone) FROM PUBLIC;

-- Name: FUNCTION lifecycle_trim_node_outputs(default_hot_days integer, max_rows integer, only_team_id uuid, at timestamp with time zone, after_created_at timestamp with time zone, after_execution_id uuid); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.lifecycle_trim_node_outputs(default_hot_days integer, max_rows integer, only_team_id uuid, at timestamp with time zone, after_created_at timestamp with time zone, after_execution_id uuid) FROM PUBLIC;

-- Name: FUNCTION link_execution_partitions(from_day date, to_day date); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.link_execution_partitions(from_day date, to_day date) FROM PUBLIC;

-- Name: FUNCTION lock_execution_for_node_run(p_execution_id uuid, p_check_role boolean); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.lock_execution_for_node_run(p_execution_id uuid, p_check_role boolean) FROM PUBLIC;

-- Name: FUNCTION lock_executions(p_ids uuid[]); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.lock_executions(p_ids uuid[]) FROM PUBLIC;

-- Name: FUNCTION lock_team_for_caller(team_id uuid); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.lock_team_for_caller(team_id uuid) FROM PUBLIC;

-- Name: FUNCTION move_execution(p_id uuid, p_to_state text, p_expected_from text, p_details jsonb, p_actor uuid, p_check_role boolean, OUT result app_public.execution_transition_result, OUT execution app_public.executions); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.move_execution(p_id uuid, p_to_state text, p_expected_from text, p_details jsonb, p_actor uuid, p_check_role boolean, OUT result app_public.execution_transition_result, OUT execution app_public.executions) FROM PUBLIC;

-- Name: FUNCTION node_run_or_raise(r app_public.execution_node_run_result); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.node_run_or_raise(r app_public.execution_node_run_result) FROM PUBLIC;

-- Name: FUNCTION parse_execution_moves(p_items jsonb); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.parse_execution_moves(p_items jsonb) FROM PUBLIC;

-- Name: FUNCTION partition_gaps(days_ahead integer); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.partition_gaps(days_ahead integer) FROM PUBLIC;

-- Name: FUNCTION partition_name(parent regclass, day date); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.partition_name(parent regclass, day date) FROM PUBLIC;

-- Name: FUNCTION pg_stat_statements_top(max_rows integer, order_by text); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.pg_stat_statements_top(max_rows integer, order_by text) FROM PUBLIC;

-- Name: FUNCTION place_legal_hold(team_id uuid, reason text, workflow_id uuid, execution_id uuid, created_by uuid); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.place_legal_hold(team_id uuid, reason text, workflow_id uuid, execution_id uuid, created_by uuid) FROM PUBLIC;

-- Name: FUNCTION plan_execution_moves(p_requests app_private.execution_move_request[], p_locked app_public.executions[], p_check_role boolean); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.plan_execution_moves(p_requests app_private.execution_move_request[], p_locked app_public.executions[], p_check_role boolean) FROM PUBLIC;

-- Name: FUNCTION project_execution_daily_stats(target regclass, from_tx xid8, from_pos bigint, to_tx xid8, to_pos bigint); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.project_execution_daily_stats(target regclass, from_tx xid8, from_pos bigint, to_tx xid8, to_pos bigint) FROM PUBLIC;

-- Name: FUNCTION project_team_activity(target regclass, from_tx xid8, from_pos bigint, to_tx xid8, to_pos bigint); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.project_team_activity(target regclass, from_tx xid8, from_pos bigint, to_tx xid8, to_pos bigint) FROM PUBLIC;

-- Name: FUNCTION project_workflow_list(target regclass, from_tx xid8, from_pos bigint, to_tx xid8, to_pos bigint); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.project_workflow_list(target regclass, from_tx xid8, from_pos bigint, to_tx xid8, to_pos bigint) FROM PUBLIC;

-- Name: FUNCTION projection_lag(); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.projection_lag() FROM PUBLIC;

-- Name: FUNCTION projection_shadow_indexes(tables text[], build boolean); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.projection_shadow_indexes(tables text[], build boolean) FROM PUBLIC;

-- Name: FUNCTION projection_swap(tables text[]); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.projection_swap(tables text[]) FROM PUBLIC;

-- Name: FUNCTION projections_cover(token_xmax xid8, projection_names text[]); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.projections_cover(token_xmax xid8, projection_names text[]) FROM PUBLIC;

-- Name: FUNCTION purge_expired(max_rows integer); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.purge_expired(max_rows integer) FROM PUBLIC;

-- Name: FUNCTION purge_user(id uuid); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.purge_user(id uuid) FROM PUBLIC;

-- Name: FUNCTION purge_users(ids uuid[]); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.purge_users(ids uuid[]) FROM PUBLIC;

-- Name: TABLE events; Type: ACL; Schema: app_public; Owner: -

GRANT SELECT ON TABLE app_public.events TO linkflow_visitor;

-- Name: FUNCTION read_all_events(after_transaction_id xid8, after_position bigint, max_count integer, types text[], stream_types text[]); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.read_all_events(after_transaction_id xid8, after_position bigint, max_count integer, types text[], stream_types text[]) FROM PUBLIC;

-- Name: FUNCTION read_model_drift(); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.read_model_drift() FROM PUBLIC;

-- Name: FUNCTION read_stream_events(stream_id text, from_version bigint, max_count integer, backwards boolean); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.read_stream_events(stream_id text, from_version bigint, max_count integer, backwards boolean) FROM PUBLIC;

-- Name: FUNCTION rebase_event_transaction_ids(checkpoint_tables regclass[]); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.rebase_event_transaction_ids(checkpoint_tables regclass[]) FROM PUBLIC;

-- Name: FUNCTION reconcile_team_usage(team_id uuid); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.reconcile_team_usage(team_id uuid) FROM PUBLIC;

-- Name: FUNCTION record_node_run_finish(p_execution_id uuid, p_node_name text, p_attempt integer, p_status text, p_output jsonb, p_error jsonb, p_check_role boolean); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.record_node_run_finish(p_execution_id uuid, p_node_name text, p_attempt integer, p_status text, p_output jsonb, p_error jsonb, p_check_role boolean) FROM PUBLIC;

-- Name: FUNCTION record_node_run_start(p_execution_id uuid, p_node_name text, p_attempt integer, p_node_id uuid, p_check_role boolean); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.record_node_run_start(p_execution_id uuid, p_node_name text, p_attempt integer, p_node_id uuid, p_check_role boolean) FROM PUBLIC;

-- Name: FUNCTION record_node_runs(p_items jsonb, p_actor uuid, p_check_role boolean); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.record_node_runs(p_items jsonb, p_actor uuid, p_check_role boolean) FROM PUBLIC;

-- Name: FUNCTION release_legal_hold(hold_id uuid); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.release_legal_hold(hold_id uuid) FROM PUBLIC;

-- Name: FUNCTION require_live_user(); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.require_live_user() FROM PUBLIC;

-- Name: FUNCTION restore_users(ids uuid[]); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.restore_users(ids uuid[]) FROM PUBLIC;

-- Name: FUNCTION retention_plan(team_id uuid, default_hot_days integer, default_cold_days integer, at timestamp with time zone); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.retention_plan(team_id uuid, default_hot_days integer, default_cold_days integer, at timestamp with time zone) FROM PUBLIC;

-- Name: FUNCTION rollup_and_drop_metric_samples(retain_days integer); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.rollup_and_drop_metric_samples(retain_days integer) FROM PUBLIC;

-- Name: FUNCTION search_candidate_batches(team_id uuid, query jsonb, after_created_at timestamp with time zone, after_id uuid); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.search_candidate_batches(team_id uuid, query jsonb, after_created_at timestamp with time zone, after_id uuid) FROM PUBLIC;

-- Name: FUNCTION search_deallocate(); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.search_deallocate() FROM PUBLIC;

-- Name: FUNCTION search_executions_hot(team_id uuid, query jsonb, after_created_at timestamp with time zone, after_id uuid, max_rows integer); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.search_executions_hot(team_id uuid, query jsonb, after_created_at timestamp with time zone, after_id uuid, max_rows integer) FROM PUBLIC;

-- Name: FUNCTION search_filter_documents(team_id uuid, query jsonb, docs jsonb, after_created_at timestamp with time zone, after_id uuid); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.search_filter_documents(team_id uuid, query jsonb, docs jsonb, after_created_at timestamp with time zone, after_id uuid) FROM PUBLIC;

-- Name: FUNCTION search_prepare(shape_predicate text, param_types text[], content boolean); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.search_prepare(shape_predicate text, param_types text[], content boolean) FROM PUBLIC;

-- Name: FUNCTION set_execution_labels(execution_id uuid, labels jsonb, actor uuid, check_role boolean); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.set_execution_labels(execution_id uuid, labels jsonb, actor uuid, check_role boolean) FROM PUBLIC;

-- Name: FUNCTION sign_jwt(claims jsonb); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.sign_jwt(claims jsonb) FROM PUBLIC;

-- Name: FUNCTION soft_delete_users(ids uuid[]); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.soft_delete_users(ids uuid[]) FROM PUBLIC;

-- Name: FUNCTION start_execution(p_workflow_id uuid, p_trigger_type text, p_input jsonb, p_idempotency_key text, p_actor uuid, p_check_role boolean); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.start_execution(p_workflow_id uuid, p_trigger_type text, p_input jsonb, p_idempotency_key text, p_actor uuid, p_check_role boolean) FROM PUBLIC;

-- Name: FUNCTION start_executions(p_items jsonb, p_actor uuid, p_check_role boolean); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.start_executions(p_items jsonb, p_actor uuid, p_check_role boolean) FROM PUBLIC;

-- Name: FUNCTION table_checksums(schemas text[]); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.table_checksums(schemas text[]) FROM PUBLIC;

-- Name: FUNCTION team_usage(team_id uuid); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.team_usage(team_id uuid) FROM PUBLIC;

-- Name: FUNCTION tg__bump_version(); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.tg__bump_version() FROM PUBLIC;

-- Name: FUNCTION tg__invalidate_cache(); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.tg__invalidate_cache() FROM PUBLIC;

-- Name: FUNCTION tg__timestamps(); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.tg__timestamps() FROM PUBLIC;

-- Name: FUNCTION tg_archive_batches__usage(); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.tg_archive_batches__usage() FROM PUBLIC;

-- Name: FUNCTION tg_archived_executions__search_stats(); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.tg_archived_executions__search_stats() FROM PUBLIC;

-- Name: FUNCTION tg_event_streams__restrict_delete(); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.tg_event_streams__restrict_delete() FROM PUBLIC;

-- Name: FUNCTION tg_events__immutable(); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.tg_events__immutable() FROM PUBLIC;

-- Name: FUNCTION tg_events__stream_exists(); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.tg_events__stream_exists() FROM PUBLIC;

-- Name: FUNCTION tg_events__usage(); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.tg_events__usage() FROM PUBLIC;

-- Name: FUNCTION tg_execution_children__usage_delete(); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.tg_execution_children__usage_delete() FROM PUBLIC;

-- Name: FUNCTION tg_execution_children__usage_insert(); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.tg_execution_children__usage_insert() FROM PUBLIC;

-- Name: FUNCTION tg_execution_metric_samples__enqueue_fold(); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.tg_execution_metric_samples__enqueue_fold() FROM PUBLIC;

-- Name: FUNCTION tg_execution_node_runs__usage_update(); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.tg_execution_node_runs__usage_update() FROM PUBLIC;

-- Name: FUNCTION tg_execution_transitions__chain(); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.tg_execution_transitions__chain() FROM PUBLIC;

-- Name: FUNCTION tg_execution_transitions__immutable(); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.tg_execution_transitions__immutable() FROM PUBLIC;

-- Name: FUNCTION tg_executions__check_budget(); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.tg_executions__check_budget() FROM PUBLIC;

-- Name: FUNCTION tg_executions__terminal_immutable(); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.tg_executions__terminal_immutable() FROM PUBLIC;

-- Name: FUNCTION tg_executions__usage_delete(); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.tg_executions__usage_delete() FROM PUBLIC;

-- Name: FUNCTION tg_executions__usage_insert(); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.tg_executions__usage_insert() FROM PUBLIC;

-- Name: FUNCTION tg_executions__usage_update(); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.tg_executions__usage_update() FROM PUBLIC;

-- Name: FUNCTION tg_partition_default__reject(); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.tg_partition_default__reject() FROM PUBLIC;

-- Name: FUNCTION tg_team_memberships__notify_live(); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.tg_team_memberships__notify_live() FROM PUBLIC;

-- Name: FUNCTION tg_teams__delete_metric_samples(); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.tg_teams__delete_metric_samples() FROM PUBLIC;

-- Name: FUNCTION tg_users__invalidate_cache(); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.tg_users__invalidate_cache() FROM PUBLIC;

-- Name: FUNCTION tg_workflow_graph__invalidate_cache(); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.tg_workflow_graph__invalidate_cache() FROM PUBLIC;

-- Name: FUNCTION tg_workflow_graph__invalidate_document(); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.tg_workflow_graph__invalidate_document() FROM PUBLIC;

-- Name: FUNCTION tg_workflow_versions__immutable(); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.tg_workflow_versions__immutable() FROM PUBLIC;

-- Name: FUNCTION tg_workflows__delete_metric_samples(); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.tg_workflows__delete_metric_samples() FROM PUBLIC;

-- Name: FUNCTION transition_execution(p_id uuid, p_to_state text, p_expected_from text, p_details jsonb, p_actor uuid, p_check_role boolean); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.transition_execution(p_id uuid, p_to_state text, p_expected_from text, p_details jsonb, p_actor uuid, p_check_role boolean) FROM PUBLIC;

-- Name: FUNCTION use_lz4_compression(tbl regclass, columns text[]); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.use_lz4_compression(tbl regclass, columns text[]) FROM PUBLIC;

-- Name: FUNCTION uuid_generate_v7_series(n integer); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.uuid_generate_v7_series(n integer) FROM PUBLIC;

-- Name: FUNCTION uuid_v7_at(at timestamp with time zone); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.uuid_v7_at(at timestamp with time zone) FROM PUBLIC;

-- Name: TABLE workflows; Type: ACL; Schema: app_public; Owner: -

GRANT SELECT ON TABLE app_public.workflows TO linkflow_visitor;

-- Name: FUNCTION workflow_append_event(w app_public.workflows, type text, data jsonb); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.workflow_append_event(w app_public.workflows, type text, data jsonb) FROM PUBLIC;

-- Name: FUNCTION workflow_apply_patch(snapshot jsonb, patch jsonb, w app_public.workflows, OUT next_snapshot jsonb, OUT upserted jsonb, OUT same_structure boolean); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.workflow_apply_patch(snapshot jsonb, patch jsonb, w app_public.workflows, OUT next_snapshot jsonb, OUT upserted jsonb, OUT same_structure boolean) FROM PUBLIC;

-- Name: FUNCTION workflow_build_graph_document(workflow_id uuid); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.workflow_build_graph_document(workflow_id uuid) FROM PUBLIC;

-- Name: FUNCTION workflow_create(team_id uuid, definition jsonb, message text); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.workflow_create(team_id uuid, definition jsonb, message text) FROM PUBLIC;

-- Name: FUNCTION workflow_document_head(w app_public.workflows); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.workflow_document_head(w app_public.workflows) FROM PUBLIC;

-- Name: FUNCTION workflow_document_node(id uuid, node jsonb); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.workflow_document_node(id uuid, node jsonb) FROM PUBLIC;

-- Name: FUNCTION workflow_event_data(w app_public.workflows); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.workflow_event_data(w app_public.workflows) FROM PUBLIC;

-- Name: FUNCTION workflow_event_metadata(); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.workflow_event_metadata() FROM PUBLIC;

-- Name: FUNCTION workflow_graph_unchecked(workflow_id uuid); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.workflow_graph_unchecked(workflow_id uuid) FROM PUBLIC;

-- Name: FUNCTION workflow_lock(workflow_id uuid, min_role text); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.workflow_lock(workflow_id uuid, min_role text) FROM PUBLIC;

-- Name: FUNCTION workflow_lock_for_save(workflow_id uuid, expected_version integer, message text); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.workflow_lock_for_save(workflow_id uuid, expected_version integer, message text) FROM PUBLIC;

-- Name: FUNCTION workflow_normalize_definition(definition jsonb, fallback app_public.workflows); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.workflow_normalize_definition(definition jsonb, fallback app_public.workflows) FROM PUBLIC;

-- Name: FUNCTION workflow_patch(workflow_id uuid, expected_version integer, patch jsonb, message text); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.workflow_patch(workflow_id uuid, expected_version integer, patch jsonb, message text) FROM PUBLIC;

-- Name: FUNCTION workflow_patch_graph_document(old_w app_public.workflows, w app_public.workflows, replacements jsonb); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.workflow_patch_graph_document(old_w app_public.workflows, w app_public.workflows, replacements jsonb) FROM PUBLIC;

-- Name: FUNCTION workflow_refresh_graph_document(workflow_id uuid); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.workflow_refresh_graph_document(workflow_id uuid) FROM PUBLIC;

-- Name: FUNCTION workflow_save(workflow_id uuid, expected_version integer, definition jsonb, message text, restore_from integer); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.workflow_save(workflow_id uuid, expected_version integer, definition jsonb, message text, restore_from integer) FROM PUBLIC;

-- Name: FUNCTION workflow_set_status(workflow_id uuid, to_status text); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.workflow_set_status(workflow_id uuid, to_status text) FROM PUBLIC;

-- Name: FUNCTION workflow_store_graph_document(w app_public.workflows, nodes json, connections json, triggers json); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.workflow_store_graph_document(w app_public.workflows, nodes json, connections json, triggers json) FROM PUBLIC;

-- Name: FUNCTION workflow_write_graph(workflow_id uuid, team_id uuid, snapshot jsonb, build_document boolean, OUT changed boolean, OUT nodes json, OUT connections json, OUT triggers json); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.workflow_write_graph(workflow_id uuid, team_id uuid, snapshot jsonb, build_document boolean, OUT changed boolean, OUT nodes json, OUT connections json, OUT triggers json) FROM PUBLIC;

-- Name: FUNCTION workflow_write_version(w app_public.workflows, snapshot jsonb, message text); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.workflow_write_version(w app_public.workflows, snapshot jsonb, message text) FROM PUBLIC;

-- Name: FUNCTION write_execution_moves(p_moves app_private.execution_move[], p_actor uuid); Type: ACL; Schema: app_private; Owner: -

REVOKE ALL ON FUNCTION app_private.write_execution_moves(p_moves app_private.execution_move[], p_actor uuid) FROM PUBLIC;

-- Name: FUNCTION activate_workflow(workflow_id uuid); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.activate_workflow(workflow_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.activate_workflow(workflow_id uuid) TO linkflow_visitor;

-- Name: TABLE team_memberships; Type: ACL; Schema: app_public; Owner: -

GRANT SELECT ON TABLE app_public.team_memberships TO linkflow_visitor;

-- Name: FUNCTION add_team_member(team_id uuid, role text, user_id uuid, email text); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.add_team_member(team_id uuid, role text, user_id uuid, email text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.add_team_member(team_id uuid, role text, user_id uuid, email text) TO linkflow_visitor;

-- Name: FUNCTION archive_workflow(workflow_id uuid); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.archive_workflow(workflow_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.archive_workflow(workflow_id uuid) TO linkflow_visitor;

-- Name: FUNCTION authenticate(email text, password text); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.authenticate(email text, password text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.authenticate(email text, password text) TO linkflow_anonymous;
GRANT ALL ON FUNCTION app_public.authenticate(email text, password text) TO linkflow_visitor;

-- Name: FUNCTION bulk_action_count(team_id uuid, action text, filter jsonb); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.bulk_action_count(team_id uuid, action text, filter jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.bulk_action_count(team_id uuid, action text, filter jsonb) TO linkflow_visitor;

-- Name: FUNCTION cancel_bulk_action(team_id uuid, id uuid); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.cancel_bulk_action(team_id uuid, id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.cancel_bulk_action(team_id uuid, id uuid) TO linkflow_visitor;

-- Name: FUNCTION change_member_role(team_id uuid, user_id uuid, role text); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.change_member_role(team_id uuid, user_id uuid, role text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.change_member_role(team_id uuid, user_id uuid, role text) TO linkflow_visitor;

-- Name: FUNCTION change_password(old_password text, new_password text); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.change_password(old_password text, new_password text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.change_password(old_password text, new_password text) TO linkflow_visitor;

-- Name: TABLE teams; Type: ACL; Schema: app_public; Owner: -

GRANT SELECT ON TABLE app_public.teams TO linkflow_visitor;

-- Name: FUNCTION create_team(slug text, name text); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.create_team(slug text, name text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.create_team(slug text, name text) TO linkflow_visitor;

-- Name: FUNCTION create_workflow(team_id uuid, definition jsonb); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.create_workflow(team_id uuid, definition jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.create_workflow(team_id uuid, definition jsonb) TO linkflow_visitor;

-- Name: FUNCTION "current_user"(); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public."current_user"() FROM PUBLIC;
GRANT ALL ON FUNCTION app_public."current_user"() TO linkflow_visitor;
GRANT ALL ON FUNCTION app_public."current_user"() TO linkflow_anonymous;

-- Name: FUNCTION current_user_id(); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.current_user_id() FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.current_user_id() TO linkflow_visitor;
GRANT ALL ON FUNCTION app_public.current_user_id() TO linkflow_anonymous;

-- Name: FUNCTION deactivate_workflow(workflow_id uuid); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.deactivate_workflow(workflow_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.deactivate_workflow(workflow_id uuid) TO linkflow_visitor;

-- Name: FUNCTION delete_retention_policy(team_id uuid, workflow_id uuid); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.delete_retention_policy(team_id uuid, workflow_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.delete_retention_policy(team_id uuid, workflow_id uuid) TO linkflow_visitor;

-- Name: FUNCTION delete_team(team_id uuid); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.delete_team(team_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.delete_team(team_id uuid) TO linkflow_visitor;

-- Name: FUNCTION delete_workflow(workflow_id uuid); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.delete_workflow(workflow_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.delete_workflow(workflow_id uuid) TO linkflow_visitor;

-- Name: FUNCTION diff_workflow_versions(workflow_id uuid, from_version integer, to_version integer); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.diff_workflow_versions(workflow_id uuid, from_version integer, to_version integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.diff_workflow_versions(workflow_id uuid, from_version integer, to_version integer) TO linkflow_visitor;

-- Name: FUNCTION duplicate_workflow(workflow_id uuid, team_id uuid, name text); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.duplicate_workflow(workflow_id uuid, team_id uuid, name text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.duplicate_workflow(workflow_id uuid, team_id uuid, name text) TO linkflow_visitor;

-- Name: FUNCTION execution_history(team_id uuid, workflow_id uuid, state text, created_from timestamp with time zone, created_before timestamp with time zone, after_created_at timestamp with time zone, after_id uuid, max_rows integer); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.execution_history(team_id uuid, workflow_id uuid, state text, created_from timestamp with time zone, created_before timestamp with time zone, after_created_at timestamp with time zone, after_id uuid, max_rows integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.execution_history(team_id uuid, workflow_id uuid, state text, created_from timestamp with time zone, created_before timestamp with time zone, after_created_at timestamp with time zone, after_id uuid, max_rows integer) TO linkflow_visitor;

-- Name: FUNCTION execution_metrics_series(range_start timestamp with time zone, range_end timestamp with time zone, bucket text, workflow_id uuid, team_id uuid); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.execution_metrics_series(range_start timestamp with time zone, range_end timestamp with time zone, bucket text, workflow_id uuid, team_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.execution_metrics_series(range_start timestamp with time zone, range_end timestamp with time zone, bucket text, workflow_id uuid, team_id uuid) TO linkflow_visitor;

-- Name: FUNCTION execution_transition_history(execution_id uuid); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.execution_transition_history(execution_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.execution_transition_history(execution_id uuid) TO linkflow_visitor;

-- Name: FUNCTION executions_labels(e app_public.executions); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.executions_labels(e app_public.executions) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.executions_labels(e app_public.executions) TO linkflow_visitor;

-- Name: FUNCTION executions_search_cursor(e app_public.executions); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.executions_search_cursor(e app_public.executions) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.executions_search_cursor(e app_public.executions) TO linkflow_visitor;

-- Name: FUNCTION is_valid_cron_expression(expression text); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.is_valid_cron_expression(expression text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.is_valid_cron_expression(expression text) TO linkflow_visitor;

-- Name: FUNCTION leave_team(team_id uuid); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.leave_team(team_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.leave_team(team_id uuid) TO linkflow_visitor;

-- Name: FUNCTION lookup_execution(id uuid); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.lookup_execution(id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.lookup_execution(id uuid) TO linkflow_visitor;

-- Name: FUNCTION patch_workflow(workflow_id uuid, expected_version integer, patch jsonb, message text); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.patch_workflow(workflow_id uuid, expected_version integer, patch jsonb, message text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.patch_workflow(workflow_id uuid, expected_version integer, patch jsonb, message text) TO linkflow_visitor;

-- Name: FUNCTION record_node_run_finish(execution_id uuid, node_name text, status text, output jsonb, error jsonb, attempt integer); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.record_node_run_finish(execution_id uuid, node_name text, status text, output jsonb, error jsonb, attempt integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.record_node_run_finish(execution_id uuid, node_name text, status text, output jsonb, error jsonb, attempt integer) TO linkflow_visitor;

-- Name: FUNCTION record_node_run_start(execution_id uuid, node_name text, attempt integer, node_id uuid); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.record_node_run_start(execution_id uuid, node_name text, attempt integer, node_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.record_node_run_start(execution_id uuid, node_name text, attempt integer, node_id uuid) TO linkflow_visitor;

-- Name: FUNCTION record_node_runs(items jsonb); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.record_node_runs(items jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.record_node_runs(items jsonb) TO linkflow_visitor;

-- Name: FUNCTION register(email text, name text, password text); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.register(email text, name text, password text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.register(email text, name text, password text) TO linkflow_anonymous;
GRANT ALL ON FUNCTION app_public.register(email text, name text, password text) TO linkflow_visitor;

-- Name: FUNCTION remove_team_member(team_id uuid, user_id uuid); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.remove_team_member(team_id uuid, user_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.remove_team_member(team_id uuid, user_id uuid) TO linkflow_visitor;

-- Name: FUNCTION restore_team(team_id uuid); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.restore_team(team_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.restore_team(team_id uuid) TO linkflow_visitor;

-- Name: FUNCTION restore_workflow_version(workflow_id uuid, version integer, expected_version integer); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.restore_workflow_version(workflow_id uuid, version integer, expected_version integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.restore_workflow_version(workflow_id uuid, version integer, expected_version integer) TO linkflow_visitor;

-- Name: FUNCTION retention_plan(team_id uuid); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.retention_plan(team_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.retention_plan(team_id uuid) TO linkflow_visitor;

-- Name: FUNCTION retention_plan_summary(team_id uuid); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.retention_plan_summary(team_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.retention_plan_summary(team_id uuid) TO linkflow_visitor;

-- Name: FUNCTION save_workflow(workflow_id uuid, expected_version integer, definition jsonb, message text); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.save_workflow(workflow_id uuid, expected_version integer, definition jsonb, message text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.save_workflow(workflow_id uuid, expected_version integer, definition jsonb, message text) TO linkflow_visitor;

-- Name: FUNCTION search_executions(team_id uuid, query jsonb, after text, page_size integer); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.search_executions(team_id uuid, query jsonb, after text, page_size integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.search_executions(team_id uuid, query jsonb, after text, page_size integer) TO linkflow_visitor;

-- Name: FUNCTION search_workflows(team_id uuid, status text, tag text, name_contains text, after_updated_at timestamp with time zone, after_id uuid, max_rows integer); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.search_workflows(team_id uuid, status text, tag text, name_contains text, after_updated_at timestamp with time zone, after_id uuid, max_rows integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.search_workflows(team_id uuid, status text, tag text, name_contains text, after_updated_at timestamp with time zone, after_id uuid, max_rows integer) TO linkflow_visitor;

-- Name: FUNCTION set_execution_labels(execution_id uuid, labels jsonb); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.set_execution_labels(execution_id uuid, labels jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.set_execution_labels(execution_id uuid, labels jsonb) TO linkflow_visitor;

-- Name: TABLE retention_policies; Type: ACL; Schema: app_public; Owner: -

GRANT SELECT ON TABLE app_public.retention_policies TO linkflow_visitor;

-- Name: FUNCTION set_retention_policy(team_id uuid, hot_days integer, cold_days integer, workflow_id uuid, node_output text, node_output_after_days integer, node_output_max_bytes integer); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.set_retention_policy(team_id uuid, hot_days integer, cold_days integer, workflow_id uuid, node_output text, node_output_after_days integer, node_output_max_bytes integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.set_retention_policy(team_id uuid, hot_days integer, cold_days integer, workflow_id uuid, node_output text, node_output_after_days integer, node_output_max_bytes integer) TO linkflow_visitor;

-- Name: TABLE team_budgets; Type: ACL; Schema: app_public; Owner: -

GRANT SELECT ON TABLE app_public.team_budgets TO linkflow_visitor;

-- Name: FUNCTION set_team_budget(team_id uuid, executions_per_month integer, warn_percent integer); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.set_team_budget(team_id uuid, executions_per_month integer, warn_percent integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.set_team_budget(team_id uuid, executions_per_month integer, warn_percent integer) TO linkflow_visitor;

-- Name: FUNCTION start_bulk_action(team_id uuid, action text, filter jsonb, batch_size integer); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.start_bulk_action(team_id uuid, action text, filter jsonb, batch_size integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.start_bulk_action(team_id uuid, action text, filter jsonb, batch_size integer) TO linkflow_visitor;

-- Name: FUNCTION start_execution(workflow_id uuid, trigger_type text, input jsonb, idempotency_key text); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.start_execution(workflow_id uuid, trigger_type text, input jsonb, idempotency_key text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.start_execution(workflow_id uuid, trigger_type text, input jsonb, idempotency_key text) TO linkflow_visitor;

-- Name: FUNCTION team_budget_usage(team_id uuid); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.team_budget_usage(team_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.team_budget_usage(team_id uuid) TO linkflow_visitor;

-- Name: FUNCTION team_usage_now(team_id uuid); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.team_usage_now(team_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.team_usage_now(team_id uuid) TO linkflow_visitor;

-- Name: FUNCTION transition_execution(id uuid, to_state text, expected_from text, details jsonb); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.transition_execution(id uuid, to_state text, expected_from text, details jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.transition_execution(id uuid, to_state text, expected_from text, details jsonb) TO linkflow_visitor;

-- Name: FUNCTION transition_executions(items jsonb); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.transition_executions(items jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.transition_executions(items jsonb) TO linkflow_visitor;

-- Name: FUNCTION update_profile(name text, expected_version integer); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.update_profile(name text, expected_version integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.update_profile(name text, expected_version integer) TO linkflow_visitor;

-- Name: FUNCTION workflow_graph(workflow_id uuid); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.workflow_graph(workflow_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.workflow_graph(workflow_id uuid) TO linkflow_visitor;

-- Name: FUNCTION workflow_version_history(workflow_id uuid, before_version integer, max_rows integer); Type: ACL; Schema: app_public; Owner: -

REVOKE ALL ON FUNCTION app_public.workflow_version_history(workflow_id uuid, before_version integer, max_rows integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.workflow_version_history(workflow_id uuid, before_version integer, max_rows integer) TO linkflow_visitor;

-- Name: TABLE execution_metric_fold_queue; Type: ACL; Schema: app_hidden; Owner: -

GRANT SELECT ON TABLE app_hidden.execution_metric_fold_queue TO linkflow_visitor;

-- Name: TABLE execution_metric_samples; Type: ACL; Schema: app_public; Owner: -

GRANT SELECT ON TABLE app_public.execution_metric_samples TO linkflow_visitor;

-- Name: TABLE team_activity__shadow; Type: ACL; Schema: app_private; Owner: -

GRANT SELECT ON TABLE app_private.team_activity__shadow TO linkflow_visitor;

-- Name: TABLE workflow_execution_daily_stats__shadow; Type: ACL; Schema: app_private; Owner: -

GRANT SELECT ON TABLE app_private.workflow_execution_daily_stats__shadow TO linkflow_visitor;

-- Name: TABLE workflow_list__shadow; Type: ACL; Schema: app_private; Owner: -

GRANT SELECT ON TABLE app_private.workflow_list__shadow TO linkflow_visitor;

-- Name: TABLE error_codes; Type: ACL; Schema: app_public; Owner: -

GRANT SELECT ON TABLE app_public.error_codes TO linkflow_visitor;
GRANT SELECT ON TABLE app_public.error_codes TO linkflow_anonymous;

-- Name: TABLE event_snapshots; Type: ACL; Schema: app_public; Owner: -

GRANT SELECT ON TABLE app_public.event_snapshots TO linkflow_visitor;

-- Name: TABLE event_streams; Type: ACL; Schema: app_public; Owner: -

GRANT SELECT ON TABLE app_public.event_streams TO linkflow_visitor;

-- Name: TABLE execution_allowed_transitions; Type: ACL; Schema: app_public; Owner: -

GRANT SELECT ON TABLE app_public.execution_allowed_transitions TO linkflow_visitor;

-- Name: COLUMN execution_labels.team_id; Type: ACL; Schema: app_public; Owner: -

GRANT SELECT(team_id) ON TABLE app_public.execution_labels TO linkflow_visitor;

-- Name: COLUMN execution_labels.execution_id; Type: ACL; Schema: app_public; Owner: -

GRANT SELECT(execution_id) ON TABLE app_public.execution_labels TO linkflow_visitor;

-- Name: COLUMN execution_labels.execution_created_at; Type: ACL; Schema: app_public; Owner: -

GRANT SELECT(execution_created_at) ON TABLE app_public.execution_labels TO linkflow_visitor;

-- Name: COLUMN execution_labels.key; Type: ACL; Schema: app_public; Owner: -

GRANT SELECT(key) ON TABLE app_public.execution_labels TO linkflow_visitor;

-- Name: COLUMN execution_labels.value; Type: ACL; Schema: app_public; Owner: -

GRANT SELECT(value) ON TABLE app_public.execution_labels TO linkflow_visitor;

-- Name: COLUMN execution_labels.updated_at; Type: ACL; Schema: app_public; Owner: -

GRANT SELECT(updated_at) ON TABLE app_public.execution_labels TO linkflow_visitor;

-- Name: TABLE execution_metric_rollups; Type: ACL; Schema: app_public; Owner: -

GRANT SELECT ON TABLE app_public.execution_metric_rollups TO linkflow_visitor;

-- Name: TABLE team_activity; Type: ACL; Schema: app_public; Owner: -

GRANT SELECT ON TABLE app_public.team_activity TO linkflow_visitor;

-- Name: TABLE team_usage; Type: ACL; Schema: app_public; Owner: -

GRANT SELECT ON TABLE app_public.team_usage TO linkflow_visitor;

-- Name: TABLE team_usage_months; Type: ACL; Schema: app_public; Owner: -

GRANT SELECT ON TABLE app_public.team_usage_months TO linkflow_visitor;

-- Name: TABLE workflow_activations; Type: ACL; Schema: app_public; Owner: -

GRANT SELECT ON TABLE app_public.workflow_activations TO linkflow_visitor;

-- Name: TABLE workflow_connections; Type: ACL; Schema: app_public; Owner: -

GRANT SELECT ON TABLE app_public.workflow_connections TO linkflow_visitor;

-- Name: TABLE workflow_execution_daily_stats; Type: ACL; Schema: app_public; Owner: -

GRANT SELECT ON TABLE app_public.workflow_execution_daily_stats TO linkflow_visitor;

-- Name: TABLE workflow_list; Type: ACL; Schema: app_public; Owner: -

GRANT SELECT ON TABLE app_public.workflow_list TO linkflow_visitor;

-- Name: TABLE workflow_nodes; Type: ACL; Schema: app_public; Owner: -

GRANT SELECT ON TABLE app_public.workflow_nodes TO linkflow_visitor;

-- Name: TABLE workflow_triggers; Type: ACL; Schema: app_public; Owner: -

GRANT SELECT ON TABLE app_public.workflow_triggers TO linkflow_visitor;

-- Name: TABLE workflow_versions; Type: ACL; Schema: app_public; Owner: -

GRANT SELECT ON TABLE app_public.workflow_versions TO linkflow_visitor;

-- Name: DEFAULT PRIVILEGES FOR FUNCTIONS; Type: DEFAULT ACL; Schema: -; Owner: -

ALTER DEFAULT PRIVILEGES FOR ROLE linkflow_owner REVOKE ALL ON FUNCTIONS  FROM PUBLIC;
