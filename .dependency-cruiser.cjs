/**
 * The layers of docs/DESIGN.md ("Rules that keep the layout honest"), checked by `npm test` (npm run lint:deps).
 * The layer rules count type-only imports too: the domain may not even name a store type. The cycle rule counts
 * runtime imports only: those decide the order modules load in (a cycle there can meet a value before it is
 * defined), while a type-only import is erased, and the run's types naturally refer to one another (a Run
 * holds its Effects, an Effect names a PageCause that reads the Run's spec).
 */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'src/domain imports nothing outside src/domain but zod and luxon (no node:*, store, queue, chat or app).',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { pathNot: ['^src/domain/', '^node_modules/(@types/)?(zod|luxon)/'] },
    },
    {
      name: 'use-cases-stand-alone',
      comment:
        'A use case (a file directly in src/app, or a folder of src/app) imports no other use case: shared helpers live in src/app/shared, ' +
        'and apply-effects.ts, the one place effects run, is not a use case. ' +
        'The two routers, on-command.ts (commands) and job-handlers.ts (queue jobs), may import use cases: they route, they decide nothing.',
      severity: 'error',
      from: { path: '^src/app/([^/]+)', pathNot: ['^src/app/shared/', '^src/app/(on-command|job-handlers|apply-effects)\\.ts$'] },
      to: { path: '^src/app/', pathNot: ['^src/app/shared/', '^src/app/apply-effects\\.ts$', '^src/app/$1(/|$)'] },
    },
    {
      name: 'shared-helpers-import-no-use-case',
      severity: 'error',
      from: { path: '^src/app/shared/' },
      to: { path: '^src/app/', pathNot: ['^src/app/shared/', '^src/app/apply-effects\\.ts$'] },
    },
    {
      name: 'apply-effects-imports-no-use-case',
      comment: 'apply-effects.ts runs effects; it calls no use case (what follows from an effect is another job).',
      severity: 'error',
      from: { path: '^src/app/apply-effects\\.ts$' },
      to: { path: '^src/app/', pathNot: ['^src/app/shared/', '^src/app/apply-effects\\.ts$'] },
    },
    {
      name: 'queue-and-store-do-not-import-app',
      severity: 'error',
      from: { path: '^src/(queue|store)/' },
      to: { path: '^src/app/' },
    },
    {
      name: 'chat-does-not-import-store-or-queue',
      severity: 'error',
      from: { path: '^src/chat/' },
      to: { path: '^src/(store|queue)/' },
    },
    {
      name: 'no-cycles',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(node_modules|test|bench|demo)/' },
  },
};
