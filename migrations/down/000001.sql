-- Down for 000001 (foundation): removes everything the migration created, leaving the database as before it.
drop schema if exists app_partitions cascade;
drop schema if exists app_public cascade;
drop schema if exists app_hidden cascade;
drop schema if exists app_private cascade;
drop extension if exists btree_gist;
drop extension if exists pg_trgm;
drop extension if exists citext;
drop extension if exists pgcrypto;
revoke usage on schema public from linkflow_visitor, linkflow_anonymous;
grant usage on schema public to public;
alter default privileges grant execute on functions to public;
