// One config, three tiers told apart by file suffix (see STYLE.md):
//   *.spec.ts      pure / mocked collaborators
//   *.int-spec.ts  real Postgres + Redis (a database created per run by test/global-setup.ts)
//   *.e2e-spec.ts  apps booted over HTTP
const fs = require('node:fs');
const path = require('node:path');

const paths = JSON.parse(fs.readFileSync(path.join(__dirname, 'tsconfig.json'), 'utf8')).compilerOptions.paths;
const moduleNameMapper = Object.fromEntries(
  Object.entries(paths).map(([alias, [target]]) => [`^${alias}$`, path.join('<rootDir>', target)]),
);

const transform = {
  '^.+\\.(t|j)s$': [
    '@swc/jest',
    {
      swcrc: false, // .swcrc is the build config (it excludes spec files)
      sourceMaps: 'inline',
      jsc: {
        target: 'es2022',
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
        keepClassNames: true,
      },
      module: { type: 'commonjs' },
    },
  ],
};
// Packages that ship ESM only (Nest 12, jose 6, openid-client 6, oidc-provider 9 and some of their
// dependencies). Node 20 loads them at run time (require(esm)); Jest 30 on Node 20 cannot, so SWC
// turns them into CommonJS for the tests.
const ESM_ONLY = [
  '@nestjs',
  'jose',
  'openid-client',
  'oauth4webapi',
  'oidc-provider',
  'content-disposition',
  'cookie',
  'file-type',
  'strtok3',
  'token-types',
  '@tokenizer',
  '@borewit',
  'uint8array-extras',
  '@sec-ant',
];

const common = {
  rootDir: __dirname,
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform,
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`],
  moduleNameMapper,
  testEnvironment: 'node',
};

module.exports = {
  maxWorkers: 2,
  // Top level: jest-circus reads the timeout from the global config only, so a per-project value
  // would silently leave every test and hook at 5 s (timeouts on a loaded 2-core machine).
  testTimeout: 30000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs}/**/*.int-spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
    },
  ],
};
