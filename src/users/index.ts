// The users and teams capability: import from here.
export * from "./repository.ts";
export { CachedUserRepository } from "./cached-repository.ts";
export { BulkWriteError, type BulkFailure } from "./errors.ts";
export { configureAuth, type AuthSettings } from "./auth.ts";
