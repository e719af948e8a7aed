import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import nodePlugin from 'eslint-plugin-n';
import tseslint from 'typescript-eslint';

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
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '@lamina/gateway',
                '@lamina/worker',
                '@lamina/dispatcher',
                '@lamina/poller',
                '@lamina/operator',
              ],
              message: 'Services never import each other; put the contract in @lamina/core.',
            },
          ],
        },
      ],
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
