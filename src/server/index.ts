// The GraphQL server capability (PostGraphile preset, JWT, limits, HTTP): import from here.
export { createHttpApp, type HttpApp, type HttpAppOptions, type Route } from "./http.ts";
export { makePreset, maskError, documentLimits, type PresetOptions } from "./preset.ts";
export { makeVerifier, AuthError, type Verifier } from "./jwt.ts";
