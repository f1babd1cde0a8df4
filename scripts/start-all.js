#!/usr/bin/env node
// `npm start` without Docker: runs the three apps from dist/ side by side with the same
// environment, prefixes their output, stops all of them on SIGINT/SIGTERM, and exits (stopping the
// others) as soon as one of them dies, so a failure is never hidden behind two healthy processes.
const { spawn } = require('node:child_process');
const path = require('node:path');

const apps = ['token-broker', 'gateway', 'workers'];
const children = new Map();
let stopping = false;

function stopAll(code) {
  if (stopping) return;
  stopping = true;
  for (const child of children.values()) child.kill('SIGTERM');
  const timer = setTimeout(() => process.exit(code), 15000);
  timer.unref();
  const check = setInterval(() => {
    if ([...children.values()].every((c) => c.exitCode !== null || c.signalCode !== null)) {
      clearInterval(check);
      process.exit(code);
    }
  }, 100);
}

for (const app of apps) {
  const child = spawn(process.execPath, [path.join(__dirname, '..', 'dist', 'apps', app, 'src', 'main.js')], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: process.env,
  });
  children.set(app, child);
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`start: ${app} exited (${signal ?? code}); stopping the others`);
      stopAll(code || 1);
    }
  });
}

process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));
