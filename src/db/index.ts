// Database plumbing (infrastructure): pools, transactions, the caller model, cursors, error mapping, replicas.
export { createPool, guardClient, type Pool, type PoolClient, type PoolHooks, type Queryable } from "./pool.ts";
export { withTransaction, afterCommit, currentClient, type TransactionOptions, type IsolationLevel } from "./transaction.ts";
export { runAs, SERVICE, isUser, checkCaller, type Caller, type UserCaller, type ServiceCaller } from "./caller.ts";
export { encodeCursor, decodeCursor, type CursorField, type CursorValue } from "./cursor.ts";
export { mapDbError } from "./errors.ts";
export { ReplicaRouter, RoutedSession, primaryAccess, type DbAccess, type ReplicaRouterOptions } from "./replicas.ts";
