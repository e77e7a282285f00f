--! Previous: sha1:29ade0339e1d1c250e59ad08ec6201cf41141369
--! Hash: sha1:3e81f91aa32ff875886abd928a301b470dbaa1a9
--! Message: users and teams: registration, authentication, team rules, soft delete, bulk operations, search

-- Issue 3: users and teams. Registration and sign-in (bcrypt via pgcrypto, HS256 JWTs signed in SQL), profile and
-- password changes, teams and their membership rules, soft delete with a restore window and purge, the
-- repository's bulk functions, and RLS that hides soft-deleted users everywhere.
-- The exact reverse is migrations/down/current.sql.

------------------------------------------------------------------------------------------------------------
-- Auth settings: owner-only, written at start by the TypeScript layer (src/users/auth.ts configureAuth)
------------------------------------------------------------------------------------------------------------
create table app_private.auth_settings (
  id boolean primary key default true constraint auth_settings_singleton check (id),
  jwt_secret text constraint auth_settings_jwt_secret_length check (jwt_secret is null or char_length(jwt_secret) >= 32),
  jwt_issuer text,
  jwt_audience text,
  token_ttl interval not null default interval '1 hour' constraint auth_settings_token_ttl_positive check (token_ttl > interval '0'),
  bcrypt_cost integer not null default 10 constraint auth_settings_bcrypt_cost_range check (bcrypt_cost between 4 and 15),
  restore_window interval not null default interval '30 days' constraint auth_settings_restore_window_positive check (restore_window > interval '0'),
  updated_at timestamptz not null default now()
);
alter table app_private.auth_settings enable row level security;
comment on table app_private.auth_settings is 'One row: the JWT signing secret (HS256, the same JWT_SECRET the server verifies with), issuer, audience, token lifetime, bcrypt cost and the soft-delete restore window. Owner only; written at start by configure_auth().';
insert into app_private.auth_settings (id) values (true);

create function app_private.configure_auth(
  jwt_secret text,
  jwt_issuer text default null,
  jwt_audience text default null,
  token_ttl interval default interval '1 hour',
  bcrypt_cost integer default 10,
  restore_window interval default interval '30 days'
) returns void
  language sql volatile
  set search_path = pg_catalog
as $$
  update app_private.auth_settings s
     set jwt_secret = configure_auth.jwt_secret, jwt_issuer = configure_auth.jwt_issuer,
         jwt_audience = configure_auth.jwt_audience, token_ttl = configure_auth.token_ttl,
         bcrypt_cost = configure_auth.bcrypt_cost, restore_window = configure_auth.restore_window, updated_at = now()
   where s.id;
$$;
comment on function app_private.configure_auth(text, text, text, interval, integer, interval) is 'Stores the JWT signing settings, bcrypt cost and restore window (called by the trusted server at start from its configuration). Owner only.';

------------------------------------------------------------------------------------------------------------
-- Passwords and tokens
------------------------------------------------------------------------------------------------------------
create function app_private.assert_password_strength(password text, email text default null) returns void
  language plpgsql immutable
  set search_path = pg_catalog
as $$
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
comment on function app_private.assert_password_strength(text, text) is 'Raises LFVAL (field: password) unless the password has 8+ characters, at most 72 bytes (the bcrypt limit), mixes letters with other characters, is not the email and is not a common password.';

create function app_private.hash_password(password text) returns text
  language sql volatile
  set search_path = pg_catalog
as $$
  select public.crypt(password, public.gen_salt('bf', (select s.bcrypt_cost from app_private.auth_settings s where s.id)));
$$;
comment on function app_private.hash_password(text) is 'bcrypt hash of a password (pgcrypto crypt with a bf salt at the configured cost).';

create function app_private.base64url(data bytea) returns text
  language sql immutable strict parallel safe
  set search_path = pg_catalog
as $$
  select translate(encode(data, 'base64'), E'+/=\n', '-_');
$$;
comment on function app_private.base64url(bytea) is 'base64url without padding (RFC 4648 section 5), as JWTs use.';

