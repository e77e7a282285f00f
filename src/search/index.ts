// Execution search: one query language over hot rows and archive files, newest first, one cursor.
export {
  ExecutionSearch, DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT,
  type ContentFilter, type ExecutionSearchOptions, type SearchHit, type SearchOptions, type SearchPage, type SearchQuery,
} from "./repository.ts";
export { setExecutionLabels } from "./labels.ts";
