// The event store capability: store, aggregates, repository, upcasters, projections, monitoring.
export * from "./types.ts";
export { EventStore, checkpointOf, type AppendOptions, type AppendToStreamsOptions, type LoadOptions, type ReadAllOptions } from "./store.ts";
export { Upcasters, type Upcast } from "./upcasters.ts";
export { AggregateRoot, type Handler } from "./aggregate.ts";
export { AggregateRepository, type RepositoryOptions } from "./repository.ts";
export { WorkflowAggregate, type WorkflowState } from "./aggregates/workflow.ts";
export { ExecutionAggregate, type ExecutionState } from "./aggregates/execution.ts";
export * from "./projection.ts";
export { ProjectionManager, type ProjectionManagerOptions } from "./manager.ts";
export { rebuildProjection, type RebuildOptions, type RebuildResult } from "./rebuild.ts";
export * from "./monitoring.ts";
export { startProjectionManager } from "./worker.ts";
