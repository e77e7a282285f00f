-- Down for the cache invalidation migration (issue 7): exactly what current.sql created.
drop trigger _901_invalidate_cache_truncate on app_public.workflow_triggers;
drop trigger _900_invalidate_cache on app_public.workflow_triggers;
drop trigger _901_invalidate_cache_truncate on app_public.workflow_connections;
drop trigger _900_invalidate_cache on app_public.workflow_connections;
drop trigger _901_invalidate_cache_truncate on app_public.workflow_nodes;
drop trigger _900_invalidate_cache on app_public.workflow_nodes;
drop trigger _901_invalidate_cache_truncate on app_public.workflows;
drop trigger _900_invalidate_cache on app_public.workflows;
drop trigger _900_invalidate_cache on app_public.team_memberships;
drop trigger _901_invalidate_cache_truncate on app_public.teams;
drop trigger _900_invalidate_cache on app_public.teams;
drop trigger _901_invalidate_cache_truncate on app_public.users;
drop trigger _900_invalidate_cache on app_public.users;
drop function app_private.tg__invalidate_cache();
drop function app_private.cache_tags(text, jsonb);
drop function app_private.cache_keys(text, jsonb);
drop function app_private.enqueue_cache_invalidation(text[], text[], text[]);
