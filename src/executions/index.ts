export { ExecutionsRepository, type Caller, type StartInput } from "./repository.ts";
export * from "./types.ts";
