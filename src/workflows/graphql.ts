// GraphQL naming for workflows. The connection (edge) table is exposed as the type WorkflowEdge (its
// @name), which collides with the edge type of the workflows connection (WorkflowConnection's edges are
// named WorkflowEdge by default): without this plugin the workflows connection (the `workflows` list and
// `searchWorkflows`) fails to register. The workflows connection's edge type is named WorkflowsEdge instead.
export const WorkflowNamingPlugin: GraphileConfig.Plugin = {
  name: "LinkFlowWorkflowNamingPlugin",
  version: "1.0.0",
  inflection: {
    replace: {
      edgeType(previous, _options, typeName) {
        return typeName === "Workflow" ? "WorkflowsEdge" : previous!.call(this, typeName);
      },
    },
  },
};
