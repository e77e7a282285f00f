// Workflow types. Definitions, snapshots, graphs and diffs are JSON documents with snake_case keys (the same
// shape in SQL, TypeScript and GraphQL, so a graph read with getWithNodes can be edited and saved back);
// entity rows (Workflow, VersionSummary, WorkflowVersion) are camelCase.

export type WorkflowStatus = "draft" | "active" | "inactive" | "archived";
export type TriggerType = "webhook" | "schedule" | "event" | "manual";

export interface NodeDefinition {
  name: string;
  type: string;
  type_version?: number;
  parameters?: Record<string, unknown>;
  position?: [number, number];
  disabled?: boolean;
}

export interface ConnectionDefinition {
  /** Source node name. */
  source: string;
  target: string;
  source_output?: string;
  source_output_index?: number;
  target_input?: string;
  target_input_index?: number;
}

export interface TriggerDefinition {
  type: TriggerType;
  config?: Record<string, unknown>;
  enabled?: boolean;
  /** Name of the node the trigger starts from, if any. */
  node?: string | null;
}

/** What create/save accept. On save, absent name/description/settings/tags keep their current values. */
export interface WorkflowDefinition {
  name?: string;
  description?: string;
  settings?: Record<string, unknown>;
  tags?: string[];
  nodes?: NodeDefinition[];
  connections?: ConnectionDefinition[];
  triggers?: TriggerDefinition[];
}

/**
 * A small edit saved without the whole definition (patch_workflow): the next version is the current snapshot
 * with the patch applied. Given attributes are replaced; `nodes` are upserted by name (full nodes);
 * `removeNodes` removes nodes with their connections; connections are added and removed as given; `triggers`
 * replaces the list. Sent to SQL in snake_case (remove_nodes, add_connections, remove_connections).
 */
export interface WorkflowPatch {
  name?: string;
  description?: string;
  settings?: Record<string, unknown>;
  tags?: string[];
  nodes?: NodeDefinition[];
  removeNodes?: string[];
  addConnections?: ConnectionDefinition[];
  removeConnections?: ConnectionDefinition[];
  triggers?: TriggerDefinition[];
}

/** The canonical snapshot stored in each version: every default filled in, arrays sorted. */
export interface WorkflowSnapshot {
  name: string;
  description: string;
  settings: Record<string, unknown>;
  tags: string[];
  nodes: Required<NodeDefinition>[];
  connections: Required<ConnectionDefinition>[];
  triggers: (Required<Omit<TriggerDefinition, "node">> & { node: string | null })[];
}

export interface Workflow {
  id: string;
  teamId: string;
  name: string;
  description: string;
  status: WorkflowStatus;
  settings: Record<string, unknown>;
  tags: string[];
  currentVersion: number;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
  archivedAt: Date | null;
}

/** A row of a list/search: the workflows table's light columns only. */
export type WorkflowListItem = Omit<Workflow, "settings" | "description">;

export interface GraphNode extends Required<NodeDefinition> { id: string }
export interface GraphConnection extends Required<ConnectionDefinition> { id: string; source_node_id: string; target_node_id: string }
export interface GraphTrigger { id: string; type: TriggerType; config: Record<string, unknown>; enabled: boolean; node: string | null; node_id: string | null }

export interface WorkflowGraph {
  workflow: Workflow;
  nodes: GraphNode[];
  connections: GraphConnection[];
  triggers: GraphTrigger[];
}

export interface VersionSummary {
  version: number;
  authorId: string | null;
  message: string;
  createdAt: Date;
  wasActive: boolean;
}

export interface WorkflowVersion {
  workflowId: string;
  version: number;
  data: WorkflowSnapshot;
  authorId: string | null;
  message: string;
  createdAt: Date;
}

export interface FieldChange<T = unknown> { from: T; to: T }

export interface WorkflowDiff {
  workflow_id: string;
  from_version: number;
  to_version: number;
  identical: boolean;
  workflow: Partial<Record<"name" | "description" | "tags", FieldChange>>;
  settings: { added: Record<string, unknown>; removed: Record<string, unknown>; changed: Record<string, FieldChange> };
  nodes: {
    added: Required<NodeDefinition>[];
    removed: Required<NodeDefinition>[];
    changed: { name: string; fields: string[]; from: Record<string, unknown>; to: Record<string, unknown> }[];
  };
  connections: { added: Required<ConnectionDefinition>[]; removed: Required<ConnectionDefinition>[] };
  triggers: { added: WorkflowSnapshot["triggers"]; removed: WorkflowSnapshot["triggers"] };
}

export interface ListOptions {
  teamId: string;
  status?: WorkflowStatus;
  tag?: string;
  /** Case-insensitive name fragment (trigram index). */
  search?: string;
  /** Page size, 1..500 (default 50). */
  limit?: number;
  /** The nextCursor of the previous page. */
  after?: string | null;
}

export interface Page<T> { items: T[]; nextCursor: string | null }
