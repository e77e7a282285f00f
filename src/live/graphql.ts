// GraphQL subscriptions over the live hub (graphql-ws over WebSocket, served by grafserv):
//   executionUpdates(teamId, workflowId?, executionId?, after?)   state changes of the team's executions
//   workflowChanges(teamId, after?)                               saves, activations, archives, deletions
//   teamActivity(teamId, after?)                                  the team's activity feed as it is written
// Each message is one LiveEvent with an opaque cursor; `after: cursor` resumes right after it on any server.
// The caller must be signed in (JWT in the connection params' `authorization`, as for queries) and a member of
// the team; errors carry typed codes in extensions (UNAUTHENTICATED, FORBIDDEN, VALIDATION, LIMIT_EXCEEDED with
// extensions.cursor to resume from after an overflow).
import { GraphQLError } from "postgraphile/graphql";
import { access, context, lambda, listen, type GrafastSubscriber } from "postgraphile/grafast";
import { extendSchema, gql } from "postgraphile/utils";
import { LinkFlowError } from "../errors.ts";
import { deliverDirect, liveFieldValue, liveShape, type DirectDelivery, type DirectSocket } from "./direct.ts";
import { OverflowError, type LiveHub } from "./hub.ts";
import type { LiveEvent, LiveStreamKind, SubscribeOptions } from "./types.ts";

/** What a request's context carries for subscriptions: who subscribes, and how backed up its socket is. */
export interface LiveRequest {
  hub: LiveHub;
  userId: string | null;
  /** Why the caller is not signed in (a bad token), when it is not. */
  authError?: string;
  isBackedUp?: () => boolean;
  /** Set by LiveDirectDeliveryPlugin when the subscription's selection has a shape (see direct.ts). */
  direct?: DirectDelivery;
}

function toGraphQLError(e: unknown): GraphQLError {
  if (e instanceof GraphQLError) return e;
  if (e instanceof OverflowError) return new GraphQLError(e.message, { extensions: { code: e.code, cursor: e.cursor } });
  if (e instanceof LinkFlowError) return new GraphQLError(e.message, { extensions: { code: e.code, ...(e.field ? { field: e.field } : {}) } });
  return new GraphQLError("live subscription failed", { extensions: { code: "UNAVAILABLE" } });
}

/** Wraps the hub's iterator so every error leaves as a typed GraphQLError. */
function typed(it: AsyncIterableIterator<LiveEvent>): AsyncIterableIterator<LiveEvent> {
  return {
    [Symbol.asyncIterator]() { return this; },
    next: () => it.next().catch((e: unknown) => { throw toGraphQLError(e); }),
    return: () => it.return!(),
    throw: (e?: unknown) => it.throw ? it.throw(e) : Promise.reject(e),
  };
}

/** A GrafastSubscriber per request: the topic is the JSON of the subscription's arguments. */
export function liveSubscriber(req: LiveRequest): GrafastSubscriber<Record<string, LiveEvent>> {
  return {
    async subscribe(topic: string) {
      if (!req.userId) {
        throw new GraphQLError(req.authError ?? "subscriptions need a signed-in user", { extensions: { code: "UNAUTHENTICATED" } });
      }
      const args = JSON.parse(topic) as Omit<SubscribeOptions, "userId" | "isBackedUp">;
      try {
        const it = await req.hub.subscribe({ ...args, userId: req.userId, ...(req.isBackedUp ? { isBackedUp: req.isBackedUp } : {}) });
        return req.direct ? deliverDirect(it, req.direct, toGraphQLError) : typed(it);
      } catch (e) {
        throw toGraphQLError(e);
      }
    },
  } as GrafastSubscriber<Record<string, LiveEvent>>;
}

declare global {
  namespace Grafast {
    interface Context {
      liveRequest?: LiveRequest;
    }
  }
}

const FIELDS = ["cursor", "globalPosition", "eventId", "type", "streamId", "streamType", "streamVersion", "teamId", "data", "metadata", "createdAt"] as const;

