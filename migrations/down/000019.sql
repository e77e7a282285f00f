drop trigger if exists _900_notify_live_update on app_public.team_memberships;
drop trigger if exists _900_notify_live_delete on app_public.team_memberships;
drop function if exists app_private.tg_team_memberships__notify_live();
drop function if exists app_private.projections_cover(xid8, text[]);
drop function if exists app_private.consistency_position();
