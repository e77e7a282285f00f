// Live API test helpers: a real graphql-ws client over WebSocket that records what it receives.
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";

export interface Received {
  events: { cursor: string; type: string; streamId: string; data: any; globalPosition: string }[];
  errors: { message: string; extensions?: Record<string, unknown> }[];
  completed: boolean;
}

export interface LiveClient {
  client: Client;
  /** Subscribes and records; returns the record and a function that stops this subscription. */
  subscribe(query: string, variables: Record<string, unknown>): { rec: Received; stop: () => void };
  close(): Promise<void>;
}

export function liveClient(httpUrl: string, token?: string): LiveClient {
  const client = createClient({
    url: httpUrl.replace(/^http/, "ws") + "/graphql",
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: true,
  });
  return {
    client,
    subscribe(query, variables) {
      const rec: Received = { events: [], errors: [], completed: false };
      const stop = client.subscribe({ query, variables }, {
        next: (msg: any) => {
          if (msg.errors) rec.errors.push(...msg.errors);
          const value = msg.data && Object.values(msg.data)[0];
          if (value) rec.events.push(value as Received["events"][number]);
        },
        error: (e: any) => {
          if (Array.isArray(e)) rec.errors.push(...e);
          else rec.errors.push({ message: String(e?.message ?? e?.reason ?? e), extensions: e?.extensions });
        },
        complete: () => { rec.completed = true; },
      });
      return { rec, stop };
    },
    async close() { await client.dispose(); },
  };
}

export async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const EXECUTION_UPDATES = `subscription ($teamId: UUID!, $workflowId: UUID, $executionId: UUID, $after: String) {
  executionUpdates(teamId: $teamId, workflowId: $workflowId, executionId: $executionId, after: $after) {
    cursor type streamId globalPosition data
  }
}`;
export const WORKFLOW_CHANGES = `subscription ($teamId: UUID!, $after: String) {
  workflowChanges(teamId: $teamId, after: $after) { cursor type streamId globalPosition data }
}`;
export const TEAM_ACTIVITY = `subscription ($teamId: UUID!, $after: String) {
  teamActivity(teamId: $teamId, after: $after) { cursor type streamId globalPosition data }
}`;
