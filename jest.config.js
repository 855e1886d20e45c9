// ESM + swc: swc strips types only; `npm test` runs tsc --noEmit for type checking.
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } },
    ],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  roots: ['<rootDir>/ts', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testTimeout: 60000,
};
