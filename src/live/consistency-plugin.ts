// Read-your-writes over GraphQL. Every mutation's response carries extensions.consistencyToken (taken after the
// mutation committed). A request that sends that token back (extensions.atLeast in the body, or the header
// X-Consistency-Token) runs only once every projection covers it, so reads of the read models (workflowLists,
// workflowExecutionDailyStats, teamActivities, ...) reflect the write; after the timeout it fails with STALE.
import type pg from "pg";
import { GraphQLError, Kind, type DocumentNode } from "postgraphile/graphql";
import { LinkFlowError } from "../errors.ts";
import { logger } from "../logger.ts";
import { consistencyToken, waitForProjections } from "./consistency.ts";

function operationOf(document: DocumentNode, name: string | null | undefined): string | null {
  const ops = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const op = name ? ops.find((d) => d.kind === Kind.OPERATION_DEFINITION && d.name?.value === name) : ops[0];
  return op && op.kind === Kind.OPERATION_DEFINITION ? op.operation : null;
}

const AT_LEAST = Symbol("linkflow.atLeast");

/** The token a request asks for: its body's extensions.atLeast (kept by processGraphQLRequestBody) or the header. */
function requestedToken(requestContext: unknown): string | undefined {
  const ctx = requestContext as { http?: Record<symbol, unknown>; node?: { req?: { headers?: Record<string, unknown> } } } | undefined;
  const fromBody = ctx?.http?.[AT_LEAST];
  if (typeof fromBody === "string" && fromBody) return fromBody;
  const v = ctx?.node?.req?.headers?.["x-consistency-token"];
  return typeof v === "string" && v ? v : undefined;
}

export function makeConsistencyPlugin(pool: pg.Pool, timeoutMs: number): GraphileConfig.Plugin {
  return {
    name: "LinkFlowConsistencyPlugin",
    version: "1.0.0",
    grafserv: {
      middleware: {
        processGraphQLRequestBody(next, event) {
          const ext = (event.body as { extensions?: Record<string, unknown> }).extensions;
          const request = (event as { request?: Record<symbol, unknown> }).request;
          if (request && ext && "atLeast" in ext) request[AT_LEAST] = typeof ext.atLeast === "string" ? ext.atLeast : "invalid";
          return next();
        },
      },
    },
    grafast: {
      middleware: {
        async execute(next, event) {
          const args = event.args as { document: DocumentNode; operationName?: string | null; requestContext?: unknown };
          const atLeast = requestedToken(args.requestContext);
          if (atLeast) {
            try {
              await waitForProjections(pool, atLeast, { timeoutMs });
            } catch (e) {
              const code = e instanceof LinkFlowError ? e.code : "UNAVAILABLE";
              const field = e instanceof LinkFlowError ? e.field : undefined;
              return { errors: [new GraphQLError(e instanceof LinkFlowError ? e.message : "consistency wait failed", { extensions: { code, ...(field ? { field } : {}) } })] };
            }
          }
          const result = await next();
          if (operationOf(args.document, args.operationName) === "mutation" && result && typeof result === "object" && !(Symbol.asyncIterator in result)) {
            // The mutation has committed: a token that cannot be taken (the database went away just now) is left
            // out rather than failing a write that happened.
            const token = await consistencyToken(pool).catch((e: unknown) => {
              logger.warn({ err: e }, "consistency token not taken");
              return null;
            });
            const r = result as { extensions?: Record<string, unknown> };
            if (token) r.extensions = { ...r.extensions, consistencyToken: token };
          }
          return result;
        },
      },
    },
  };
}
