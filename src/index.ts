// linkflow-data as a library (README "Use as a library"): the repositories, the cache, the event store, typed
// errors, configuration and the database plumbing they share. Subpaths (`linkflow-data/users`, `/workflows`,
// `/executions`, `/events`, `/cache`, `/errors`, `/config`, `/db`) reach one capability each.
export * from "./errors.ts";
export { loadConfig, processConfig, setProcessConfig, type Config } from "./config.ts";
export * from "./db/index.ts";
export { UserRepository, CachedUserRepository, type User, type UserRepositoryOptions } from "./users/index.ts";
export { WorkflowRepository, CachedWorkflowRepository, type Workflow, type WorkflowDefinition, type WorkflowGraph } from "./workflows/index.ts";
export { ExecutionsRepository, closeGroupCommits, type Execution, type ExecutionState, type ExecutionsRepositoryOptions } from "./executions/index.ts";
export { EventStore, AggregateRepository, AggregateRoot, type NewEvent, type StoredEvent } from "./events/index.ts";
export { TieredCache, createCache, cached, writeThrough, type Cache } from "./cache/index.ts";
