#!/usr/bin/env bash
# Installs Node 22 (the runtime of the Docker image) from the npm package `node@22` into
# .cache/node22/ once, and prints the folder holding its `node` binary. The project stays on the
# machine's Node 20; .ci/run puts this folder first on PATH to run the suite a second time on 22.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=.cache/node22
bin="$dir/node_modules/node/bin"
if [ ! -x "$bin/node" ] || [[ "$("$bin/node" --version)" != v22.* ]]; then
  mkdir -p "$dir"
  # The `node` package fetches its platform binary (another npm package) in an install script,
  # which npm 11 runs only when allowed per package.
  cat > "$dir/package.json" <<'JSON'
{
  "name": "mcpgw-node22",
  "private": true,
  "description": "Written by scripts/node22.sh; safe to delete.",
  "dependencies": { "node": "22" },
  "allowScripts": { "node": true }
}
JSON
  npm install --prefix "$dir" --no-audit --no-fund --no-package-lock --ignore-scripts=false >&2
fi
version=$("$bin/node" --version)
[[ "$version" == v22.* ]] || { echo "node22.sh: $bin/node reports $version, expected v22" >&2; exit 1; }
cd "$bin" && pwd
