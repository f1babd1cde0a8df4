#!/usr/bin/env node
// Prints fresh values for the broker's secrets, as lines for a .env file:
//   node scripts/gen-secrets.js >> .env
const { randomBytes } = require('node:crypto');

const b64url = (n) => randomBytes(n).toString('base64url');
process.stdout.write(
  [
    `ADMIN_TOKEN=${b64url(32)}`,
    `VAULT_KEYS=k1:${randomBytes(32).toString('base64')}`,
    `API_KEY_PEPPER=${randomBytes(32).toString('base64')}`,
    `INTERNAL_API_TOKEN=${b64url(32)}`,
    '',
  ].join('\n'),
);
