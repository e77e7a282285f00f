// GraphQL limits: query depth, a simple cost estimate (fields x requested page sizes) and a maximum page size
// for connection arguments (first/last), checked against literals and variables before execution.
import { GraphQLError, Kind, parse, type ASTNode, type DocumentNode, type FieldNode, type FragmentDefinitionNode, type SelectionSetNode, type ValidationContext, type ASTVisitor } from "postgraphile/graphql";

export interface Limits { maxDepth: number; maxPageSize: number; maxCost: number }

function pageArg(field: FieldNode, variables: Record<string, unknown> | undefined): number | null {
  let size: number | null = null;
  for (const arg of field.arguments ?? []) {
    if (arg.name.value !== "first" && arg.name.value !== "last") continue;
    const v = arg.value;
    let n: unknown = null;
    if (v.kind === Kind.INT) n = Number(v.value);
    else if (v.kind === Kind.VARIABLE) n = variables?.[v.name.value];
    if (typeof n === "number") size = Math.max(size ?? 0, n);
  }
  return size;
}

/** Measures a document: depth, cost and the largest page size requested. */
export function measure(doc: DocumentNode, variables?: Record<string, unknown>): { depth: number; cost: number; maxPage: number } {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  let maxPage = 0;
  const walk = (set: SelectionSetNode | undefined, depth: number, multiplier: number, seen: Set<string>): { depth: number; cost: number } => {
    if (!set) return { depth, cost: 0 };
    let maxDepth = depth;
    let cost = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (sel.name.value.startsWith("__")) continue;
        const page = pageArg(sel, variables);
        if (page !== null) maxPage = Math.max(maxPage, page);
        const childMult = multiplier * (page ?? (sel.selectionSet ? 1 : 1));
        const sub = walk(sel.selectionSet, depth + 1, Math.min(childMult, 1e9), seen);
        maxDepth = Math.max(maxDepth, sub.depth);
        cost += multiplier + sub.cost;
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const sub = walk(sel.selectionSet, depth, multiplier, seen);
        maxDepth = Math.max(maxDepth, sub.depth);
        cost += sub.cost;
      } else if (sel.kind === Kind.FRAGMENT_SPREAD) {
        const name = sel.name.value;
        if (seen.has(name)) continue;
        const frag = fragments.get(name);
        const sub = walk(frag?.selectionSet, depth, multiplier, new Set([...seen, name]));
        maxDepth = Math.max(maxDepth, sub.depth);
        cost += sub.cost;
      }
    }
    return { depth: maxDepth, cost };
  };
  let depth = 0;
  let cost = 0;
  for (const d of doc.definitions) {
    if (d.kind !== Kind.OPERATION_DEFINITION) continue;
    const r = walk(d.selectionSet, 0, 1, new Set());
    depth = Math.max(depth, r.depth);
    cost += r.cost;
  }
  return { depth, cost, maxPage };
}

/** Checks a request; returns an error message, or null when within limits. */
export function checkLimits(query: string, variables: Record<string, unknown> | undefined, limits: Limits): string | null {
  let doc: DocumentNode;
  try { doc = parse(query); } catch { return null; } // syntax errors are reported by the normal pipeline
  const m = measure(doc, variables);
  if (m.depth > limits.maxDepth) return `query depth ${m.depth} exceeds the maximum of ${limits.maxDepth}`;
  if (m.maxPage > limits.maxPageSize) return `page size ${m.maxPage} exceeds the maximum of ${limits.maxPageSize} (first/last)`;
  if (m.cost > limits.maxCost) return `query cost ${m.cost} exceeds the maximum of ${limits.maxCost}`;
  return null;
}

/** A validation rule enforcing the depth limit (cached with the document by grafserv). */
export function depthRule(maxDepth: number) {
  return (context: ValidationContext): ASTVisitor => ({
    Document(node: ASTNode) {
      const { depth } = measure(node as DocumentNode);
      if (depth > maxDepth) context.reportError(new GraphQLError(`query depth ${depth} exceeds the maximum of ${maxDepth}`));
    },
  });
}
