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
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
