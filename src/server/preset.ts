// The PostGraphile 5 preset: Amber + simplified inflection + a restricted connection filter, the app_public
// schema only, pgSettings from the verified JWT (RLS does the rest), request limits and masked errors.
import type { IncomingMessage } from "node:http";
import type pg from "pg";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";
import { PgSimplifyInflectionPreset } from "@graphile/simplify-inflection";
import { PostGraphileConnectionFilterPreset } from "postgraphile-plugin-connection-filter";
import { GraphQLError } from "postgraphile/graphql";
import { httpError } from "grafserv";
import type { Config } from "../config.ts";
import { ROLES } from "../db/roles.ts";
import { isConnectionLost, mapDbError } from "../db/errors.ts";
import { logger } from "../logger.ts";
import { checkLimits, depthRule } from "./limits.ts";

/** Filter operators clients may use: cheap, index-friendly ones only (no regex, no pattern-insensitive scans). */
export const ALLOWED_FILTER_OPERATORS = [
  "isNull", "equalTo", "notEqualTo", "in", "notIn",
  "lessThan", "lessThanOrEqualTo", "greaterThan", "greaterThanOrEqualTo",
  "startsWith", "includesInsensitive", "contains", "containedBy", "overlaps",
];

export const PG_SETTINGS = Symbol("linkflow.pgSettings");
export type RequestWithSettings = IncomingMessage & { [PG_SETTINGS]?: Record<string, string> };

export interface PresetOptions {
  config: Readonly<Config>;
  /** Pool connected as the authenticator role. */
  authPool: pg.Pool;
  exportSchemaSDLPath?: string;
}

export function makePreset({ config, authPool, exportSchemaSDLPath }: PresetOptions): GraphileConfig.Preset {
  const limits = { maxDepth: config.graphql.maxDepth, maxPageSize: config.graphql.maxPageSize, maxCost: config.graphql.maxCost };
  const LimitsPlugin: GraphileConfig.Plugin = {
    name: "LinkFlowLimitsPlugin",
    version: "1.0.0",
    grafserv: {
      middleware: {
        setPreset(next, event) {
          event.validationRules.push(depthRule(limits.maxDepth) as never);
          return next();
        },
        processGraphQLRequestBody(next, event) {
          const query = (event.body as { query?: unknown }).query;
          if (typeof query === "string") {
            const problem = checkLimits(query, (event.body as { variableValues?: Record<string, unknown> }).variableValues, limits);
            if (problem) throw httpError(400, problem);
          }
          return next();
        },
      },
    },
  };
  return {
    extends: [PostGraphileAmberPreset, PgSimplifyInflectionPreset, PostGraphileConnectionFilterPreset],
    plugins: [LimitsPlugin],
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
    },
    grafast: {
      explain: process.env.GRAPHQL_EXPLAIN === "1",
      context(requestContext) {
        const req = requestContext.node?.req as RequestWithSettings | undefined;
        const inProcess = (requestContext as { linkflowPgSettings?: Record<string, string> }).linkflowPgSettings;
        const settings = inProcess ?? req?.[PG_SETTINGS] ?? { role: ROLES.anonymous };
        return {
          pgSettings: { ...settings, statement_timeout: `${config.graphql.statementTimeoutMs}ms` },
        };
      },
    },
  };
}

/** Errors leave without SQL internals: our typed codes pass through with their message; the rest is masked. */
export function maskError(error: GraphQLError): GraphQLError {
  const original = error.originalError;
  if (!original || original instanceof GraphQLError) return error;
  if (isConnectionLost(original)) {
    // The backend died under the request (logged once by the pool's client guard): say so, and that a retry
    // may succeed. No reference id: nothing here needs investigating per request.
    return new GraphQLError("database unavailable, retry", {
      nodes: error.nodes, source: error.source, positions: error.positions, path: error.path,
      extensions: { code: "UNAVAILABLE", retryable: true },
    });
  }
  const code = (original as { code?: unknown }).code;
  if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) {
    const mapped = mapDbError(original);
    if (mapped.code !== "INTERNAL" && mapped.code !== "UNAVAILABLE") {
      return new GraphQLError(mapped.message, {
        nodes: error.nodes, source: error.source, positions: error.positions, path: error.path,
        extensions: { code: mapped.code, sqlState: code, ...(mapped.field ? { field: mapped.field } : {}),
          ...(mapped.detail && /^(LF|23)/.test(code) ? { detail: mapped.detail } : {}) },
      });
    }
  }
  const id = Math.random().toString(36).slice(2, 10);
  logger.error({ errorId: id, err: original }, "masked GraphQL error");
  return new GraphQLError(`An unexpected error occurred (reference ${id})`, {
    nodes: error.nodes, source: error.source, positions: error.positions, path: error.path,
    extensions: { code: "INTERNAL", errorId: id },
  });
}
