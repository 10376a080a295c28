import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // one scratch directory per run, for what tests build once and share (the agent's image)
    globalSetup: ['test/setup/run-dir.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // namespace and daemon tests share the kernel's netns list: run files one at a time
    fileParallelism: false,
    // memory assertions (flapping, soak) collect garbage before they measure
    execArgv: ['--expose-gc'],
    reporters: ['default', 'json'],
    outputFile: { json: '.test-results/vitest.json' },
  },
});
