// Which live subscriptions are delivered directly (a payload built once per event and selection shape), and what
// that payload is. The GraphQL schema here is the live part of the API's SDL; the end-to-end equivalence with
// grafast's answer is in subscriptions.test.ts.
import { buildSchema, parse } from "postgraphile/graphql";
import { describe, expect, it } from "vitest";
import { encodeCursor, liveShape, payloadJson, type LiveEvent } from "../../src/live/index.ts";

const schema = buildSchema(`
  scalar BigInt scalar UUID scalar JSON scalar Datetime
  type LiveEvent { cursor: String! globalPosition: BigInt! eventId: UUID! type: String! streamId: String! streamType: String!
    streamVersion: BigInt! teamId: UUID data: JSON! metadata: JSON! createdAt: Datetime! }
  type Query { ok: Boolean }
  type Subscription {
    executionUpdates(teamId: UUID!, workflowId: UUID, executionId: UUID, after: String): LiveEvent!
    workflowChanges(teamId: UUID!, after: String): LiveEvent!
    teamActivity(teamId: UUID!, after: String): LiveEvent!
  }
`);

const checkpoint = { transactionId: 7n, globalPosition: 42n };
const event = (): LiveEvent => ({
  checkpoint, cursor: encodeCursor(checkpoint), globalPosition: "42", eventId: "0b7c6d4e-1f2a-4b3c-8d9e-0f1a2b3c4d5e",
  type: "ExecutionStateChanged", streamId: "execution-x", streamType: "execution", streamVersion: "3", teamId: null,
  data: { to_state: "running" }, metadata: {}, createdAt: new Date("2026-12-02T13:00:00.123Z"),
});
const shapeOf = (q: string, op?: string) => liveShape(schema, parse(q), op);

describe("direct delivery of live subscriptions", () => {
  it("gives a plain list of LiveEvent fields a shape, aliases and __typename included", () => {
    expect(shapeOf("subscription { executionUpdates(teamId: \"t\") { cursor type } }")).not.toBeNull();
    expect(shapeOf("subscription S($t: UUID!) { x: teamActivity(teamId: $t) { __typename k: type createdAt } }", "S")).not.toBeNull();
  });

  it("leaves fragments, directives, several roots and other operations to grafast", () => {
    expect(shapeOf("subscription { executionUpdates(teamId: \"t\") { ...F } } fragment F on LiveEvent { cursor }")).toBeNull();
    expect(shapeOf("subscription { executionUpdates(teamId: \"t\") { ... on LiveEvent { cursor } } }")).toBeNull();
    expect(shapeOf("subscription ($s: Boolean!) { executionUpdates(teamId: \"t\") { cursor @include(if: $s) } }")).toBeNull();
    expect(shapeOf("subscription { executionUpdates(teamId: \"t\") @skip(if: false) { cursor } }")).toBeNull();
    expect(shapeOf("query { ok }")).toBeNull();
  });

  it("builds the payload once per event and shape, fields in selection order, createdAt in ISO 8601", () => {
    const shape = shapeOf("subscription { u: executionUpdates(teamId: \"t\") { __typename k: type globalPosition teamId data createdAt k: type } }")!;
    const e = event();
    const json = payloadJson(e, shape);
    expect(JSON.parse(json)).toEqual({ data: { u: { __typename: "LiveEvent", k: "ExecutionStateChanged", globalPosition: "42", teamId: null,
      data: { to_state: "running" }, createdAt: "2026-12-02T13:00:00.123Z" } } });
    expect(Object.keys(JSON.parse(json).data.u)).toEqual(["__typename", "k", "globalPosition", "teamId", "data", "createdAt"]);
    (e as { type: string }).type = "changed after the first build";
    expect(payloadJson(e, shape)).toBe(json); // cached on the event: every subscriber of the shape shares it
    const other = shapeOf("subscription { u: executionUpdates(teamId: \"t\") { type } }")!;
    expect(JSON.parse(payloadJson(e, other))).toEqual({ data: { u: { type: "changed after the first build" } } });
  });
});
