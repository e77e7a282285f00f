-- Function bodies restored here come from the schema before migration 10: node scripts/restore-body.ts --before 10 --rewrite migrations/down/000010.sql
CREATE OR REPLACE FUNCTION app_private.cache_tags(table_name text, r jsonb) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
  select case
    when r is null then '{}'::text[]
    when table_name = 'teams' then array['team:' || (r->>'id')]
    when table_name = 'team_memberships' then array['team:' || (r->>'team_id')]
    when table_name = 'workflows' then array['team-workflows:' || (r->>'team_id'), 'team:' || (r->>'team_id')]
    else '{}'::text[]
  end;
$$;
-- Down for the owner-level graph read: workflow_graph() back to its own body, then drop the helper.
CREATE OR REPLACE FUNCTION app_public.workflow_graph(workflow_id uuid) RETURNS json
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
declare
  w app_public.workflows;
  d app_private.workflow_graph_documents;
begin
  select * into w from app_public.workflows x where x.id = workflow_graph.workflow_id;
  if not found or not app_hidden.has_team_role(w.team_id, 'viewer') then
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
drop function app_private.workflow_graph_unchecked(uuid);
