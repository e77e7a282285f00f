// The workflows capability: import from here.
export * from "./types.ts";
export { WorkflowRepository, toWorkflow, type Actor } from "./repository.ts";
export { CachedWorkflowRepository } from "./cached-repository.ts";
