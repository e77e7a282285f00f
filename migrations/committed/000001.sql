--! Previous: -
--! Hash: sha1:2501778ca65f8b26b6190eef8054f47b45a97bf8
--! Message: foundation: schemas, core model, partitions, event store core, RLS defaults

--
-- Roles (linkflow_owner, linkflow_authenticator, linkflow_visitor, linkflow_anonymous) are cluster-wide
-- and created before migrating by `npm run db:roles` (src/db/roles.ts). This migration runs as the owner.

------------------------------------------------------------------------------------------------------------
-- Extensions (in public) and schemas by exposure
------------------------------------------------------------------------------------------------------------
create extension if not exists pgcrypto with schema public;
create extension if not exists citext with schema public;
create extension if not exists pg_trgm with schema public;
create extension if not exists btree_gist with schema public;

revoke all on schema public from public;
grant usage on schema public to linkflow_visitor, linkflow_anonymous;

create schema app_public;   -- exposed through PostGraphile
create schema app_hidden;   -- same privileges as app_public, not exposed
create schema app_private;  -- the visitor cannot reach it (only through SECURITY DEFINER functions)
create schema app_partitions; -- partitions of the partitioned tables; no grants at all

comment on schema app_public is 'The API: every table, view and function here is exposed through GraphQL under RLS.';
comment on schema app_hidden is 'Visitor-accessible helpers that are not exposed through GraphQL.';
comment on schema app_private is 'Owner-only: secrets, internal bookkeeping, SECURITY DEFINER internals.';
comment on schema app_partitions is 'Physical partitions of app_public partitioned tables. Query the parents instead.';

grant usage on schema app_public, app_hidden to linkflow_visitor;
grant usage on schema app_public to linkflow_anonymous;

-- PostgreSQL grants EXECUTE on every new function to PUBLIC; per-schema defaults cannot remove that, so revoke
-- it for every function the owner creates: functions are callable only where a migration grants them.
alter default privileges revoke execute on functions from public;

------------------------------------------------------------------------------------------------------------
-- Error codes: the stable catalogue of custom SQLSTATEs raised by the SQL API
------------------------------------------------------------------------------------------------------------
create table app_public.error_codes (
  code text primary key constraint error_codes_code_shape check (code ~ '^[0-9A-Z]{5}$'),
  name text not null constraint error_codes_name_key unique,
  description text not null
);
alter table app_public.error_codes enable row level security;
create policy select_all on app_public.error_codes for select using (true);
grant select on app_public.error_codes to linkflow_visitor, linkflow_anonymous;
comment on table app_public.error_codes is 'Catalogue of the custom SQLSTATE codes that the SQL API raises. Clients map them to typed errors.';

insert into app_public.error_codes (code, name, description) values
  ('LFNTF', 'not_found', 'The referenced row does not exist or is not visible to the caller.'),
  ('LFDNY', 'forbidden', 'The caller is not allowed to perform this action.'),
  ('LFVAL', 'validation', 'The input is invalid; the DETAIL names the field.'),
  ('LFCNF', 'conflict', 'The action conflicts with existing data (for example a duplicate).'),
  ('LFVER', 'version_conflict', 'A stale expected version: the DETAIL names the current version. Nothing was written.'),
  ('LFSTA', 'illegal_transition', 'An illegal or stale state transition: the DETAIL names the current state. Nothing was written.'),
  ('LFARC', 'archived', 'The target is archived and refuses writes.'),
  ('LFIMM', 'immutable', 'The row is immutable (events, versions, terminal executions).'),
  ('LFPRT', 'no_partition', 'No partition exists for the row''s time; run app_private.ensure_partitions().'),
  ('LFLIM', 'limit_exceeded', 'A configured size or count limit was exceeded.'),
  ('LFDUP', 'duplicate_event', 'Event ids already exist with different content or stream.');

------------------------------------------------------------------------------------------------------------
-- Helpers
------------------------------------------------------------------------------------------------------------
create function app_public.uuid_generate_v7() returns uuid
  language sql volatile parallel safe
  set search_path = pg_catalog
as $$
  -- 48-bit unix ms timestamp, version 7, variant 10, random rest
  select encode(
    set_bit(set_bit(set_bit(set_bit(set_bit(set_bit(
      overlay(public.gen_random_bytes(16)
        placing substring(int8send((extract(epoch from clock_timestamp()) * 1000)::bigint) from 3)
        from 1 for 6),
      55, 0), 54, 1), 53, 1), 52, 1), 71, 1), 70, 0), 'hex')::uuid;
$$;
comment on function app_public.uuid_generate_v7() is 'A time-ordered UUID (RFC 9562 version 7): good locality in b-tree indexes; the first 48 bits are the unix time in milliseconds.';
grant execute on function app_public.uuid_generate_v7() to linkflow_visitor;

create function app_hidden.uuid_v7_time(id uuid) returns timestamptz
  language sql immutable strict parallel safe
  set search_path = pg_catalog
as $$
  select to_timestamp(('x' || lpad(substr(replace(id::text, '-', ''), 1, 12), 16, '0'))::bit(64)::bigint / 1000.0);
