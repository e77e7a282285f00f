// GraphQL document limits, checked on the request body BEFORE grafast parses, validates or plans it:
// a lexical scan (size, bracket nesting) bounds the parser, the parser's token cap bounds the document, and one
// memoized walk (each fragment measured once: linear in the document's size, exits as soon as a limit is passed)
// counts operations, aliases and fields (fragments expanded), depth, introspection, and a cost estimate that uses
// the effective page size of every connection (first/last, or the default page size when both are absent).
import { Kind, parse, type DocumentNode, type FieldNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode, type ValueNode } from "postgraphile/graphql";

export interface DocumentLimits {
  maxDepth: number;
  maxPageSize: number;
  defaultPageSize: number;
  maxCost: number;
  maxAliases: number;
  maxFields: number;
  /** Fields with a sub-selection (connections, relations, objects): what grafast's planning time grows with. */
  maxCompositeFields: number;
  maxOperations: number;
  maxTokens: number;
  maxNesting: number;
  introspection: boolean;
  maxIntrospectionRoots: number;
  maxIntrospectionDepth: number;
  introspectionCost: number;
}

/** What a document check found wrong; `limit` names the setting that refused it. */
export class DocumentLimitError extends Error {
  readonly limit: string;
  constructor(limit: string, message: string) { super(message); this.name = "DocumentLimitError"; this.limit = limit; }
}

export interface DocumentMeasure { operations: number; depth: number; cost: number; fields: number; composite: number; aliases: number; maxPage: number; introspection: number }

interface SetMeasure { cost: number; fields: number; composite: number; aliases: number; depth: number; rows: boolean; introspection: number }

const ROW_FIELDS = new Set(["nodes", "edges"]);

/**
 * One pass over a GraphQL source, before parsing: the deepest bracket nesting and the number of tokens (names,
 * numbers, strings and punctuators; comments skipped). Lets the server refuse an oversized or over-nested
 * document in time linear in its length without building anything.
 */
export function scanDocument(source: string, stopAfterTokens = Infinity): { nesting: number; tokens: number } {
  let depth = 0;
  let nesting = 0;
  let tokens = 0;
  const n = source.length;
  for (let i = 0; i < n && tokens <= stopAfterTokens; i++) {
    const c = source.charCodeAt(i);
    if (c === 0x20 || c === 0x2c || c === 0x0a || c === 0x0d || c === 0x09 || c === 0xfeff) continue; // ignored
    tokens++;
    if (c === 0x7b || c === 0x5b || c === 0x28) { if (++depth > nesting) nesting = depth; }
    else if (c === 0x7d || c === 0x5d || c === 0x29) depth--;
    else if (c === 0x23) { tokens--; while (i < n && source.charCodeAt(i) !== 0x0a) i++; }
    else if (c === 0x22) {
      if (source.startsWith('"""', i)) {
        const end = source.indexOf('"""', i + 3);
        i = end < 0 ? n : end + 2;
      } else {
        for (i++; i < n; i++) {
          const d = source.charCodeAt(i);
          if (d === 0x5c) i++;
          else if (d === 0x22 || d === 0x0a) break;
        }
      }
    } else if (c === 0x2e && source.startsWith("...", i)) i += 2;
    else if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x2d) {
      // a name or number: skip to its end
      while (i + 1 < n) {
        const d = source.charCodeAt(i + 1);
        if ((d >= 0x30 && d <= 0x39) || (d >= 0x41 && d <= 0x5a) || (d >= 0x61 && d <= 0x7a) || d === 0x5f || d === 0x2e || d === 0x2b) i++;
        else break;
      }
    }
  }
  return { nesting, tokens };
}

function intValue(v: ValueNode, variables: Record<string, unknown>): number | null {
  if (v.kind === Kind.INT) return Number(v.value);
  if (v.kind === Kind.VARIABLE) {
    const n = variables[v.name.value];
    return typeof n === "number" && Number.isFinite(n) ? n : null;
  }
  return null;
}

/** Arguments that size a page: connections' first/last, and pageSize of list fields that page themselves (searchExecutions). */
const PAGE_ARGS = new Set(["first", "last", "pageSize"]);

function pageArg(field: FieldNode, variables: Record<string, unknown>): number | null {
  let size: number | null = null;
  for (const arg of field.arguments ?? []) {
    if (!PAGE_ARGS.has(arg.name.value)) continue;
    const n = intValue(arg.value, variables);
    if (n !== null) size = Math.max(size ?? 0, n);
  }
  return size;
}

