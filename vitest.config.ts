import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Property tests: one fixed seed unless PROP_SEED says otherwise (test/helpers/fast-check-seed.ts).
    setupFiles: ["test/helpers/fast-check-seed.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: keep parallel files modest so wasm-heavy suites do not starve each other.
    maxWorkers: 2,
  },
});