$$;
comment on function app_hidden.uuid_v7_time(uuid) is 'The creation time embedded in a version 7 UUID (millisecond precision).';
grant execute on function app_hidden.uuid_v7_time(uuid) to linkflow_visitor;

create function app_private.tg__timestamps() returns trigger
  language plpgsql volatile
  set search_path = pg_catalog
as $$
begin
  new.created_at := (case when tg_op = 'INSERT' then now() else old.created_at end);
  new.updated_at := (case when tg_op = 'UPDATE' and old.updated_at >= now() then old.updated_at + interval '1 millisecond' else now() end);
  return new;
end;
$$;
comment on function app_private.tg__timestamps() is 'Trigger: created_at is set once on insert; updated_at moves forward on every write.';

create function app_private.tg__bump_version() returns trigger
  language plpgsql volatile
  set search_path = pg_catalog
as $$
begin
  if tg_op = 'UPDATE' then
    new.version := old.version + 1;
  end if;
  return new;
end;
$$;
comment on function app_private.tg__bump_version() is 'Trigger: increments the row version on every UPDATE (optimistic concurrency and cache guards).';

create function app_private.use_lz4_compression(tbl regclass, columns text[]) returns boolean
  language plpgsql volatile
  set search_path = pg_catalog
as $$
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
comment on function app_private.use_lz4_compression(regclass, text[]) is 'Switches the given (large jsonb/text) columns to lz4 TOAST compression when the server supports it; returns whether it did. Migrations call it for large JSON columns.';

create function app_public.current_user_id() returns uuid
  language sql stable parallel safe
  set search_path = pg_catalog
as $$
  select nullif(pg_catalog.current_setting('jwt.claims.user_id', true), '')::uuid;
$$;
comment on function app_public.current_user_id() is 'The id of the user the request is made for (the verified JWT''s user_id claim), or null for an anonymous request.';
grant execute on function app_public.current_user_id() to linkflow_visitor, linkflow_anonymous;

create function app_hidden.team_role_rank(role text) returns integer
  language sql immutable strict parallel safe
  set search_path = pg_catalog
as $$
  select case role when 'viewer' then 1 when 'editor' then 2 when 'admin' then 3 when 'owner' then 4 end;
$$;
comment on function app_hidden.team_role_rank(text) is 'Orders team roles: viewer < editor < admin < owner.';
grant execute on function app_hidden.team_role_rank(text) to linkflow_visitor;

