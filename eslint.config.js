// Type-aware linting with zero warnings allowed. `npm run lint` never rewrites files.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'data/', '.test-data/', 'bench-results/', 'chaos/results/', 'bench/tmp/', 'bin/', 'eslint.config.js'] },
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-confusing-void-expression': 'off',
      '@typescript-eslint/explicit-function-return-type': 'off',
      'no-console': 'off',
      // Only repositories, migrations and the database platform talk to Kysely: rows never leave
      // the service layer, and every query is in a file whose name says so.
      'no-restricted-imports': ['error', { paths: [{ name: 'kysely', message: 'Only *.repository.ts files, migrations and src/platform/db may import Kysely.' }] }],
    },
  },
  {
    files: ['**/*.repository.ts', 'migrations/**', 'src/platform/db/**', '**/*.test.ts', 'test/**', 'scripts/**', 'bench/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // Browser scripts served as static files: plain JavaScript outside the TypeScript project.
    files: ['src/platform/views/public/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'script',
      globals: { window: 'readonly', document: 'readonly' },
    },
  },
  {
    files: ['**/*.test.ts', 'test/**'],
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
);
