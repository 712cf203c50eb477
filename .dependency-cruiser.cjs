/**
 * The layer arrows of ARCHITECTURE.md, checked by `npm run lint`:
 * cli, server -> app -> jobs, seamless, live -> backfill -> sources, storage, conformance -> core.
 * `config` is read by app (and by jobs, server and cli for its types); `sim` stands alone;
 * `backtest` depends on core only (it talks to a server over HTTP).
 * Entry files (`src/index.ts`, `src/exports/*`) may reach any layer.
 */
const layer = (name, allowed) => ({
  name: `${name}-imports-only-${allowed.join('-')}`,
  comment: `src/${name} may import only: ${[name, ...allowed].join(', ')}`,
  severity: 'error',
  from: { path: `^src/${name}/` },
  to: {
    path: '^src/',
    pathNot: [`^src/${name}/`, ...allowed.map((a) => `^src/${a}/`)],
  },
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    layer('core', []),
    layer('sources', ['core', 'sim']),
    layer('storage', ['core']),
    layer('conformance', ['core']),
    layer('backfill', ['core', 'sources', 'storage', 'conformance']),
    layer('seamless', ['core', 'sources', 'storage', 'conformance', 'backfill']),
    layer('live', ['core', 'sources', 'storage', 'conformance', 'backfill', 'seamless']),
    layer('jobs', ['core', 'config', 'sources', 'storage', 'conformance', 'backfill']),
    layer('config', ['core']),
    layer('sim', ['core']),
    // The backtest harness runs on a participant's laptop against the HTTP API: core only.
    layer('backtest', ['core']),
    layer('app', [
      'core',
      'config',
      'sources',
      'storage',
      'conformance',
      'backfill',
      'seamless',
      'live',
      'jobs',
    ]),
    layer('server', ['core', 'config', 'storage', 'conformance', 'backfill', 'jobs', 'app']),
    layer('cli', [
      'core',
      'config',
      'sources',
      'storage',
      'backfill',
      'jobs',
      'app',
      'server',
      'sim',
      'backtest',
    ]),
    {
      name: 'storage-internals-stay-inside',
      comment: 'outside src/storage, import only its face: src/storage/index.ts',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/storage/' },
      to: { path: '^src/storage/', pathNot: '^src/storage/index\\.ts$' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
