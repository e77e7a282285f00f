export { ExecutionsRepository, type Caller, type ExecutionsRepositoryOptions, type StartInput } from "./repository.ts";
export { closeGroupCommits } from "./group-commit.ts";
export { groupCommitMetrics, type GroupCommitMetrics } from "./metrics.ts";
export * from "./types.ts";
