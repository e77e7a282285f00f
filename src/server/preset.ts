// The PostGraphile 5 preset: Amber + simplified inflection + a restricted connection filter (no relation filters),
// the app_public schema only, pgSettings from the verified JWT (RLS does the rest), document limits checked before
// planning, a default page size on every connection, a time budget and fair database use per request, and
// masked errors with typed codes.
import type { IncomingMessage } from "node:http";
import type pg from "pg";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";
import { PgSimplifyInflectionPreset } from "@graphile/simplify-inflection";
import { PostGraphileConnectionFilterPreset } from "postgraphile-plugin-connection-filter";
import { GraphQLError, type ASTNode, type ASTVisitor, type DocumentNode, type ValidationContext } from "postgraphile/graphql";
import { isSafeError, SafeError } from "postgraphile/grafast";
import type { Config, GraphQLSettings } from "../config.ts";
import { LinkFlowError } from "../errors.ts";
import { ROLES } from "../db/roles.ts";
import { isConnectionLost, mapDbError } from "../db/errors.ts";
import { logger } from "../logger.ts";
import { checkDocument, DocumentLimitError, measureDocument, type DocumentLimits } from "./limits.ts";
import { checkDocumentText, checkVariables } from "./input.ts";
import { guardWithPgClient, KeyedSemaphores, makeBudget } from "./budget.ts";
import { makeDefaultPageSizePlugin } from "./pagination.ts";
import { PayloadNamingPlugin } from "./payload-naming.ts";
import { Xid8CodecPlugin } from "./xid8-codec.ts";
import { makeVerifier, pgSettingsFor } from "./jwt.ts";
import { LiveDirectDeliveryPlugin, LiveSubscriptionsPlugin, makeConsistencyPlugin, type LiveHub, type LiveRequest } from "../live/index.ts";

/** Filter operators clients may use: cheap, index-friendly ones only (no regex, no pattern-insensitive scans). */
export const ALLOWED_FILTER_OPERATORS = [
  "isNull", "equalTo", "notEqualTo", "in", "notIn",
  "lessThan", "lessThanOrEqualTo", "greaterThan", "greaterThanOrEqualTo",
  "startsWith", "includesInsensitive", "contains", "containedBy", "overlaps",
];

export const PG_SETTINGS = Symbol("linkflow.pgSettings");
/** Whom the HTTP request counts against for per-caller limits (set by http.ts before GraphQL sees it). */
export const REQUEST_INFO = Symbol("linkflow.requestInfo");
export interface RequestInfo { callerKey: string }
export type RequestWithSettings = IncomingMessage & { [PG_SETTINGS]?: Record<string, string>; [REQUEST_INFO]?: RequestInfo };

export interface PresetOptions {
  config: Readonly<Config>;
  /** Pool connected as the authenticator role. */
  authPool: pg.Pool;
  exportSchemaSDLPath?: string;
  /** The process's live hub: enables GraphQL subscriptions over WebSocket. */
  live?: LiveHub;
}

export function documentLimits(g: GraphQLSettings): DocumentLimits {
  return {
    maxDepth: g.maxDepth, maxPageSize: g.maxPageSize, defaultPageSize: g.defaultPageSize, maxCost: g.maxCost,
    maxAliases: g.maxAliases, maxFields: g.maxFields, maxCompositeFields: g.maxCompositeFields, maxOperations: g.maxOperations, maxTokens: g.maxTokens,
    maxNesting: g.maxNesting, introspection: g.introspection, maxIntrospectionRoots: g.maxIntrospectionRoots,
    maxIntrospectionDepth: g.maxIntrospectionDepth, introspectionCost: g.introspectionCost,
  };
}

/** A 400 answer with a typed code, thrown from grafserv middleware (before parse, validate and plan). */
function refuse(e: unknown): never {
  if (e instanceof DocumentLimitError) {
    throw new SafeError(e.message, { statusCode: 400, code: "LIMIT_EXCEEDED", limit: e.limit });
  }
  if (e instanceof LinkFlowError) {
    throw new SafeError(e.message, { statusCode: 400, code: e.code, ...(e.field ? { field: e.field } : {}) });
  }
  throw e;
}

