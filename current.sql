-- Issue 18: app_public.error_codes lists every SQLSTATE the SQL API can raise to a caller: our LF* codes and
-- the standard PostgreSQL ones that reach callers through constraints, casts, locks, timeouts and lost
-- connections. Each maps to a typed error in src/db/errors.ts (test/faults/error-codes.test.ts checks both).
insert into app_public.error_codes (code, name, description) values
  ('23505', 'unique_violation', 'A unique constraint refused the write (CONFLICT; the DETAIL names the constraint).'),
  ('23503', 'foreign_key_violation', 'A referenced row does not exist (VALIDATION).'),
  ('23502', 'not_null_violation', 'A required column is missing (VALIDATION; field names it).'),
  ('23514', 'check_violation', 'A check constraint refused the value (VALIDATION; field from the constraint name).'),
  ('23P01', 'exclusion_violation', 'An exclusion constraint refused the value (VALIDATION).'),
  ('22P02', 'invalid_text_representation', 'A value could not be parsed as its type, e.g. a malformed uuid (VALIDATION).'),
  ('22023', 'invalid_parameter_value', 'An argument is out of its allowed domain (VALIDATION).'),
  ('22003', 'numeric_value_out_of_range', 'A number does not fit its type (VALIDATION).'),
  ('22007', 'invalid_datetime_format', 'A timestamp could not be parsed (VALIDATION).'),
  ('22008', 'datetime_field_overflow', 'A timestamp field is out of range (VALIDATION).'),
  ('22032', 'invalid_json_text', 'Malformed JSON (VALIDATION).'),
  ('40001', 'serialization_failure', 'A concurrent transaction won a serialization race (CONFLICT, retryable: retry the call).'),
  ('40P01', 'deadlock_detected', 'A deadlock was broken by aborting this transaction (CONFLICT, retryable: retry the call).'),
  ('42501', 'insufficient_privilege', 'The role may not do this (FORBIDDEN).'),
  ('54000', 'program_limit_exceeded', 'A size limit of PostgreSQL was exceeded (LIMIT_EXCEEDED).'),
  ('55P03', 'lock_not_available', 'A lock could not be taken without waiting (CONFLICT).'),
  ('57014', 'query_canceled', 'The statement ran past its statement_timeout or was cancelled (LIMIT_EXCEEDED).'),
  ('57P01', 'admin_shutdown', 'The backend was terminated (pg_terminate_backend, a fast shutdown) (UNAVAILABLE, retryable).'),
  ('57P02', 'crash_shutdown', 'The server reset every backend after a crash (UNAVAILABLE, retryable).'),
  ('57P03', 'cannot_connect_now', 'The server is starting up or recovering (UNAVAILABLE, retryable).'),
  ('53300', 'too_many_connections', 'The server has no connection slot left (UNAVAILABLE, retryable).'),
  ('08006', 'connection_failure', 'The connection was lost under the call; the outcome of an unacknowledged write is unknown, so retry idempotently (UNAVAILABLE, retryable).')
on conflict (code) do update set name = excluded.name, description = excluded.description;

comment on table app_public.error_codes is 'Catalogue of every SQLSTATE the SQL API can raise to a caller: the custom LF* codes and the standard PostgreSQL codes that reach callers (constraints, casts, locks, timeouts, lost connections). Clients map them to typed errors (src/db/errors.ts; the typed error names its code).';