create function app_private.sign_jwt(claims jsonb) returns text
  language plpgsql stable
  set search_path = pg_catalog
as $$
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
comment on function app_private.sign_jwt(jsonb) is 'Signs the claims as a compact HS256 JWT with the configured secret. Owner only.';

------------------------------------------------------------------------------------------------------------
-- Users: creation, registration, sign-in, profile, password
------------------------------------------------------------------------------------------------------------
create function app_private.create_user(email text, name text, password text default null, status text default 'active')
  returns app_public.users
  language plpgsql volatile
  set search_path = pg_catalog
as $$
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
comment on function app_private.create_user(text, text, text, text) is 'Creates a user (and its secrets row; the password, when given, is strength-checked and bcrypt-hashed). A taken email raises 23505 users_email_key (ConflictError, field email). Owner only: the repository''s Create.';

create function app_public.register(email text, name text, password text) returns app_public.users
  language plpgsql volatile security definer
  set search_path = pg_catalog
as $$
begin
  if password is null then
    raise exception 'password is required' using errcode = 'LFVAL', detail = 'field: password';
  end if;
  return app_private.create_user(register.email, register.name, register.password, 'active');
end;
$$;
comment on function app_public.register(text, text, text) is 'Signs up: creates an active user with a bcrypt-hashed password (minimum strength checked, LFVAL field password). Emails are unique case-insensitively (a taken one is a conflict on email).';
grant execute on function app_public.register(text, text, text) to linkflow_anonymous, linkflow_visitor;

create function app_public.authenticate(email text, password text) returns text
  language plpgsql volatile security definer
  set search_path = pg_catalog
as $$
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
comment on function app_public.authenticate(text, text) is 'Signs in: returns an HS256 JWT (claims sub and user_id = the user id, iat, exp, iss/aud when configured) that the server verifies with JWT_SECRET. Unknown email, wrong password, suspended or deleted user all raise the same LFDNY error after the same bcrypt work.';
grant execute on function app_public.authenticate(text, text) to linkflow_anonymous, linkflow_visitor;

create function app_private.require_live_user() returns uuid
  language plpgsql stable
  set search_path = pg_catalog
as $$
declare
  v_id uuid := app_public.current_user_id();
begin
  if v_id is null or not exists (select 1 from app_public.users u where u.id = v_id and u.deleted_at is null) then
    raise exception 'sign in first' using errcode = 'LFDNY';
  end if;
  return v_id;
end;
$$;
comment on function app_private.require_live_user() is 'The current user id; raises LFDNY for anonymous callers and soft-deleted users.';

create function app_public.current_user() returns app_public.users
  language sql stable security definer
  set search_path = pg_catalog
as $$
  select u.* from app_public.users u where u.id = app_public.current_user_id() and u.deleted_at is null;
$$;
comment on function app_public.current_user() is 'The signed-in user; null when anonymous or soft-deleted.';
grant execute on function app_public.current_user() to linkflow_visitor, linkflow_anonymous;

create function app_public.update_profile(name text, expected_version integer default null) returns app_public.users
  language plpgsql volatile security definer
  set search_path = pg_catalog
as $$
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
comment on function app_public.update_profile(text, integer) is 'Changes the signed-in user''s name; with expected_version, a stale version raises LFVER naming the current one.';
grant execute on function app_public.update_profile(text, integer) to linkflow_visitor;

create function app_public.change_password(old_password text, new_password text) returns boolean
  language plpgsql volatile security definer
  set search_path = pg_catalog
as $$
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
comment on function app_public.change_password(text, text) is 'Changes the signed-in user''s password after checking the current one (LFDNY when wrong); the new one must pass the strength check (LFVAL field password).';
grant execute on function app_public.change_password(text, text) to linkflow_visitor;

------------------------------------------------------------------------------------------------------------
-- Teams and memberships. Every membership change locks the team row first, so concurrent changes serialize
-- and the "at least one owner" check sees the other changes' results.
------------------------------------------------------------------------------------------------------------
create function app_private.lock_team_for_caller(team_id uuid) returns text
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  v_caller uuid := app_private.require_live_user();
  v_role text;