/** Validation rule with the same limits, for documents that do not come through HTTP (variables unknown there). */
function limitsRule(limits: DocumentLimits) {
  return (context: ValidationContext): ASTVisitor => ({
    Document(node: ASTNode) {
      try {
        measureDocument(node as DocumentNode, undefined, limits);
      } catch (e) {
        if (!(e instanceof DocumentLimitError)) throw e;
        context.reportError(new GraphQLError(e.message, { extensions: { code: "LIMIT_EXCEEDED", limit: e.limit } }));
      }
    },
  });
}

/** The signed-in user of a WebSocket connection (JWT in the connection params' authorization, as for HTTP). */
async function wsCaller(verifier: ReturnType<typeof makeVerifier>, params: Record<string, unknown> | undefined): Promise<{ userId: string | null; authError?: string; settings: Record<string, string> }> {
  const raw = params?.authorization ?? params?.Authorization;
  try {
    const settings = await pgSettingsFor(verifier, typeof raw === "string" ? raw : undefined);
    return { userId: settings["jwt.claims.user_id"] ?? null, settings };
  } catch (e) {
    return { userId: null, authError: (e as Error).message, settings: { role: ROLES.anonymous } };
  }
}

export function makePreset({ config, authPool, exportSchemaSDLPath, live }: PresetOptions): GraphileConfig.Preset {
  const verifier = makeVerifier(config.jwt);
  const g = config.graphql;
  const limits = documentLimits(g);
  // per-caller cap on concurrent database work, shared by every request of this server
  const callerDb = new KeyedSemaphores(g.callerDbConcurrency);
  const LimitsPlugin: GraphileConfig.Plugin = {
    name: "LinkFlowLimitsPlugin",
    version: "2.0.0",
    grafserv: {
      middleware: {
        setPreset(next, event) {
          event.validationRules.push(limitsRule(limits) as never);
          return next();
        },
        processGraphQLRequestBody(next, event) {
          const body = event.body as { query?: unknown; variableValues?: Record<string, unknown> };
          try {
            if (typeof body.query === "string") {
              checkDocument(body.query, body.variableValues ?? undefined, limits);
              checkDocumentText(body.query);
            }
            checkVariables(body.variableValues, g.maxVariableDepth);
          } catch (e) {
            refuse(e);
          }
          return next();
        },
      },
    },
  };
  return {
    extends: [PostGraphileAmberPreset, PgSimplifyInflectionPreset, PostGraphileConnectionFilterPreset],
    plugins: [LimitsPlugin, PayloadNamingPlugin, Xid8CodecPlugin, makeDefaultPageSizePlugin(g.defaultPageSize),
      ...(live ? [LiveSubscriptionsPlugin, LiveDirectDeliveryPlugin, makeConsistencyPlugin(live.pool, config.live.consistencyTimeoutMs)] : [])],
    // Relation filters (some/every/exists across foreign keys) are off: the filter plugin ignores
    // connectionFilterRelations in this version, so its relation plugins are disabled by name.
    disablePlugins: ["PgConnectionArgFilterBackwardRelationsPlugin", "PgConnectionArgFilterForwardRelationsPlugin"],
    pgServices: [makePgService({ pool: authPool, schemas: ["app_public"] })],
    schema: {
      connectionFilterAllowedOperators: ALLOWED_FILTER_OPERATORS,
      connectionFilterComputedColumns: false,
      connectionFilterSetofFunctions: false,
      connectionFilterArrays: false,
      connectionFilterRelations: false,
      ...(exportSchemaSDLPath ? { exportSchemaSDLPath, sortExport: true } : {}),
    },
    grafserv: {
      graphqlPath: "/graphql",
      graphiql: config.graphql.graphiql,
      graphiqlOnGraphQLGET: config.graphql.graphiql,
      graphiqlPath: "/graphiql",
      watch: false,
      maxRequestLength: config.graphql.maxRequestBytes,
      maskError: maskError,
      websockets: Boolean(live),
    },
    grafast: {
      explain: g.explain,
      timeouts: { planning: g.planningTimeoutMs, execution: g.requestTimeoutMs },
      async context(requestContext, args) {
        const req = requestContext.node?.req as RequestWithSettings | undefined;
        const inProcess = (requestContext as { linkflowPgSettings?: Record<string, string> }).linkflowPgSettings;
        let settings = inProcess ?? req?.[PG_SETTINGS] ?? { role: ROLES.anonymous };
        // WebSocket subscriptions: the JWT comes in the connection params (docs/live.md)
        let liveRequest: LiveRequest | undefined;
        const ws = requestContext.ws as { normalizedConnectionParams?: Record<string, unknown>; socket?: { bufferedAmount?: number } } | undefined;
        if (ws && live) {
          const caller = await wsCaller(verifier, ws.normalizedConnectionParams);
          settings = caller.settings;
          const max = config.live.maxSocketBufferBytes;
          liveRequest = { hub: live, userId: caller.userId, ...(caller.authError ? { authError: caller.authError } : {}),
            isBackedUp: () => (ws.socket?.bufferedAmount ?? 0) > max };
        } else if (live && inProcess) {
          liveRequest = { hub: live, userId: inProcess["jwt.claims.user_id"] ?? null };
        }
        const info = req?.[REQUEST_INFO];
        const callerKey = info?.callerKey ?? (settings["jwt.claims.user_id"] ? `user:${settings["jwt.claims.user_id"]}` : "in-process");
        // the budget starts here: right before planning (the schema is ready, the body read and checked)
        const budget = makeBudget(g, callerKey);
        const inner = (args.contextValue as { withPgClient?: Parameters<typeof guardWithPgClient>[0] }).withPgClient;
        return {
          pgSettings: { ...settings, statement_timeout: `${g.statementTimeoutMs}ms` },
          ...(inner ? { withPgClient: guardWithPgClient(inner, budget, callerDb, g.statementTimeoutMs) } : {}),
          ...(liveRequest ? { liveRequest } : {}),
        } as never;
      },
    },
  };
}

