// Group commit settings are parsed once, with the rest of the configuration (src/config.ts).
import { describe, expect, it } from "vitest";
import { DEFAULT_GROUP_COMMIT, loadConfig } from "../../src/config.ts";
import { ConfigError } from "../../src/errors.ts";

describe("executions: group commit settings", () => {
  it("are on by default with a short window", () => {
    expect(loadConfig({}).executions.groupCommit).toEqual(DEFAULT_GROUP_COMMIT);
    expect(DEFAULT_GROUP_COMMIT).toMatchObject({ enabled: true });
  });

  it("read the window, batch size, in-flight batches and the switch from the environment", () => {
    const s = loadConfig({
      EXECUTIONS_GROUP_COMMIT: "off", EXECUTIONS_GROUP_COMMIT_WINDOW_MS: "0", EXECUTIONS_GROUP_COMMIT_MAX_BATCH: "500",
      EXECUTIONS_GROUP_COMMIT_MAX_IN_FLIGHT: "2",
    }).executions.groupCommit;
    expect(s).toEqual({ enabled: false, windowMs: 0, maxBatch: 500, maxInFlight: 2 });
  });

  it("refuse values out of range with a ConfigError naming the setting", () => {
    expect(() => loadConfig({ EXECUTIONS_GROUP_COMMIT_MAX_BATCH: "0" })).toThrow(ConfigError);
    expect(() => loadConfig({ EXECUTIONS_GROUP_COMMIT_MAX_BATCH: "10001" })).toThrow(/EXECUTIONS_GROUP_COMMIT_MAX_BATCH/);
    expect(() => loadConfig({ EXECUTIONS_GROUP_COMMIT_WINDOW_MS: "1.5" })).toThrow(/EXECUTIONS_GROUP_COMMIT_WINDOW_MS/);
    expect(() => loadConfig({ EXECUTIONS_GROUP_COMMIT: "maybe" })).toThrow(/EXECUTIONS_GROUP_COMMIT/);
  });
});