begin
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
comment on function app_private.lock_team_for_caller(uuid) is 'Locks the live team row (FOR UPDATE) and returns the caller''s role in it; LFNTF when the team is missing, deleted or the caller is not a member (no existence leak).';

create function app_private.assert_team_has_owner(team_id uuid) returns void
  language plpgsql stable
  set search_path = pg_catalog
as $$
begin
  if not exists (select 1 from app_public.team_memberships m where m.team_id = assert_team_has_owner.team_id and m.role = 'owner') then
    raise exception 'a team must keep at least one owner' using errcode = 'LFCNF', detail = 'field: role';
  end if;
end;
$$;
comment on function app_private.assert_team_has_owner(uuid) is 'Raises LFCNF (field: role) when the team has no owner left; called at the end of every membership change.';

create function app_private.assert_role(role text) returns void
  language plpgsql immutable
  set search_path = pg_catalog
as $$
begin
  if role is null or role not in ('owner', 'admin', 'editor', 'viewer') then
    raise exception 'unknown role %', role using errcode = 'LFVAL', detail = 'field: role';
  end if;
end;
$$;
comment on function app_private.assert_role(text) is 'Raises LFVAL (field: role) unless the role is owner, admin, editor or viewer.';

create function app_public.create_team(slug text, name text) returns app_public.teams
  language plpgsql volatile security definer
  set search_path = pg_catalog
as $$
declare
  v_caller uuid := app_private.require_live_user();
  v_team app_public.teams;
begin
  insert into app_public.teams (slug, name) values (create_team.slug, create_team.name) returning * into v_team;
  insert into app_public.team_memberships (team_id, user_id, role) values (v_team.id, v_caller, 'owner');
  return v_team;
end;
$$;
comment on function app_public.create_team(text, text) is 'Creates a team; the signed-in creator becomes its owner. A taken slug is a conflict on slug.';
grant execute on function app_public.create_team(text, text) to linkflow_visitor;

create function app_public.add_team_member(team_id uuid, role text default 'viewer', user_id uuid default null, email text default null)
  returns app_public.team_memberships
  language plpgsql volatile security definer
  set search_path = pg_catalog
as $$
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
comment on function app_public.add_team_member(uuid, text, uuid, text) is 'Adds a member (by user_id) or invites one (by email: an unknown email becomes an invited user) with a role. Only owners and admins; only owners grant owner (LFDNY). An existing member is a conflict.';
grant execute on function app_public.add_team_member(uuid, text, uuid, text) to linkflow_visitor;

create function app_public.change_member_role(team_id uuid, user_id uuid, role text) returns app_public.team_memberships
  language plpgsql volatile security definer
  set search_path = pg_catalog
as $$
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
comment on function app_public.change_member_role(uuid, uuid, text) is 'Changes a member''s role. Only owners and admins; admins can neither promote to owner nor change an owner (LFDNY); the team keeps at least one owner (LFCNF).';
grant execute on function app_public.change_member_role(uuid, uuid, text) to linkflow_visitor;

create function app_public.remove_team_member(team_id uuid, user_id uuid) returns boolean
  language plpgsql volatile security definer
  set search_path = pg_catalog
as $$
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
comment on function app_public.remove_team_member(uuid, uuid) is 'Removes a member. Only owners and admins; admins cannot remove owners (LFDNY); the last owner cannot be removed (LFCNF).';
grant execute on function app_public.remove_team_member(uuid, uuid) to linkflow_visitor;

create function app_public.leave_team(team_id uuid) returns boolean
  language plpgsql volatile security definer
  set search_path = pg_catalog
as $$
begin
  perform app_private.lock_team_for_caller(team_id);
  delete from app_public.team_memberships m where m.team_id = leave_team.team_id and m.user_id = app_public.current_user_id();
  perform app_private.assert_team_has_owner(team_id);
  return true;
