// Lint: TypeScript rules plus Nx module boundaries.
// Apps may import libs; libs never import apps; the CLI (type:entry, the composition root) may import apps and libs; science libs (models, scaling, rigid-body, sweeps)
// import neither the gRPC contract nor the database layer.
// Parts that only count parameters / FLOPs (the planner, the fits, the database, the coordinator, the contract) use
// @equiscale/models/accounting, never the package root: the root loads TensorFlow.js (test/architecture checks it).
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

export default [
  { ignores: ['**/node_modules/**', '**/dist/**', '**/gen/**', '.nx/**', '.equiscale/**', 'equiscale-out/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:entry', onlyDependOnLibsWithTags: ['type:lib', 'type:app'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'scope:science', onlyDependOnLibsWithTags: ['scope:science'] },
            { sourceTag: 'scope:data', onlyDependOnLibsWithTags: ['scope:data', 'scope:science', 'scope:shared'] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:transport', onlyDependOnLibsWithTags: ['scope:transport', 'scope:science'] },
          ],
        },
      ],
    },
  },
  {
    files: [
      'libs/sweeps/**/*.ts',
      'libs/scaling/**/*.ts',
      'libs/study/**/*.ts',
      'libs/db/**/*.ts',
      'libs/contract/**/*.ts',
      'apps/coordinator/**/*.ts',
      'migrations/**/*.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@equiscale/models',
              message: "the package root loads TensorFlow.js; import '@equiscale/models/accounting' (ladders, parameter and FLOP counts, types)",
            },
            {
              name: '@equiscale/weight-space/train',
              message: "the weight-space trainer loads TensorFlow.js; import '@equiscale/weight-space/accounting' or the package root (config, data, group: no tfjs)",
            },
          ],
          patterns: [{ group: ['@tensorflow/*'], message: 'TensorFlow.js belongs to @equiscale/models and the worker only' }],
        },
      ],
    },
  },
];
