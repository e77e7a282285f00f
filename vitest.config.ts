import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/harness/global-setup.ts"],
    pool: "forks",
    fileParallelism: true,
    maxWorkers: Number(process.env.TEST_MAX_WORKERS ?? 3),
    testTimeout: 30_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
    env: { NODE_ENV: "test", GRAPHILE_ENV: "test" },
    coverage: {
      provider: "v8",
      include: ["src/**/*.ts", "tasks/**/*.ts"],
      reporter: ["text-summary", "text"],
    },
  },
});