------------------------------------------------------------------------------------------------------------
-- Users, teams, memberships
------------------------------------------------------------------------------------------------------------
create table app_public.users (
  id uuid primary key default app_public.uuid_generate_v7(),
  email citext not null constraint users_email_key unique
    constraint users_email_shape check (length(email) <= 320 and email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
  name text not null constraint users_name_length check (char_length(name) between 1 and 200),
  status text not null default 'active' constraint users_status_known check (status in ('active', 'invited', 'suspended')),
  version integer not null default 1 constraint users_version_positive check (version > 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz,
  constraint users_deleted_after_created check (deleted_at is null or deleted_at >= created_at)
);
comment on table app_public.users is 'A person who uses LinkFlow. Email is unique case-insensitively. Soft-deleted users (deleted_at set) are invisible on every read path.';
comment on column app_public.users.version is 'Row version, incremented on every update; used for optimistic concurrency.';
create index users_name_trgm_idx on app_public.users using gin (name gin_trgm_ops);
create index users_email_trgm_idx on app_public.users using gin ((email::text) gin_trgm_ops);
create index users_deleted_at_idx on app_public.users (deleted_at) where deleted_at is not null;
create trigger _100_timestamps before insert or update on app_public.users
  for each row execute function app_private.tg__timestamps();
create trigger _110_version before update on app_public.users
  for each row execute function app_private.tg__bump_version();

create table app_private.user_secrets (
  user_id uuid primary key references app_public.users (id) on delete cascade,
  password_hash text,
  password_changed_at timestamptz
);
alter table app_private.user_secrets enable row level security;
comment on table app_private.user_secrets is 'Secrets of a user, kept out of every exposed schema. password_hash is null for users who sign in another way.';

create table app_public.teams (
  id uuid primary key default app_public.uuid_generate_v7(),
  slug citext not null constraint teams_slug_key unique
    constraint teams_slug_shape check (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  name text not null constraint teams_name_length check (char_length(name) between 1 and 200),
  version integer not null default 1 constraint teams_version_positive check (version > 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz,
  constraint teams_deleted_after_created check (deleted_at is null or deleted_at >= created_at)
);
comment on table app_public.teams is 'A team owns workflows and executions; people belong to it through memberships. Every large table carries team_id so it can be distributed by team.';
create trigger _100_timestamps before insert or update on app_public.teams
  for each row execute function app_private.tg__timestamps();
create trigger _110_version before update on app_public.teams
  for each row execute function app_private.tg__bump_version();

create table app_public.team_memberships (
  id uuid primary key default app_public.uuid_generate_v7(),
  team_id uuid not null references app_public.teams (id) on delete cascade,
  user_id uuid not null references app_public.users (id) on delete cascade,
  role text not null default 'viewer' constraint team_memberships_role_known check (role in ('owner', 'admin', 'editor', 'viewer')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint team_memberships_team_id_user_id_key unique (team_id, user_id)
);
comment on table app_public.team_memberships is 'A user''s membership of a team, with a role: owner > admin > editor > viewer.';
create index team_memberships_user_id_idx on app_public.team_memberships (user_id);
create trigger _100_timestamps before insert or update on app_public.team_memberships
  for each row execute function app_private.tg__timestamps();

create function app_hidden.current_user_team_ids(min_role text default 'viewer') returns setof uuid
  language sql stable security definer parallel safe
  set search_path = pg_catalog
as $$
  select m.team_id
    from app_public.team_memberships m
    join app_public.teams t on t.id = m.team_id and t.deleted_at is null
   where m.user_id = app_public.current_user_id()
     and app_hidden.team_role_rank(m.role) >= app_hidden.team_role_rank(min_role);
$$;
comment on function app_hidden.current_user_team_ids(text) is 'Ids of the live teams the current user belongs to with at least the given role. Used by RLS policies.';
grant execute on function app_hidden.current_user_team_ids(text) to linkflow_visitor;

create function app_hidden.has_team_role(team_id uuid, min_role text default 'viewer') returns boolean
  language sql stable security definer parallel safe
  set search_path = pg_catalog
as $$
  select exists (
    select 1 from app_public.team_memberships m
      join app_public.teams t on t.id = m.team_id and t.deleted_at is null
     where m.team_id = has_team_role.team_id
       and m.user_id = app_public.current_user_id()
       and app_hidden.team_role_rank(m.role) >= app_hidden.team_role_rank(min_role));
$$;
comment on function app_hidden.has_team_role(uuid, text) is 'True when the current user is a member of the live team with at least the given role.';
grant execute on function app_hidden.has_team_role(uuid, text) to linkflow_visitor;

------------------------------------------------------------------------------------------------------------
-- Workflows: the graph and its immutable versions
------------------------------------------------------------------------------------------------------------
create table app_public.workflows (
  id uuid primary key default app_public.uuid_generate_v7(),
  team_id uuid not null references app_public.teams (id) on delete cascade,
  name text not null constraint workflows_name_length check (char_length(name) between 1 and 200),
  description text not null default '' constraint workflows_description_length check (char_length(description) <= 10000),
  status text not null default 'draft' constraint workflows_status_known check (status in ('draft', 'active', 'inactive', 'archived')),
  settings jsonb not null default '{}' constraint workflows_settings_object check (jsonb_typeof(settings) = 'object'),
  tags text[] not null default '{}',
  current_version integer not null default 1 constraint workflows_current_version_positive check (current_version > 0),
  created_by uuid references app_public.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  archived_at timestamptz,
  constraint workflows_team_id_id_key unique (team_id, id)
);
comment on table app_public.workflows is 'A workflow: a graph of nodes, connections and triggers owned by a team. Every save writes an immutable row in workflow_versions; current_version names the latest.';
create index workflows_team_id_updated_at_idx on app_public.workflows (team_id, updated_at desc, id desc);
create index workflows_created_by_idx on app_public.workflows (created_by);
create index workflows_name_trgm_idx on app_public.workflows using gin (name gin_trgm_ops);
create index workflows_tags_idx on app_public.workflows using gin (tags);
create trigger _100_timestamps before insert or update on app_public.workflows
  for each row execute function app_private.tg__timestamps();

create table app_public.workflow_nodes (
  id uuid primary key default app_public.uuid_generate_v7(),
  workflow_id uuid not null references app_public.workflows (id) on delete cascade,
  team_id uuid not null references app_public.teams (id) on delete cascade,
  name text not null constraint workflow_nodes_name_length check (char_length(name) between 1 and 200),
  type text not null constraint workflow_nodes_type_shape check (type ~ '^[A-Za-z0-9_.:@/-]{1,200}$'),
  type_version integer not null default 1 constraint workflow_nodes_type_version_positive check (type_version > 0),
  parameters jsonb not null default '{}' constraint workflow_nodes_parameters_object check (jsonb_typeof(parameters) = 'object'),
  position_x integer not null default 0,
  position_y integer not null default 0,
  disabled boolean not null default false,
  constraint workflow_nodes_workflow_id_name_key unique (workflow_id, name),
  constraint workflow_nodes_workflow_id_id_key unique (workflow_id, id)
);
comment on table app_public.workflow_nodes is 'A node of a workflow''s current graph. Names are unique per workflow.';
create index workflow_nodes_team_id_idx on app_public.workflow_nodes (team_id);

create table app_public.workflow_connections (
  id uuid primary key default app_public.uuid_generate_v7(),
  workflow_id uuid not null references app_public.workflows (id) on delete cascade,
  team_id uuid not null references app_public.teams (id) on delete cascade,
  source_node_id uuid not null,
  source_output text not null default 'main' constraint workflow_connections_source_output_length check (char_length(source_output) between 1 and 100),
  source_output_index integer not null default 0 constraint workflow_connections_source_output_index_range check (source_output_index >= 0),
  target_node_id uuid not null,
  target_input text not null default 'main' constraint workflow_connections_target_input_length check (char_length(target_input) between 1 and 100),
  target_input_index integer not null default 0 constraint workflow_connections_target_input_index_range check (target_input_index >= 0),
  -- both ends must be nodes of the same workflow: composite foreign keys enforce it
  constraint workflow_connections_source_fkey foreign key (workflow_id, source_node_id)
    references app_public.workflow_nodes (workflow_id, id) on delete cascade,
  constraint workflow_connections_target_fkey foreign key (workflow_id, target_node_id)
    references app_public.workflow_nodes (workflow_id, id) on delete cascade,
  constraint workflow_connections_unique_edge unique (workflow_id, source_node_id, source_output, source_output_index, target_node_id, target_input, target_input_index)
);
comment on table app_public.workflow_connections is E'@name workflow_link\nA connection (edge) from a node''s output to another node''s input, within one workflow. Exposed in GraphQL as WorkflowLink (WorkflowConnection and WorkflowEdge are the workflows connection and edge types).';
create index workflow_connections_source_idx on app_public.workflow_connections (workflow_id, source_node_id);
create index workflow_connections_target_idx on app_public.workflow_connections (workflow_id, target_node_id);
create index workflow_connections_team_id_idx on app_public.workflow_connections (team_id);

create table app_public.workflow_triggers (
  id uuid primary key default app_public.uuid_generate_v7(),
  workflow_id uuid not null references app_public.workflows (id) on delete cascade,
  team_id uuid not null references app_public.teams (id) on delete cascade,
  node_id uuid,
  type text not null constraint workflow_triggers_type_known check (type in ('webhook', 'schedule', 'event', 'manual')),
  config jsonb not null default '{}' constraint workflow_triggers_config_object check (jsonb_typeof(config) = 'object'),
  enabled boolean not null default true,
  constraint workflow_triggers_node_fkey foreign key (workflow_id, node_id)
    references app_public.workflow_nodes (workflow_id, id) on delete cascade
);
comment on table app_public.workflow_triggers is 'What starts a workflow: a webhook, a schedule (cron), an event or a manual run.';
create index workflow_triggers_workflow_id_node_id_idx on app_public.workflow_triggers (workflow_id, node_id);
create index workflow_triggers_team_id_idx on app_public.workflow_triggers (team_id);

create table app_public.workflow_versions (
  id uuid primary key default app_public.uuid_generate_v7(),
  workflow_id uuid not null references app_public.workflows (id) on delete cascade,
  team_id uuid not null references app_public.teams (id) on delete cascade,
  version integer not null constraint workflow_versions_version_positive check (version > 0),
  data jsonb not null constraint workflow_versions_data_object check (jsonb_typeof(data) = 'object'),
  author_id uuid references app_public.users (id) on delete set null,
  message text not null default '' constraint workflow_versions_message_length check (char_length(message) <= 2000),
  created_at timestamptz not null default now(),
  constraint workflow_versions_workflow_id_version_key unique (workflow_id, version)
);
comment on table app_public.workflow_versions is 'An immutable full snapshot of a workflow''s graph at one version. Only author_id may change, to null, when the author is purged.';
create index workflow_versions_author_id_idx on app_public.workflow_versions (author_id);
create index workflow_versions_team_id_idx on app_public.workflow_versions (team_id);

create function app_private.tg_workflow_versions__immutable() returns trigger
  language plpgsql volatile
  set search_path = pg_catalog
as $$
begin
  if (to_jsonb(new) - 'author_id') is distinct from (to_jsonb(old) - 'author_id')
     or (new.author_id is not null and new.author_id is distinct from old.author_id) then
    raise exception 'workflow versions are immutable' using errcode = 'LFIMM',
      detail = format('workflow %s version %s', old.workflow_id, old.version);
  end if;
  return new;
end;
$$;
comment on function app_private.tg_workflow_versions__immutable() is 'Trigger: refuses any change to a workflow version except anonymising its author.';
create trigger _100_immutable before update on app_public.workflow_versions
  for each row execute function app_private.tg_workflow_versions__immutable();

------------------------------------------------------------------------------------------------------------
-- Partition maintenance (executions, transitions and metric samples are range-partitioned by day)
------------------------------------------------------------------------------------------------------------
create table app_private.partitioned_tables (
  parent regclass primary key,
  granularity interval not null default '1 day' constraint partitioned_tables_granularity_day check (granularity = '1 day'),
  premake_days integer not null default 7 constraint partitioned_tables_premake_range check (premake_days between 1 and 366)
);
alter table app_private.partitioned_tables enable row level security;
comment on table app_private.partitioned_tables is 'Parents whose daily partitions app_private.ensure_partitions() keeps created ahead.';

create function app_private.tg_partition_default__reject() returns trigger
  language plpgsql volatile
  set search_path = pg_catalog
as $$
begin
  raise exception 'no partition of % for this row', tg_table_name using errcode = 'LFPRT',
    hint = 'Create it with app_private.ensure_partitions() or app_private.ensure_partitions_between().';
end;
$$;
comment on function app_private.tg_partition_default__reject() is 'Trigger on default partitions: a row that no daily partition covers is refused loudly, never silently kept.';

create function app_private.partition_name(parent regclass, day date) returns text
  language sql stable
  set search_path = pg_catalog
as $$
  select (select relname from pg_class where oid = parent) || '_p' || to_char(day, 'YYYYMMDD');
$$;
comment on function app_private.partition_name(regclass, date) is 'Name of the daily partition of parent for day (in schema app_partitions).';

create function app_private.ensure_partitions_between(from_day date, to_day date)
  returns table (parent text, partition_name text, range_from date, range_to date, created boolean)
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  t record;
  d date;
  pname text;
begin
  for t in select p.parent from app_private.partitioned_tables p order by p.parent::text loop
    d := from_day;
    while d <= to_day loop
      pname := app_private.partition_name(t.parent, d);
      parent := t.parent::text; partition_name := 'app_partitions.' || pname; range_from := d; range_to := d + 1;
      if to_regclass('app_partitions.' || quote_ident(pname)) is null then
        execute format('create table app_partitions.%I partition of %s for values from (%L) to (%L)',
          pname, t.parent, d::timestamptz, (d + 1)::timestamptz);
        created := true;
      else
        created := false;
      end if;
      return next;
      d := d + 1;
    end loop;
  end loop;
end;
$$;
comment on function app_private.ensure_partitions_between(date, date) is 'Creates the missing daily partitions of every managed parent for the days from_day..to_day (UTC dates, inclusive). Idempotent.';

create function app_private.ensure_partitions(days_ahead integer default null)
  returns table (parent text, partition_name text, range_from date, range_to date, created boolean)
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  today date := (now() at time zone 'UTC')::date;
  ahead integer := coalesce(days_ahead, (select max(premake_days) from app_private.partitioned_tables), 7);
begin
  return query select * from app_private.ensure_partitions_between(today - 1, today + ahead);
end;
$$;
comment on function app_private.ensure_partitions(integer) is 'Keeps daily partitions created from yesterday to days_ahead days ahead (default: the configured premake, 7). Run by the partition_maintenance worker task.';

create function app_private.partition_gaps(days_ahead integer default 7)
  returns table (parent text, missing_day date)
  language sql stable
  set search_path = pg_catalog
as $$
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
$$;
comment on function app_private.partition_gaps(integer) is 'Days with no partition between each parent''s oldest partition and days_ahead days from today: an empty result means no gaps.';

------------------------------------------------------------------------------------------------------------
-- Executions, their state transitions and metric samples (range-partitioned by day)
------------------------------------------------------------------------------------------------------------
create table app_public.executions (
  id uuid not null default app_public.uuid_generate_v7(),
  created_at timestamptz not null default now(),
  team_id uuid not null references app_public.teams (id) on delete cascade,
  workflow_id uuid not null references app_public.workflows (id) on delete cascade,
  workflow_version integer not null,
  state text not null default 'pending' constraint executions_state_known check (state in
    ('pending', 'queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled', 'timed_out', 'crashed')),
  trigger_type text not null default 'manual' constraint executions_trigger_type_known check (trigger_type in ('webhook', 'schedule', 'event', 'manual', 'retry')),
  trigger_id uuid,
  input jsonb,
  output jsonb,
  error jsonb,
  attempt integer not null default 1 constraint executions_attempt_positive check (attempt >= 1),
  idempotency_key text constraint executions_idempotency_key_length check (char_length(idempotency_key) between 1 and 200),
  version integer not null default 1 constraint executions_version_positive check (version > 0),
  started_at timestamptz,
  finished_at timestamptz,
  duration_ms bigint constraint executions_duration_non_negative check (duration_ms >= 0),
  updated_at timestamptz not null default now(),
  constraint executions_pkey primary key (id, created_at),
  constraint executions_finished_after_started check (finished_at is null or started_at is null or finished_at >= started_at),
  constraint executions_started_after_created check (started_at is null or started_at >= created_at - interval '1 minute'),
  constraint executions_workflow_version_fkey foreign key (workflow_id, workflow_version)
    references app_public.workflow_versions (workflow_id, version) on delete no action
) partition by range (created_at);
comment on table app_public.executions is 'One run of a workflow, pinned to a workflow version, moving through states. Partitioned by day on created_at; ids are UUIDv7 so their time prefix matches created_at.';
create index executions_team_id_created_at_idx on app_public.executions (team_id, created_at desc, id desc);
create index executions_workflow_id_created_at_idx on app_public.executions (workflow_id, created_at desc, id desc);
create index executions_workflow_id_version_idx on app_public.executions (workflow_id, workflow_version);
create index executions_state_created_at_idx on app_public.executions (team_id, state, created_at desc);
create index executions_id_idx on app_public.executions (id);
create table app_partitions.executions_default partition of app_public.executions default;
create trigger _000_reject before insert on app_partitions.executions_default
  for each row execute function app_private.tg_partition_default__reject();

create table app_public.execution_transitions (
  execution_id uuid not null,
  execution_created_at timestamptz not null,
  seq integer not null constraint execution_transitions_seq_positive check (seq >= 1),
  team_id uuid not null references app_public.teams (id) on delete cascade,
  from_state text constraint execution_transitions_from_known check (from_state in
    ('pending', 'queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled', 'timed_out', 'crashed')),
  to_state text not null constraint execution_transitions_to_known check (to_state in
    ('pending', 'queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled', 'timed_out', 'crashed')),
  at timestamptz not null default now(),
  actor_id uuid,
  reason text constraint execution_transitions_reason_length check (char_length(reason) <= 2000),
  details jsonb,
  constraint execution_transitions_pkey primary key (execution_id, execution_created_at, seq),
  constraint execution_transitions_execution_fkey foreign key (execution_id, execution_created_at)
    references app_public.executions (id, created_at) on delete cascade
) partition by range (execution_created_at);
comment on table app_public.execution_transitions is 'The state history of an execution: seq 1, 2, 3... forms a chain (each from_state equals the previous to_state). Partitioned with its execution (by the execution''s created_at) so both archive together. actor_id is an audit value, not a foreign key: it survives user purges.';
comment on column app_public.execution_transitions.actor_id is 'Who made the move (user id); audit value without a foreign key.';
create index execution_transitions_team_id_at_idx on app_public.execution_transitions (team_id, at desc);
create table app_partitions.execution_transitions_default partition of app_public.execution_transitions default;
create trigger _000_reject before insert on app_partitions.execution_transitions_default
  for each row execute function app_private.tg_partition_default__reject();

create table app_public.execution_metric_samples (
  execution_id uuid not null,
  recorded_at timestamptz not null default now(),
  team_id uuid not null references app_public.teams (id) on delete cascade,
  workflow_id uuid not null references app_public.workflows (id) on delete cascade,
  state text not null constraint execution_metric_samples_state_known check (state in
    ('pending', 'queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled', 'timed_out', 'crashed')),
  duration_ms bigint constraint execution_metric_samples_duration_non_negative check (duration_ms >= 0),
  node_count integer not null default 0 constraint execution_metric_samples_node_count_non_negative check (node_count >= 0),
  failed_node_count integer not null default 0 constraint execution_metric_samples_failed_nodes_non_negative check (failed_node_count >= 0),
  constraint execution_metric_samples_pkey primary key (execution_id, recorded_at)
) partition by range (recorded_at);
comment on table app_public.execution_metric_samples is 'Raw time-series samples: one per finished execution (duration, node counts, outcome). Rolled up per workflow per minute/hour/day, then dropped. Independent of the executions lifecycle (no foreign key to executions).';
create index execution_metric_samples_workflow_id_recorded_at_idx on app_public.execution_metric_samples (workflow_id, recorded_at);
create index execution_metric_samples_team_id_recorded_at_idx on app_public.execution_metric_samples (team_id, recorded_at);
create table app_partitions.execution_metric_samples_default partition of app_public.execution_metric_samples default;
create trigger _000_reject before insert on app_partitions.execution_metric_samples_default
  for each row execute function app_private.tg_partition_default__reject();

create table app_public.execution_node_runs (
  execution_id uuid not null,
  execution_created_at timestamptz not null,
  team_id uuid not null references app_public.teams (id) on delete cascade,
  node_name text not null constraint execution_node_runs_node_name_length check (char_length(node_name) between 1 and 200),
  node_id uuid,
  attempt integer not null default 1 constraint execution_node_runs_attempt_positive check (attempt >= 1),
  status text not null default 'pending' constraint execution_node_runs_status_known check (status in
    ('pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled')),
  started_at timestamptz,
  finished_at timestamptz,
  output jsonb,
  error jsonb,
  constraint execution_node_runs_pkey primary key (execution_id, execution_created_at, node_name, attempt),
  constraint execution_node_runs_finished_after_started check (finished_at is null or started_at is null or finished_at >= started_at),
  constraint execution_node_runs_execution_fkey foreign key (execution_id, execution_created_at)
    references app_public.executions (id, created_at) on delete cascade
) partition by range (execution_created_at);
comment on table app_public.execution_node_runs is 'One run of one node within an execution (per attempt): status, timing, output (size-limited) and error. Partitioned with its execution. node_name identifies the node (node ids change when a workflow is saved); node_id is informative.';
create index execution_node_runs_team_id_idx on app_public.execution_node_runs (team_id);
create table app_partitions.execution_node_runs_default partition of app_public.execution_node_runs default;
create trigger _000_reject before insert on app_partitions.execution_node_runs_default
  for each row execute function app_private.tg_partition_default__reject();

insert into app_private.partitioned_tables (parent) values
  ('app_public.executions'), ('app_public.execution_transitions'), ('app_public.execution_node_runs'), ('app_public.execution_metric_samples');
select count(*) from app_private.ensure_partitions();

------------------------------------------------------------------------------------------------------------
-- Event store core: streams, events (immutable), snapshots, append_events
------------------------------------------------------------------------------------------------------------
create table app_public.event_streams (
  id text primary key constraint event_streams_id_length check (char_length(id) between 1 and 300),
  type text not null constraint event_streams_type_length check (char_length(type) between 1 and 100),
  team_id uuid references app_public.teams (id) on delete set null,
  version bigint not null default 0 constraint event_streams_version_non_negative check (version >= 0),
  archived boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table app_public.event_streams is 'An event stream (one per aggregate, e.g. ''workflow-<uuid>''): its type, owning team and current version (the number of events).';
create index event_streams_team_id_idx on app_public.event_streams (team_id);
create index event_streams_type_idx on app_public.event_streams (type);

create table app_public.events (
  global_position bigint generated always as identity primary key,
  transaction_id xid8 not null default pg_current_xact_id(),
  stream_id text not null references app_public.event_streams (id) on delete restrict,
  stream_type text not null,
  stream_version bigint not null constraint events_stream_version_positive check (stream_version >= 1),
  event_id uuid not null constraint events_event_id_key unique,
  type text not null constraint events_type_length check (char_length(type) between 1 and 200),
  schema_version integer not null default 1 constraint events_schema_version_positive check (schema_version >= 1),
  data jsonb not null default '{}',
  metadata jsonb not null default '{}' constraint events_metadata_object check (jsonb_typeof(metadata) = 'object'),
  team_id uuid,
  created_at timestamptz not null default now(),
  constraint events_stream_id_stream_version_key unique (stream_id, stream_version)
);
comment on table app_public.events is 'The append-only event log. Read globally in (transaction_id, global_position) order, exposing only transactions older than the current snapshot''s xmin, so readers never skip an event committed out of order. metadata carries correlation_id, causation_id, actor and trace_id. team_id is denormalised from the stream for RLS and distribution.';
comment on column app_public.events.transaction_id is E'@behavior -*\nThe writing transaction''s id (xid8): readers order and checkpoint on (transaction_id, global_position). Internal: not exposed through GraphQL.';
create index events_transaction_id_global_position_idx on app_public.events (transaction_id, global_position);
create index events_team_id_idx on app_public.events (team_id, global_position);
create index events_type_idx on app_public.events (type, transaction_id, global_position);

create table app_public.event_snapshots (
  stream_id text not null references app_public.event_streams (id) on delete cascade,
  version bigint not null constraint event_snapshots_version_positive check (version >= 1),
  state jsonb not null,
  schema_version integer not null default 1 constraint event_snapshots_schema_version_positive check (schema_version >= 1),
  created_at timestamptz not null default now(),
  constraint event_snapshots_pkey primary key (stream_id, version)
);
comment on table app_public.event_snapshots is 'Aggregate state snapshots at a stream version, so loading reads the latest snapshot plus later events.';

create function app_private.tg_events__immutable() returns trigger
  language plpgsql volatile
  set search_path = pg_catalog
as $$
begin
  if current_setting('linkflow.allow_event_erasure', true) = 'on' and tg_op = 'UPDATE' then
    return new;
  end if;
  raise exception 'events are immutable' using errcode = 'LFIMM',
    hint = 'Use app_private.erase_event_personal_data() to redact personal data.';
end;
$$;
comment on function app_private.tg_events__immutable() is 'Trigger: refuses UPDATE and DELETE on events, except an UPDATE made inside the erasure function.';
create trigger _100_immutable before update or delete on app_public.events
  for each row execute function app_private.tg_events__immutable();
create trigger _101_no_truncate before truncate on app_public.events
  for each statement execute function app_private.tg_events__immutable();

create function app_private.append_events(
  stream_id text,
  stream_type text,
  expected_version bigint,
  events jsonb,
  team_id uuid default null
) returns table (event_id uuid, stream_version bigint, global_position bigint)
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  v_current bigint;
  v_archived boolean;
  v_count integer;
  v_existing integer;
begin
  if events is null or jsonb_typeof(events) <> 'array' then
    raise exception 'events must be a JSON array' using errcode = 'LFVAL', detail = 'field: events';
  end if;
  v_count := jsonb_array_length(events);
  if v_count = 0 then
    return;
  end if;
  if expected_version is not null and expected_version < 0 then
    raise exception 'expected_version must be null (any), 0 (no stream) or a positive version' using errcode = 'LFVAL', detail = 'field: expected_version';
  end if;

  -- Lock the stream (creating it when new) so appends to one stream serialize.
  insert into app_public.event_streams as s (id, type, team_id)
    values (append_events.stream_id, append_events.stream_type, append_events.team_id)
    on conflict (id) do nothing;
  select s.version, s.archived into v_current, v_archived
    from app_public.event_streams s where s.id = append_events.stream_id for update;

  -- Idempotent retry: the same event ids already appended return the original result.
  select count(*) into v_existing
    from app_public.events e
   where e.event_id in (select (x->>'event_id')::uuid from jsonb_array_elements(events) x where x ? 'event_id');
  if v_existing > 0 then
    if v_existing = v_count and (select count(*) from app_public.events e
          where e.stream_id = append_events.stream_id
            and e.event_id in (select (x->>'event_id')::uuid from jsonb_array_elements(events) x)) = v_count then
      return query select e.event_id, e.stream_version, e.global_position from app_public.events e
        where e.event_id in (select (x->>'event_id')::uuid from jsonb_array_elements(events) x)
        order by e.stream_version;
      return;
    end if;
    raise exception 'some event ids already exist in another append' using errcode = 'LFDUP',
      detail = format('stream %s', append_events.stream_id);
  end if;

  if v_archived then
    raise exception 'stream % is archived', append_events.stream_id using errcode = 'LFARC';
  end if;
  if expected_version is not null and expected_version <> v_current then
    raise exception 'stream % is at version %, not the expected %', append_events.stream_id, v_current, expected_version
      using errcode = 'LFVER', detail = format('current_version=%s', v_current);
  end if;

  update app_public.event_streams s set version = v_current + v_count, updated_at = now()
   where s.id = append_events.stream_id;

  return query
  insert into app_public.events (stream_id, stream_type, stream_version, event_id, type, schema_version, data, metadata, team_id)
  select append_events.stream_id, append_events.stream_type, v_current + x.ord,
         coalesce((x.e->>'event_id')::uuid, public.gen_random_uuid()),
         x.e->>'type',
         coalesce((x.e->>'schema_version')::integer, 1),
         coalesce(x.e->'data', '{}'::jsonb),
         coalesce(x.e->'metadata', '{}'::jsonb),
         coalesce(append_events.team_id, (select s.team_id from app_public.event_streams s where s.id = append_events.stream_id))
    from jsonb_array_elements(events) with ordinality as x(e, ord)
  returning events.event_id, events.stream_version, events.global_position;
end;
$$;
comment on function app_private.append_events(text, text, bigint, jsonb, uuid) is
'Appends events (a JSON array of {event_id?, type, data, metadata, schema_version?}) to a stream.
expected_version: null = any, 0 = the stream must not exist yet, n = the stream must be at version n.
A stale expectation raises LFVER naming the current version and writes nothing; re-appending the same event
ids returns the original result; an empty array is a no-op; an archived stream raises LFARC.
Called by the domain functions in the same transaction as their state change.';

------------------------------------------------------------------------------------------------------------
-- Row-level security: default deny; members read their teams' rows. Write policies come with each capability.
------------------------------------------------------------------------------------------------------------
alter table app_public.users enable row level security;
alter table app_public.teams enable row level security;
alter table app_public.team_memberships enable row level security;
alter table app_public.workflows enable row level security;
alter table app_public.workflow_nodes enable row level security;
alter table app_public.workflow_connections enable row level security;
alter table app_public.workflow_triggers enable row level security;
alter table app_public.workflow_versions enable row level security;
alter table app_public.executions enable row level security;
alter table app_public.execution_transitions enable row level security;
alter table app_public.execution_node_runs enable row level security;
alter table app_public.execution_metric_samples enable row level security;
alter table app_public.event_streams enable row level security;
alter table app_public.events enable row level security;
alter table app_public.event_snapshots enable row level security;

create policy select_self_and_teammates on app_public.users for select using (
  deleted_at is null and (
    id = app_public.current_user_id()
    or id in (select m.user_id from app_public.team_memberships m
               where m.team_id in (select app_hidden.current_user_team_ids())))
);
create policy select_member on app_public.teams for select using (
  deleted_at is null and id in (select app_hidden.current_user_team_ids()));
create policy select_member on app_public.team_memberships for select using (
  team_id in (select app_hidden.current_user_team_ids()));
create policy select_member on app_public.workflows for select using (
  team_id in (select app_hidden.current_user_team_ids()));
create policy select_member on app_public.workflow_nodes for select using (
  team_id in (select app_hidden.current_user_team_ids()));
create policy select_member on app_public.workflow_connections for select using (
  team_id in (select app_hidden.current_user_team_ids()));
create policy select_member on app_public.workflow_triggers for select using (
  team_id in (select app_hidden.current_user_team_ids()));
create policy select_member on app_public.workflow_versions for select using (
  team_id in (select app_hidden.current_user_team_ids()));
create policy select_member on app_public.executions for select using (
  team_id in (select app_hidden.current_user_team_ids()));
create policy select_member on app_public.execution_transitions for select using (
  team_id in (select app_hidden.current_user_team_ids()));
create policy select_member on app_public.execution_node_runs for select using (
  team_id in (select app_hidden.current_user_team_ids()));
create policy select_member on app_public.execution_metric_samples for select using (
  team_id in (select app_hidden.current_user_team_ids()));
create policy select_member on app_public.event_streams for select using (
  team_id in (select app_hidden.current_user_team_ids()));
create policy select_member on app_public.events for select using (
  team_id in (select app_hidden.current_user_team_ids()));
create policy select_member on app_public.event_snapshots for select using (
  stream_id in (select s.id from app_public.event_streams s where s.team_id in (select app_hidden.current_user_team_ids())));

grant select on
  app_public.users, app_public.teams, app_public.team_memberships,
  app_public.workflows, app_public.workflow_nodes, app_public.workflow_connections, app_public.workflow_triggers,
  app_public.workflow_versions, app_public.executions, app_public.execution_transitions, app_public.execution_node_runs,
  app_public.execution_metric_samples, app_public.event_streams, app_public.events, app_public.event_snapshots
  to linkflow_visitor;

-- Large JSON columns: lz4 where available
select app_private.use_lz4_compression('app_public.workflow_nodes', array['parameters']);
select app_private.use_lz4_compression('app_public.workflow_versions', array['data']);
select app_private.use_lz4_compression('app_public.executions', array['input', 'output']);
select app_private.use_lz4_compression('app_public.execution_node_runs', array['output']);
select app_private.use_lz4_compression('app_public.events', array['data']);