end;
$$;
comment on function app_public.leave_team(uuid) is 'The signed-in user leaves the team; the last owner cannot leave (LFCNF: hand ownership over first).';
grant execute on function app_public.leave_team(uuid) to linkflow_visitor;

create function app_public.delete_team(team_id uuid) returns boolean
  language plpgsql volatile security definer
  set search_path = pg_catalog
as $$
begin
  if app_private.lock_team_for_caller(team_id) <> 'owner' then
    raise exception 'only owners delete a team' using errcode = 'LFDNY';
  end if;
  update app_public.teams t set deleted_at = now() where t.id = delete_team.team_id;
  return true;
end;
$$;
comment on function app_public.delete_team(uuid) is 'Soft-deletes the team (owners only): it disappears from every read path and can be restored by an owner within the restore window, after which the purge job deletes it.';
grant execute on function app_public.delete_team(uuid) to linkflow_visitor;

create function app_public.restore_team(team_id uuid) returns app_public.teams
  language plpgsql volatile security definer
  set search_path = pg_catalog
as $$
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
comment on function app_public.restore_team(uuid) is 'Restores a soft-deleted team (its owners only) within the restore window; after it, LFSTA current_state=expired.';
grant execute on function app_public.restore_team(uuid) to linkflow_visitor;

------------------------------------------------------------------------------------------------------------
-- Soft delete, restore and purge (owner: the repository and the users_purge task)
------------------------------------------------------------------------------------------------------------
create function app_private.soft_delete_users(ids uuid[]) returns setof uuid
  language sql volatile
  set search_path = pg_catalog
as $$
  update app_public.users u set deleted_at = now() where u.id = any(ids) and u.deleted_at is null returning u.id;
$$;
comment on function app_private.soft_delete_users(uuid[]) is 'Soft-deletes the live users among ids; returns the ids it deleted.';

create function app_private.restore_users(ids uuid[]) returns setof uuid
  language sql volatile
  set search_path = pg_catalog
as $$
  update app_public.users u set deleted_at = null
   where u.id = any(ids) and u.deleted_at is not null
     and u.deleted_at >= now() - (select s.restore_window from app_private.auth_settings s where s.id)
  returning u.id;
$$;
comment on function app_private.restore_users(uuid[]) is 'Restores the soft-deleted users among ids that are still inside the restore window; returns the ids it restored.';

create function app_private.purge_user(id uuid) returns void
  language plpgsql volatile
  set search_path = pg_catalog
as $$
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
comment on function app_private.purge_user(uuid) is 'Hard-deletes one user: hands over teams it solely owned, then deletes the row; authorship (workflow_versions.author_id, workflows.created_by) becomes null.';

create function app_private.purge_users(ids uuid[]) returns setof uuid
  language plpgsql volatile
  set search_path = pg_catalog
as $$
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
comment on function app_private.purge_users(uuid[]) is 'Hard-deletes the soft-deleted users among ids now (live users are left alone); returns the purged ids.';

create function app_private.purge_expired(max_rows integer default 500)
  returns table (kind text, id uuid)
  language plpgsql volatile
  set search_path = pg_catalog
as $$
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
comment on function app_private.purge_expired(integer) is 'Purges up to max_rows users and max_rows teams soft-deleted before the restore window; returns what it deleted. Run by the users_purge task until it returns nothing.';

------------------------------------------------------------------------------------------------------------
-- Bulk operations for the repository: one call, one round trip, up to 50,000 rows
------------------------------------------------------------------------------------------------------------
create type app_private.bulk_row_result as (
  ord integer,
  id uuid,
  version integer,
  error_code text,
  error_field text,
  error_message text
);
comment on type app_private.bulk_row_result is 'Per-row outcome of a bulk call: the input position (1-based), the row id and version when written, or the error (code, field, message).';

create function app_private.bulk_create_users(items jsonb, best_effort boolean default false)
  returns setof app_private.bulk_row_result
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  v_out app_private.bulk_row_result[];
  v_ms bytea := substring(int8send((extract(epoch from clock_timestamp()) * 1000)::bigint) from 3);