const PASS_THROUGH = new Set(["VALIDATION", "LIMIT_EXCEEDED", "TIMEOUT", "RATE_LIMITED", "NOT_FOUND", "FORBIDDEN", "CONFLICT", "UNAVAILABLE"]);

/** Errors leave without SQL internals: our typed codes pass through with their message; the rest is masked. */
export function maskError(error: GraphQLError): GraphQLError {
  const original = error.originalError;
  const keep = { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path };
  if (!original || original instanceof GraphQLError) return error;
  if (isConnectionLost(original)) {
    // The backend died under the request (logged once by the pool's client guard): say so, and that a retry
    // may succeed. No reference id: nothing here needs investigating per request.
    return new GraphQLError("database unavailable, retry", {
      ...keep,
      extensions: { code: "UNAVAILABLE", retryable: true },
    });
  }
  if (isSafeError(original)) {
    // grafast's own safe errors: planning and execution timeouts become TIMEOUT, the rest keep their extensions
    const timeout = /took too long to plan|Execution timeout exceeded/i.test(original.message);
    return new GraphQLError(timeout ? `the request exceeded its time budget: ${original.message}` : original.message, {
      ...keep, extensions: { ...(original.extensions ?? {}), code: timeout ? "TIMEOUT" : (original.extensions as { code?: unknown } | undefined)?.code ?? "VALIDATION" },
    });
  }
  if (original instanceof LinkFlowError && PASS_THROUGH.has(original.code)) {
    return new GraphQLError(original.message, { ...keep, extensions: { code: original.code, ...(original.field ? { field: original.field } : {}) } });
  }
  if (original instanceof RangeError && /call stack/i.test(original.message)) {
    return new GraphQLError("the input is nested too deeply", { ...keep, extensions: { code: "VALIDATION" } });
  }
  const code = (original as { code?: unknown }).code;
  if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) {
    const mapped = mapDbError(original);
    if (code === "57014") {
      return new GraphQLError("the request exceeded its time budget (statement cancelled)", { ...keep, extensions: { code: "TIMEOUT", sqlState: code } });
    }
    if (mapped.code !== "INTERNAL" && mapped.code !== "UNAVAILABLE") {
      return new GraphQLError(mapped.message, {
        ...keep,
        extensions: { code: mapped.code, sqlState: code, ...(mapped.field ? { field: mapped.field } : {}),
          ...(mapped.detail && /^(LF|23)/.test(code) ? { detail: mapped.detail } : {}) },
      });
    }
  }
  const id = Math.random().toString(36).slice(2, 10);
  logger.error({ errorId: id, err: original }, "masked GraphQL error");
  return new GraphQLError(`An unexpected error occurred (reference ${id})`, { ...keep, extensions: { code: "INTERNAL", errorId: id } });
}
