-- Down of migration 000027: the exact reverse, topic by topic, last topic first.

--! split: 500-executions.sql
-- Reverse of the search migration.
drop function if exists app_private.archive_list_page(uuid, uuid, text, timestamptz, timestamptz, timestamptz, uuid, integer, boolean);
drop type if exists app_private.archive_list_row;
drop function if exists app_private.search_filter_documents(uuid, jsonb, jsonb, timestamptz, uuid);
drop function if exists app_private.search_candidate_batches(uuid, jsonb, timestamptz, uuid);
drop trigger if exists _500_search_stats on app_private.archived_executions;
drop function if exists app_private.tg_archived_executions__search_stats();
drop table if exists app_private.archive_batch_search_stats;
drop function if exists app_hidden.execution_search_probe_terms(jsonb);
drop function if exists app_hidden.bloom_has_all(bytea, text[]);
drop function if exists app_hidden.bloom_build(text[]);
drop function if exists app_hidden.bloom_positions(text, integer);
drop function if exists app_hidden.text_trigram_terms(text);
drop function if exists app_hidden.jsonb_search_terms(text, jsonb);
drop function if exists app_hidden.search_scalar_text(jsonb);
drop function if exists app_public.search_executions(uuid, jsonb, text, integer);
drop function if exists app_public.executions_search_cursor(app_public.executions);
drop function if exists app_private.search_executions_hot(uuid, jsonb, timestamptz, uuid, integer);
drop index if exists app_public.executions_error_text_trgm_idx;
drop index if exists app_public.executions_error_path_idx;
drop index if exists app_public.executions_output_path_idx;
drop index if exists app_public.executions_input_path_idx;
drop function if exists app_hidden.search_cursor_parts(text);
drop function if exists app_hidden.search_cursor(timestamptz, uuid);
drop function if exists app_hidden.execution_search_predicate(jsonb);
drop function if exists app_hidden.search_timestamp(text, jsonb);
drop function if exists app_hidden.search_jsonpath(text, jsonb);
drop function if exists app_hidden.search_int_range(text, jsonb);
drop function if exists app_hidden.search_text_list(text, jsonb, text[], integer);
drop function if exists app_hidden.search_fail(text, text);
drop function if exists app_hidden.execution_error_text(jsonb);
drop function if exists app_public.executions_labels(app_public.executions);
drop function if exists app_public.set_execution_labels(uuid, jsonb);
drop function if exists app_private.set_execution_labels(uuid, jsonb, uuid, boolean);
drop function if exists app_hidden.execution_labels_max();
drop table if exists app_public.execution_labels;
