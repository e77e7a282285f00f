--! Previous: sha1:40612a58e14d0544d144a70a600f707785c26c15
--! Hash: sha1:2876c16fdf64b042257901e3c04ac3978e92b1f0
--! Message: cache: owner-level GetWithNodes for the shared cache; user tag for cached memberships

-- GetWithNodes for the shared cache: the graph document without the caller check, owner only. The public
-- app_public.workflow_graph() keeps its membership check and now calls it, so both return the same shape.
create function app_private.workflow_graph_unchecked(workflow_id uuid) returns json
  language plpgsql stable
  set search_path = pg_catalog
as $$
declare
  w app_public.workflows;
  d app_private.workflow_graph_documents;
begin
  select * into w from app_public.workflows x where x.id = workflow_graph_unchecked.workflow_id;
  if not found then
    return null;
  end if;
  select * into d from app_private.workflow_graph_documents g where g.workflow_id = w.id;
  if not found then
    d := app_private.workflow_build_graph_document(w.id);
  end if;
  return pg_catalog.json_build_object(
    'workflow', pg_catalog.json_build_object('id', w.id, 'team_id', w.team_id, 'name', w.name, 'description', w.description,
       'status', w.status, 'settings', w.settings, 'tags', w.tags, 'current_version', w.current_version,
       'created_by', w.created_by, 'created_at', w.created_at, 'updated_at', w.updated_at, 'archived_at', w.archived_at),
    'nodes', d.nodes, 'connections', d.connections, 'triggers', d.triggers);
end;
$$;
comment on function app_private.workflow_graph_unchecked(uuid) is 'GetWithNodes without the membership check (owner only): the shared cache loads graphs with it and authorizes each caller itself. Same document as app_public.workflow_graph().';

create or replace function app_public.workflow_graph(workflow_id uuid) returns json
  language plpgsql stable security definer
  set search_path = pg_catalog
as $$
declare
  v_team uuid;
begin
  select x.team_id into v_team from app_public.workflows x where x.id = workflow_graph.workflow_id;
  if not found or not app_hidden.has_team_role(v_team, 'viewer') then
    return null;
  end if;
  return app_private.workflow_graph_unchecked(workflow_graph.workflow_id);
end;
$$;

-- A user's rows feed the tag user:<id> too (cached memberships: a soft-deleted user loses access at once).
create or replace function app_private.cache_tags(table_name text, r jsonb) returns text[]
  language sql immutable parallel safe
  set search_path = pg_catalog
as $$
  select case
    when r is null then '{}'::text[]
    when table_name = 'users' then array['user:' || (r->>'id')]
    when table_name = 'teams' then array['team:' || (r->>'id')]
    when table_name = 'team_memberships' then array['team:' || (r->>'team_id')]
    when table_name = 'workflows' then array['team-workflows:' || (r->>'team_id'), 'team:' || (r->>'team_id')]
    else '{}'::text[]
  end;
$$;
