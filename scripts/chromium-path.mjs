#!/usr/bin/env node
// Prints the Chromium the browser tests drive, and unpacks it first when needed. In order:
// CHROMIUM_PATH (must exist), Debian's /usr/bin/chromium when installed, else the Chromium that
// `npm ci` brought inside the @sparticuz/chromium package (unpacked once into the temp folder).
// Plain Node rather than Jest: the package is ESM-only and unpacks with top-level async work.
import { existsSync } from 'node:fs';

export async function resolveChromium() {
  const override = process.env.CHROMIUM_PATH;
  if (override) {
    if (!existsSync(override)) {
      throw new Error(`CHROMIUM_PATH is set but nothing is at ${override}`);
    }
    return override;
  }
  if (existsSync('/usr/bin/chromium')) {
    return '/usr/bin/chromium';
  }
  const { default: chromium } = await import('@sparticuz/chromium');
  return chromium.executablePath();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  resolveChromium().then(
    (path) => process.stdout.write(`${path}\n`),
    (error) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
