// Default page size for every connection: a connection asked for without `first` and `last` reads at most
// GRAPHQL_DEFAULT_PAGE_SIZE rows (before, all of them). `first`/`last` themselves stay capped at
// GRAPHQL_MAX_PAGE_SIZE by the document check (limits.ts), which also prices a connection at this default.
//
// How: PostGraphile's first/last arguments each apply themselves to the connection step; both are taken over
// here so that the connection's plan sees both values and sets first = first ?? (last == null ? default : null).
import { constant, lambda, type Step } from "postgraphile/grafast";

interface ConnectionStepLike {
  setFirst(first: Step): void;
  setLast(last: Step): void;
}

const pick = ([first, last, def]: readonly [number | null | undefined, number | null | undefined, number]) =>
  first ?? (last == null ? def : null);

export function makeDefaultPageSizePlugin(defaultPageSize: number): GraphileConfig.Plugin {
  // field coordinate -> which of first/last the field takes (filled in while the schema is built)
  const args = new Map<string, { first: boolean; last: boolean }>();
  return {
    name: "LinkFlowDefaultPageSizePlugin",
    version: "1.0.0",
    after: ["PgFirstLastBeforeAfterArgsPlugin"],
    schema: {
      hooks: {
        GraphQLObjectType_fields_field_args(fieldArgs, _build, context) {
          const { scope, Self } = context;
          if (!scope.isPgFieldConnection) return fieldArgs;
          const first = fieldArgs.first;
          const last = fieldArgs.last;
          if (!first?.extensions?.grafast?.applyPlan && !first?.applyPlan) return fieldArgs;
          args.set(`${Self.name}.${scope.fieldName}`, { first: !!first, last: !!last });
          const strip = <T extends { applyPlan?: unknown }>(a: T | undefined): T | undefined => {
            if (!a) return a;
            const { applyPlan: _dropped, ...rest } = a;
            return rest as T;
          };
          return { ...fieldArgs, ...(first ? { first: strip(first)! } : {}), ...(last ? { last: strip(last)! } : {}) };
        },
        GraphQLObjectType_fields_field(field, _build, context) {
          const { scope, Self } = context;
          if (!scope.isPgFieldConnection || typeof field.plan !== "function") return field;
          const coordinate = `${Self.name}.${scope.fieldName}`;
          const plan = field.plan;
          return {
            ...field,
            plan(this: unknown, $parent: Step, fieldArgs: any, info: any) {
              const $connection = (plan as any).call(this, $parent, fieldArgs, info) as ConnectionStepLike & Step;
              const has = args.get(coordinate);
              if (!has || typeof $connection?.setFirst !== "function") return $connection;
              const $first = fieldArgs.getRaw("first") as Step;
              const $last = has.last ? (fieldArgs.getRaw("last") as Step) : null;
              $connection.setFirst(lambda([$first, $last ?? constant(null), constant(defaultPageSize)], pick as never, true) as Step);
              if ($last) $connection.setLast($last);
              return $connection;
            },
          } as typeof field;
        },
      },
    },
  };
}
