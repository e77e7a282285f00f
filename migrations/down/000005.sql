-- Function bodies restored here come from the schema before migration 5: node scripts/restore-body.ts --before 5 --rewrite migrations/down/000005.sql
-- Down for users and teams: the exact reverse of migration 000005.
drop index app_public.teams_deleted_at_idx;
drop index app_public.team_memberships_team_id_role_idx;
drop index app_public.team_memberships_user_id_role_idx;

drop policy select_member on app_public.team_memberships;
create policy select_member on app_public.team_memberships for select using (
  team_id in (select app_hidden.current_user_team_ids()));

CREATE OR REPLACE FUNCTION app_hidden.current_user_team_ids(min_role text DEFAULT 'viewer'::text) RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
  select m.team_id
    from app_public.team_memberships m
    join app_public.teams t on t.id = m.team_id and t.deleted_at is null
   where m.user_id = app_public.current_user_id()
     and app_hidden.team_role_rank(m.role) >= app_hidden.team_role_rank(min_role);
$$;
comment on function app_hidden.current_user_team_ids(text) is 'Ids of the live teams the current user belongs to with at least the given role. Used by RLS policies.';

CREATE OR REPLACE FUNCTION app_hidden.has_team_role(team_id uuid, min_role text DEFAULT 'viewer'::text) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
  select exists (
    select 1 from app_public.team_memberships m
      join app_public.teams t on t.id = m.team_id and t.deleted_at is null
     where m.team_id = has_team_role.team_id
       and m.user_id = app_public.current_user_id()
       and app_hidden.team_role_rank(m.role) >= app_hidden.team_role_rank(min_role));
$$;
comment on function app_hidden.has_team_role(uuid, text) is 'True when the current user is a member of the live team with at least the given role.';

drop function app_hidden.deleted_user_ids();
drop function app_private.bulk_update_users(jsonb, boolean);
drop function app_private.bulk_create_users(jsonb, boolean);
drop type app_private.bulk_row_result;
drop function app_private.purge_expired(integer);
drop function app_private.purge_users(uuid[]);
drop function app_private.purge_user(uuid);
drop function app_private.restore_users(uuid[]);
drop function app_private.soft_delete_users(uuid[]);
drop function app_public.restore_team(uuid);
drop function app_public.delete_team(uuid);
drop function app_public.leave_team(uuid);
drop function app_public.remove_team_member(uuid, uuid);
drop function app_public.change_member_role(uuid, uuid, text);
drop function app_public.add_team_member(uuid, text, uuid, text);
drop function app_public.create_team(text, text);
drop function app_private.assert_role(text);
drop function app_private.assert_team_has_owner(uuid);
drop function app_private.lock_team_for_caller(uuid);
drop function app_public.change_password(text, text);
drop function app_public.update_profile(text, integer);
drop function app_public.current_user();
drop function app_private.require_live_user();
drop function app_public.authenticate(text, text);
drop function app_public.register(text, text, text);
drop function app_private.create_user(text, text, text, text);
drop function app_private.sign_jwt(jsonb);
drop function app_private.base64url(bytea);
drop function app_private.hash_password(text);
drop function app_private.assert_password_strength(text, text);
drop function app_private.configure_auth(text, text, text, interval, integer, interval);
drop table app_private.auth_settings;
