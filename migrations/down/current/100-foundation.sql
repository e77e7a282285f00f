-- reverse of migrations/current/100-foundation.sql
CREATE OR REPLACE FUNCTION app_public.uuid_generate_v7() RETURNS uuid
    LANGUAGE sql PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
  -- 48-bit unix ms timestamp, version 7, variant 10, random rest
  select encode(
    set_bit(set_bit(set_bit(set_bit(set_bit(set_bit(
      overlay(public.gen_random_bytes(16)
        placing substring(int8send((extract(epoch from clock_timestamp()) * 1000)::bigint) from 3)
        from 1 for 6),
      55, 0), 54, 1), 53, 1), 52, 1), 71, 1), 70, 0), 'hex')::uuid;
$$;

COMMENT ON FUNCTION app_public.uuid_generate_v7() IS '@resultFieldName uuid
A time-ordered UUID (RFC 9562 version 7): good locality in b-tree indexes; the first 48 bits are the unix time in milliseconds.';

CREATE OR REPLACE FUNCTION app_public.current_user_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
  select nullif(pg_catalog.current_setting('jwt.claims.user_id', true), '')::uuid;
$$;

COMMENT ON FUNCTION app_public.current_user_id() IS 'The id of the user the request is made for (the verified JWT''s user_id claim), or null for an anonymous request.';