function subscribePlanFor(kind: LiveStreamKind) {
  const names = kind === "executions" ? ["teamId", "after", "workflowId", "executionId"] : ["teamId", "after"];
  return (_$root: unknown, fieldArgs: { getRaw(name: string): any }) => {
    const $topic = lambda(names.map((n) => fieldArgs.getRaw(n)), ([teamId, after, workflowId, executionId]: readonly unknown[]) =>
      JSON.stringify({ kind, teamId, after: after ?? null, workflowId: workflowId ?? null, executionId: executionId ?? null }));
    const $live = context().get("liveRequest");
    const $subscriber = lambda($live, (r) => (r ? liveSubscriber(r as LiveRequest) : null));
    return listen($subscriber as never, $topic as never);
  };
}

export const LiveSubscriptionsPlugin = extendSchema(() => ({
  typeDefs: gql`
    """One event of the log, delivered live. Resume after it with its cursor."""
    type LiveEvent {
      "Opaque resume cursor: pass it as after to continue right after this event (on any server)."
      cursor: String!
      globalPosition: BigInt!
      eventId: UUID!
      "The event type, e.g. ExecutionStateChanged, WorkflowSaved."
      type: String!
      streamId: String!
      streamType: String!
      streamVersion: BigInt!
      teamId: UUID
      "The event's typed payload (for ExecutionStateChanged: execution_id, workflow_id, from_state, to_state, ...)."
      data: JSON!
      metadata: JSON!
      createdAt: Datetime!
    }
    extend type Subscription {
      "State changes of the team's executions, optionally of one workflow or one execution. Without after: from the live end."
      executionUpdates(teamId: UUID!, workflowId: UUID, executionId: UUID, after: String): LiveEvent!
      "Saves, activations, archives and deletions of the team's workflows."
      workflowChanges(teamId: UUID!, after: String): LiveEvent!
      "The team's activity feed (workflow and execution events) as it is written."
      teamActivity(teamId: UUID!, after: String): LiveEvent!
    }
  `,
  objects: {
    LiveEvent: {
      plans: Object.fromEntries(FIELDS.map((f) => [f, f === "createdAt"
        ? ($e: any) => lambda(access($e, f), (v) => liveFieldValue(f, v), true)
        : ($e: any) => access($e, f)])),
    },
    Subscription: {
      plans: {
        executionUpdates: { subscribePlan: subscribePlanFor("executions"), plan: ($e: any) => $e },
        workflowChanges: { subscribePlan: subscribePlanFor("workflows"), plan: ($e: any) => $e },
        teamActivity: { subscribePlan: subscribePlanFor("activity"), plan: ($e: any) => $e },
      },
    },
  },
}));

/**
 * grafserv middleware: marks a WebSocket subscription whose selection has a shape for direct delivery (its
 * messages are built once per event and shape and written to the socket by the hub's iterator; direct.ts).
 * Planning, the subscribe plan, authorization and errors still run through grafast.
 */
export const LiveDirectDeliveryPlugin: GraphileConfig.Plugin = {
  name: "LinkFlowLiveDirectDeliveryPlugin",
  version: "1.0.0",
  grafserv: {
    middleware: {
      async onSubscribe(next, event) {
        const result = await next();
        if (!result || Array.isArray(result)) return result;
        const args = result as { schema: Parameters<typeof liveShape>[0]; document: Parameters<typeof liveShape>[1]; operationName?: string | null; contextValue?: { liveRequest?: LiveRequest } };
        const live = args.contextValue?.liveRequest;
        const socket = (event.ctx.extra as { socket?: DirectSocket } | undefined)?.socket;
        if (live && socket && typeof socket.send === "function") {
          const shape = liveShape(args.schema, args.document, args.operationName);
          if (shape) live.direct = { shape, id: event.message.id, socket };
        }
        return result as never;
      },
    },
  },
};
