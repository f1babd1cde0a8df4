// Paths, settings and small process helpers shared by the conformance run's steps.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CACHE = path.join(ROOT, '.cache', 'conformance');
export const BROKER_MAIN = path.join(ROOT, 'dist', 'apps', 'token-broker', 'src', 'main.js');
export const MIGRATE_MAIN = path.join(
  ROOT,
  'dist',
  'libs',
  'persistence',
  'src',
  'cli',
  'migrate.js',
);
export const POSTGRES_URL =
  process.env.CONFORMANCE_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432';
export const REDIS_URL = process.env.CONFORMANCE_REDIS_URL || 'redis://127.0.0.1:6379';

export const log = (message) => process.stderr.write(`[conformance] ${message}\n`);

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs a command to completion, its output passed through; rejects on a non-zero exit. */
export function run(command, args, options = {}) {
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
export function stop(child, graceMs = 10_000) {
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

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Calls `onLine` with each line of a child's output stream, the unterminated last one included. */
export function eachLine(stream, onLine) {
  let buffer = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      onLine(buffer.slice(0, newline));
      buffer = buffer.slice(newline + 1);
    }
  });
  stream.on('end', () => {
    if (buffer !== '') onLine(buffer);
  });
}