begin
  if items is null or jsonb_typeof(items) <> 'array' then
    raise exception 'items must be a JSON array' using errcode = 'LFVAL', detail = 'field: items';
  end if;
  if jsonb_array_length(items) > 50000 then
    raise exception 'at most 50000 rows per call' using errcode = 'LFLIM', detail = 'field: items';
  end if;
  begin
    with input as (
      select x.ord::integer as ord, x.email, x.name, coalesce(x.status, 'active') as status
        from rows from (jsonb_to_recordset(items) as (email text, name text, status text)) with ordinality as x(email, name, status, ord)
    ), checked as (
      select i.*,
        case
          when i.email is null or length(i.email) > 320 or i.email !~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' then 'email:LFVAL:invalid email'
          when i.name is null or char_length(i.name) not between 1 and 200 then 'name:LFVAL:name must have 1 to 200 characters'
          when i.status not in ('active', 'invited', 'suspended') then 'status:LFVAL:unknown status'
          when row_number() over (partition by lower(i.email) order by i.ord) > 1 then 'email:LFCNF:email repeated in this batch'
        end as err
        from input i
    ), valid as (
      -- UUIDv7 ids: this statement's millisecond timestamp, then random bits (version 7, RFC 9562 variant).
      select c.email, c.name, c.status, overlay(uuid_send(public.gen_random_uuid()) placing v_ms from 1 for 6) as b
        from checked c where c.err is null
    ), ins as (
      insert into app_public.users (id, email, name, status)
      select encode(set_byte(v.b, 6, (get_byte(v.b, 6) & 15) | 112), 'hex')::uuid, v.email, v.name, v.status
        from valid v
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
    -- Nothing was written: report the failures only.
    select array_agg(row(o.ord, null, null, o.error_code, o.error_field, o.error_message)::app_private.bulk_row_result order by o.ord)
      into v_out from unnest(v_out) o;
  end;
  return query select * from unnest(v_out);
end;
$$;
comment on function app_private.bulk_create_users(jsonb, boolean) is
'Creates many users ([{email, name, status?}], up to 50,000) in one statement and returns one result per input row.
Rows are validated in SQL (shape, lengths, status, repeats in the batch); taken emails (also those taken by a concurrent
transaction) are found by the insert itself (ON CONFLICT DO NOTHING), so the common path costs one insert.
All-or-nothing (default): when any row fails, the insert is undone (a subtransaction) and only failures are reported.
best_effort: valid rows are written, failures reported. Users created this way have no password (invited or SSO).';

create function app_private.bulk_update_users(items jsonb, best_effort boolean default false)
  returns setof app_private.bulk_row_result
  language plpgsql volatile
  set search_path = pg_catalog
as $$
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
    update app_public.users u
       set email = coalesce(ok.email, u.email::text), name = coalesce(ok.name, u.name), status = coalesce(ok.status, u.status)
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
$$;
comment on function app_private.bulk_update_users(jsonb, boolean) is
'Updates many users ([{id, email?, name?, status?, expected_version?}], up to 50,000) in one statement; one result per input row.
All-or-nothing by default (any failing row: nothing written, failures reported); best_effort writes the valid rows.';

------------------------------------------------------------------------------------------------------------
-- RLS: soft-deleted users disappear from every read path (their memberships too; a deleted user sees nothing)
------------------------------------------------------------------------------------------------------------
create function app_hidden.deleted_user_ids() returns setof uuid
  language sql stable security definer parallel safe
  set search_path = pg_catalog
as $$
  select u.id from app_public.users u where u.deleted_at is not null;
$$;
comment on function app_hidden.deleted_user_ids() is 'Ids of soft-deleted users (uses the partial index on deleted_at). Used by RLS policies to hide their memberships.';
grant execute on function app_hidden.deleted_user_ids() to linkflow_visitor;

create or replace function app_hidden.current_user_team_ids(min_role text default 'viewer') returns setof uuid
  language sql stable security definer parallel safe
  set search_path = pg_catalog
as $$
  select m.team_id
    from app_public.team_memberships m
    join app_public.teams t on t.id = m.team_id and t.deleted_at is null
    join app_public.users u on u.id = m.user_id and u.deleted_at is null
   where m.user_id = app_public.current_user_id()
     and app_hidden.team_role_rank(m.role) >= app_hidden.team_role_rank(min_role);
$$;
comment on function app_hidden.current_user_team_ids(text) is 'Ids of the live teams the current (live) user belongs to with at least the given role. Used by RLS policies.';

create or replace function app_hidden.has_team_role(team_id uuid, min_role text default 'viewer') returns boolean
  language sql stable security definer parallel safe
  set search_path = pg_catalog
as $$
  select exists (
    select 1 from app_public.team_memberships m
      join app_public.teams t on t.id = m.team_id and t.deleted_at is null
      join app_public.users u on u.id = m.user_id and u.deleted_at is null
     where m.team_id = has_team_role.team_id
       and m.user_id = app_public.current_user_id()
       and app_hidden.team_role_rank(m.role) >= app_hidden.team_role_rank(min_role));
$$;
comment on function app_hidden.has_team_role(uuid, text) is 'True when the current (live) user is a member of the live team with at least the given role.';

drop policy select_member on app_public.team_memberships;
create policy select_member on app_public.team_memberships for select using (
  team_id in (select app_hidden.current_user_team_ids())
  and user_id not in (select app_hidden.deleted_user_ids()));

-- Search filters by team and role: membership lookups by (user_id, role) and (team_id, role).
create index team_memberships_user_id_role_idx on app_public.team_memberships (user_id, role);
create index team_memberships_team_id_role_idx on app_public.team_memberships (team_id, role);
create index teams_deleted_at_idx on app_public.teams (deleted_at) where deleted_at is not null;

------------------------------------------------------------------------------------------------------------
-- PUBLIC gets EXECUTE on new functions by default (per-schema default privileges cannot revoke it):
-- revoke it from every function created above; the grants above name the roles that may call each one.
------------------------------------------------------------------------------------------------------------
revoke execute on function app_private.configure_auth(text, text, text, interval, integer, interval) from public;
revoke execute on function app_private.assert_password_strength(text, text) from public;
revoke execute on function app_private.hash_password(text) from public;
revoke execute on function app_private.base64url(bytea) from public;
revoke execute on function app_private.sign_jwt(jsonb) from public;
revoke execute on function app_private.create_user(text, text, text, text) from public;
revoke execute on function app_public.register(text, text, text) from public;
revoke execute on function app_public.authenticate(text, text) from public;
revoke execute on function app_private.require_live_user() from public;
revoke execute on function app_public.current_user() from public;
revoke execute on function app_public.update_profile(text, integer) from public;
revoke execute on function app_public.change_password(text, text) from public;
revoke execute on function app_private.lock_team_for_caller(uuid) from public;
revoke execute on function app_private.assert_team_has_owner(uuid) from public;
revoke execute on function app_private.assert_role(text) from public;
revoke execute on function app_public.create_team(text, text) from public;
revoke execute on function app_public.add_team_member(uuid, text, uuid, text) from public;
revoke execute on function app_public.change_member_role(uuid, uuid, text) from public;
revoke execute on function app_public.remove_team_member(uuid, uuid) from public;
revoke execute on function app_public.leave_team(uuid) from public;
revoke execute on function app_public.delete_team(uuid) from public;
revoke execute on function app_public.restore_team(uuid) from public;
revoke execute on function app_private.soft_delete_users(uuid[]) from public;
revoke execute on function app_private.restore_users(uuid[]) from public;
revoke execute on function app_private.purge_user(uuid) from public;
revoke execute on function app_private.purge_users(uuid[]) from public;
revoke execute on function app_private.purge_expired(integer) from public;
revoke execute on function app_private.bulk_create_users(jsonb, boolean) from public;
revoke execute on function app_private.bulk_update_users(jsonb, boolean) from public;
revoke execute on function app_hidden.deleted_user_ids() from public;
