// One naming rule for mutation payloads: the field that carries a mutation's result is named for the entity it
// returns, not `result`. `startExecution { execution }`, `createTeam { team }`, `addTeamMember { teamMembership }`;
// a function returning a set gets the plural (`transitionExecutions { executionTransitionResults }`).
// A function that returns a scalar names its field with the `@resultFieldName` smart tag in its SQL comment
// (`authenticate { jwtToken }`, `deleteWorkflow { deletedWorkflowId }`); a tag always wins over the rule.
export const PayloadNamingPlugin: GraphileConfig.Plugin = {
  name: "LinkFlowPayloadNamingPlugin",
  version: "1.0.0",
  inflection: {
    replace: {
      functionMutationResultFieldName(previous, _options, details) {
        const { resource, returnGraphQLTypeName } = details;
        if (resource.extensions?.tags?.resultFieldName || !resource.codec.attributes) return previous!(details);
        const entity = this.camelCase(returnGraphQLTypeName);
        return resource.isUnique ? entity : this.pluralize(entity);
      },
    },
  },
};
