// Lint exists mainly to hold the architecture: apps import libs, libs never import
// apps, and each lib only the libs below it (see DESIGN.md "Arrows").
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules', '**/dist', '.stack/**', '.nx/**', 'coverage/**', 'loadtests/k6/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'lib:telemetry', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'lib:secrets', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'lib:platform', onlyDependOnLibsWithTags: ['lib:telemetry', 'lib:secrets'] },
            { sourceTag: 'lib:events', onlyDependOnLibsWithTags: ['lib:platform', 'lib:telemetry'] },
            { sourceTag: 'lib:saga', onlyDependOnLibsWithTags: ['lib:events', 'lib:platform', 'lib:telemetry'] },
            { sourceTag: 'lib:testing', onlyDependOnLibsWithTags: ['lib:platform', 'lib:telemetry', 'lib:events'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests of any project may use the test infrastructure (libs/testing): the one arrow tests add.
    // libs/testing must therefore never import a lib whose tests use it (a cycle fails this rule).
    files: ['**/test/**/*.ts', '**/*.spec.ts', '**/*.int-spec.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'lib:telemetry', onlyDependOnLibsWithTags: ['lib:testing'] },
            { sourceTag: 'lib:secrets', onlyDependOnLibsWithTags: ['lib:testing'] },
            { sourceTag: 'lib:platform', onlyDependOnLibsWithTags: ['lib:telemetry', 'lib:secrets', 'lib:testing'] },
            { sourceTag: 'lib:events', onlyDependOnLibsWithTags: ['lib:platform', 'lib:telemetry', 'lib:testing'] },
            { sourceTag: 'lib:saga', onlyDependOnLibsWithTags: ['lib:events', 'lib:platform', 'lib:telemetry', 'lib:testing'] },
            { sourceTag: 'lib:testing', onlyDependOnLibsWithTags: ['lib:platform', 'lib:telemetry', 'lib:events'] },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