/** Variable values of an operation with its declared defaults filled in (literal defaults only). */
function withDefaults(op: OperationDefinitionNode, variables: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...variables };
  for (const def of op.variableDefinitions ?? []) {
    const name = def.variable.name.value;
    if (out[name] === undefined && def.defaultValue?.kind === Kind.INT) out[name] = Number(def.defaultValue.value);
  }
  return out;
}

/** Measures a parsed document against the limits; throws DocumentLimitError at the first limit passed. */
export function measureDocument(doc: DocumentNode, variables: Record<string, unknown> | undefined, limits: DocumentLimits): DocumentMeasure {
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: OperationDefinitionNode[] = [];
  for (const d of doc.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    else if (d.kind === Kind.OPERATION_DEFINITION) operations.push(d);
  }
  if (operations.length > limits.maxOperations) {
    throw new DocumentLimitError("GRAPHQL_MAX_OPERATIONS", `the document has ${operations.length} operations, the maximum is ${limits.maxOperations}`);
  }
  const total: DocumentMeasure = { operations: operations.length, depth: 0, cost: 0, fields: 0, composite: 0, aliases: 0, maxPage: 0, introspection: 0 };

  for (const op of operations) {
    const vars = withDefaults(op, variables ?? {});
    const memo = new Map<string, SetMeasure>();
    const inProgress = new Set<string>();
    // running totals of this operation, for the early exit
    let fields = 0;
    let composite = 0;
    let aliases = 0;
    let introspection = 0;

    const check = () => {
      if (fields > limits.maxFields) throw new DocumentLimitError("GRAPHQL_MAX_FIELDS", `the document selects more than ${limits.maxFields} fields (fragments expanded)`);
      if (composite > limits.maxCompositeFields) {
        throw new DocumentLimitError("GRAPHQL_MAX_COMPOSITE_FIELDS", `the document selects more than ${limits.maxCompositeFields} fields with sub-selections (fragments expanded)`);
      }
      if (aliases > limits.maxAliases) throw new DocumentLimitError("GRAPHQL_MAX_ALIASES", `the document uses more than ${limits.maxAliases} aliases (fragments expanded)`);
    };

    const measureSet = (set: SelectionSetNode, inIntrospection: boolean, level: number): SetMeasure => {
      const m: SetMeasure = { cost: 0, fields: 0, composite: 0, aliases: 0, depth: 0, rows: false, introspection: 0 };
      const add = (sub: SetMeasure, costFactor: number) => {
        m.cost += costFactor * sub.cost;
        m.fields += sub.fields;
        m.composite += sub.composite;
        m.aliases += sub.aliases;
        m.introspection += sub.introspection;
        if (sub.depth > m.depth) m.depth = sub.depth;
        if (sub.rows) m.rows = true;
      };
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD) {
          const name = sel.name.value;
          if (!inIntrospection && level > limits.maxDepth) {
            throw new DocumentLimitError("GRAPHQL_MAX_DEPTH", `query depth exceeds the maximum of ${limits.maxDepth}`);
          }
          fields++;
          m.fields++;
          if (sel.alias) { aliases++; m.aliases++; }
          check();
          if (ROW_FIELDS.has(name)) m.rows = true;
          if (!inIntrospection && (name === "__schema" || name === "__type")) {
            if (!limits.introspection) throw new DocumentLimitError("GRAPHQL_INTROSPECTION", "introspection is disabled on this server");
            introspection++;
            m.introspection++;
            if (introspection > limits.maxIntrospectionRoots) {
              throw new DocumentLimitError("GRAPHQL_MAX_INTROSPECTION_ROOTS", `the document asks for __schema/__type more than ${limits.maxIntrospectionRoots} times`);
            }
            const sub = sel.selectionSet ? measureSet(sel.selectionSet, true, 1) : null;
            if (sub && sub.depth + 1 > limits.maxIntrospectionDepth) {
              throw new DocumentLimitError("GRAPHQL_MAX_INTROSPECTION_DEPTH", `introspection depth ${sub.depth + 1} exceeds the maximum of ${limits.maxIntrospectionDepth}`);
            }
            m.cost += limits.introspectionCost;
            if (sub) { m.fields += sub.fields; m.aliases += sub.aliases; }
            if (m.depth < 1) m.depth = 1;
            continue;
          }
          const page = inIntrospection ? null : pageArg(sel, vars);
          if (page !== null && page > total.maxPage) total.maxPage = page;
          if (page !== null && page > limits.maxPageSize) {
            throw new DocumentLimitError("GRAPHQL_MAX_PAGE_SIZE", `page size ${page} exceeds the maximum of ${limits.maxPageSize} (first/last)`);
          }
          if (!sel.selectionSet) { m.cost += 1; if (m.depth < 1) m.depth = 1; continue; }
          if (!inIntrospection) { composite++; m.composite++; check(); }
          const sub = measureSet(sel.selectionSet, inIntrospection, level + 1);
          const isConnection = page !== null || sub.rows;
          const factor = page ?? (isConnection && !inIntrospection ? limits.defaultPageSize : 1);
          m.cost += 1;
          add({ ...sub, depth: sub.depth + 1, rows: false }, factor);
        } else if (sel.kind === Kind.INLINE_FRAGMENT) {
          add(measureSet(sel.selectionSet, inIntrospection, level), 1);
        } else {
          const key = `${inIntrospection ? "i:" : ""}${sel.name.value}`;
          let sub = memo.get(key);
          if (!sub) {
            const frag = fragments.get(sel.name.value);
            if (!frag) continue; // reported by validation
            if (inProgress.has(key)) throw new DocumentLimitError("GRAPHQL_FRAGMENT_CYCLE", `fragment ${sel.name.value} spreads itself`);
            inProgress.add(key);
            sub = measureSet(frag.selectionSet, inIntrospection, level);
            inProgress.delete(key);
            memo.set(key, sub);
          } else {
            // a memoized fragment still counts toward the running totals each time it is spread
            fields += sub.fields;
            composite += sub.composite;
            aliases += sub.aliases;
            check();
          }
          if (!inIntrospection && level - 1 + sub.depth > limits.maxDepth) {
            throw new DocumentLimitError("GRAPHQL_MAX_DEPTH", `query depth ${level - 1 + sub.depth} exceeds the maximum of ${limits.maxDepth}`);
          }
          add(sub, 1);
        }
        if (!inIntrospection && m.cost > limits.maxCost) {
          throw new DocumentLimitError("GRAPHQL_MAX_COST", `query cost exceeds the maximum of ${limits.maxCost}`);
        }
      }
      return m;
    };

    const m = measureSet(op.selectionSet, false, 1);
    if (m.depth > limits.maxDepth) throw new DocumentLimitError("GRAPHQL_MAX_DEPTH", `query depth ${m.depth} exceeds the maximum of ${limits.maxDepth}`);
    if (m.cost > limits.maxCost) throw new DocumentLimitError("GRAPHQL_MAX_COST", `query cost ${m.cost} exceeds the maximum of ${limits.maxCost}`);
    total.depth = Math.max(total.depth, m.depth);
    total.cost = Math.max(total.cost, m.cost);
    total.fields += m.fields;
    total.composite += m.composite;
    total.aliases += m.aliases;
    total.introspection += m.introspection;
  }
  return total;
}

/** Checks a request's document (text) before anything else reads it: throws DocumentLimitError, returns the measure. */
export function checkDocument(query: string, variables: Record<string, unknown> | undefined, limits: DocumentLimits): DocumentMeasure | null {
  const { nesting, tokens } = scanDocument(query, limits.maxTokens);
  if (tokens > limits.maxTokens) throw new DocumentLimitError("GRAPHQL_MAX_TOKENS", `the document has more than ${limits.maxTokens} tokens`);
  if (nesting > limits.maxNesting) {
    throw new DocumentLimitError("GRAPHQL_MAX_NESTING", `the document nests brackets ${nesting} deep, the maximum is ${limits.maxNesting}`);
  }
  let doc: DocumentNode;
  try {
    doc = parse(query, { maxTokens: limits.maxTokens, noLocation: true });
  } catch (e) {
    if (/more tha[nt] \d+ tokens|maximum number of tokens/i.test((e as Error).message)) {
      throw new DocumentLimitError("GRAPHQL_MAX_TOKENS", `the document has more than ${limits.maxTokens} tokens`);
    }
    return null; // syntax errors are reported by the normal pipeline
  }
  return measureDocument(doc, variables, limits);
}
