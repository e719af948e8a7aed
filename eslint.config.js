import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import nodePlugin from 'eslint-plugin-n';
import tseslint from 'typescript-eslint';

const servicesApart = {
  group: [
    '@lamina/gateway',
    '@lamina/worker',
    '@lamina/dispatcher',
    '@lamina/poller',
    '@lamina/operator',
  ],
  message: 'Services never import each other; put the contract in @lamina/core.',
};
const testkitInTestsOnly = {
  group: ['@lamina/testkit'],
  message: 'The test kit is for tests, test support and bench only, never production code.',
};

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'test/env/out/**',
      'bench/results/**',
      'examples/**',
      '**/*.js',
      '**/*.cjs',
      '**/*.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { n: nodePlugin },
    rules: {
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      'no-console': 'error',
      'n/no-process-env': 'error',
      'no-restricted-imports': ['error', { patterns: [servicesApart, testkitInTestsOnly] }],
    },
  },
  {
    // Composition roots and tests may read the environment and wire services together.
    files: [
      '**/main.ts',
      '**/config.ts',
      'cli/src/**',
      'test/**',
      'bench/src/**',
      '**/*.test.ts',
      'vitest.config.ts',
    ],
    rules: { 'n/no-process-env': 'off', 'no-restricted-imports': 'off', 'no-console': 'off' },
  },
  {
    // ...but the composition roots are production code: they may wire services, not the test kit.
    files: ['**/main.ts', '**/config.ts', 'cli/src/**'],
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [testkitInTestsOnly] }] },
  },
  {
    // Test support next to a service's code is test code: the kit is fine there.
    files: ['**/test-support/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [servicesApart] }] },
  },
  {
    // The test kit's one reader of the test environment (endpoints, a child's inherited env).
    files: ['packages/testkit/src/test-env.ts'],
    rules: { 'n/no-process-env': 'off' },
  },
  {
    files: ['**/*.test.ts', 'test/**'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      // expect.objectContaining() and friends are typed `any`.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
  prettier,
);
