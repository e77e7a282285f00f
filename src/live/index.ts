// The live capability: one reader of the gap-free event log per process, fanned out in memory to GraphQL
// subscriptions and to Node services (LiveHub.subscribe), with resumable cursors (docs/live.md).
export * from "./types.ts";
export { encodeCursor, decodeCursor, compareCheckpoints } from "./cursor.ts";
export { LogReader, liveEnd } from "./reader.ts";
export { LiveHub, OverflowError, matches, type LiveHubOptions } from "./hub.ts";
export { LiveDirectDeliveryPlugin, LiveSubscriptionsPlugin, liveSubscriber, type LiveRequest } from "./graphql.ts";
export { deliverDirect, liveShape, payloadJson, type LiveShape } from "./direct.ts";
export { readModelProjectionNames, consistencyToken, decodeToken, encodeToken, StaleError, waitForProjections, waitForReplica, type ConsistencyToken, type WaitOptions } from "./consistency.ts";
export { makeConsistencyPlugin } from "./consistency-plugin.ts";
