// Lint exists mainly to hold the architecture (DESIGN.md "Arrows"): apps import libs, libs never
// import apps, an app never imports another app, and each lib imports exactly the libs listed
// for it below, with no allowances:
//   core, telemetry            nothing of ours
//   secrets                    core
//   platform                   core, telemetry (secrets reach it only through core's SecretSource,
//                              wired by each main.ts, and its errors through core's problem registry)
//   field-encryption           secrets, core
//   events                     core, telemetry
//   saga                       events, core, telemetry (its metrics go to the service's registry)
//   testing                    core, platform, telemetry, secrets: never events or saga, whose
//                              tests use it (a cycle)
// Test files add one arrow: any project's tests may import libs/testing.
// tests/repo/module-boundaries.spec.ts proves that a forbidden arrow fails.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const arrows = {
  'lib:core': [],
  'lib:telemetry': [],
  'lib:secrets': ['lib:core'],
  'lib:platform': ['lib:core', 'lib:telemetry'],
  'lib:field-encryption': ['lib:secrets', 'lib:core'],
  'lib:events': ['lib:core', 'lib:telemetry'],
  'lib:saga': ['lib:events', 'lib:core', 'lib:telemetry'],
  'lib:testing': ['lib:core', 'lib:platform', 'lib:telemetry', 'lib:secrets'],
};

/** The rule for these arrows; `extra` is what the files it applies to may import besides. */
const boundaries = (extra) => [
  'error',
  {
    enforceBuildableLibDependency: false,
    allow: [],
    depConstraints: [
      { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
      { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
      ...Object.entries(arrows).map(([sourceTag, targets]) => ({ sourceTag, onlyDependOnLibsWithTags: [...targets, ...extra] })),
    ],
  },
];

export default tseslint.config(
  { ignores: ['**/node_modules', '**/dist', '.stack/**', '.nx/**', 'coverage/**', 'loadtests/k6/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': boundaries([]),
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests of any project may use the test infrastructure (libs/testing): the one arrow tests add.
    // libs/testing must therefore never import a lib whose tests use it (a cycle fails this rule).
    files: ['**/test/**/*.ts', '**/*.spec.ts', '**/*.int-spec.ts'],
    rules: {
      '@nx/enforce-module-boundaries': boundaries(['lib:testing']),
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
