-- Workflows at editor speed: the graph rows (nodes, connections, triggers) are checked against their workflow,
-- not against the team again. PostgreSQL runs a foreign-key check per inserted row and key: a 200-node create
-- ran about 1,200 of them, 403 to teams. A graph row's team is its workflow's (the writers copy it from the
-- workflows row), and a team's deletion reaches every graph row through workflows (on delete cascade) and the
-- graph rows' own keys, so the keys to teams (and the connections' key to workflows, which its two keys to the
-- workflow's nodes already imply) only cost checks. GraphQL keeps the relations through @foreignKey smart tags.
alter table app_public.workflow_nodes drop constraint if exists workflow_nodes_team_id_fkey;
alter table app_public.workflow_triggers drop constraint if exists workflow_triggers_team_id_fkey;
alter table app_public.workflow_connections drop constraint if exists workflow_connections_team_id_fkey;
alter table app_public.workflow_connections drop constraint if exists workflow_connections_workflow_id_fkey;

comment on table app_public.workflow_nodes is E'@foreignKey (team_id) references app_public.teams (id)\nA node of a workflow''s current graph. Names are unique per workflow. Its team is its workflow''s (written by the workflow functions; removed with the workflow, which is removed with its team).';
comment on table app_public.workflow_triggers is E'@foreignKey (team_id) references app_public.teams (id)\nWhat starts a workflow: a webhook, a schedule (cron), an event or a manual run. Its team is its workflow''s (written by the workflow functions).';
comment on table app_public.workflow_connections is E'@name workflow_link\n@foreignKey (workflow_id) references app_public.workflows (id)\n@foreignKey (team_id) references app_public.teams (id)\nA connection (edge) from a node''s output to another node''s input, within one workflow. Exposed in GraphQL as WorkflowLink (WorkflowConnection and WorkflowEdge are the workflows connection and edge types). Its two keys to the workflow''s nodes (on delete cascade) tie it to the workflow; its team is its workflow''s.';
