#!/usr/bin/env bash
# Build the Dockerfile and check that the image serves: ../shared/tools/container-check (buildah,
# chroot isolation, a stand-in for python:3.x-slim). It needs root and apt-get; without either, or
# without the tool, this step is skipped with one line saying why, and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."

TOOL=${CONTAINER_CHECK:-../shared/tools/container-check}
skip() { echo "container-check: SKIP $*"; exit 0; }
[[ -x $TOOL ]] || skip "tool not found at $TOOL (set CONTAINER_CHECK=/path/to/container-check)"
(( EUID == 0 )) || skip "needs root (buildah chroot builds); run as root to build and check the image"
command -v apt-get >/dev/null || skip "needs apt-get (it installs buildah and debootstrap)"

# The image listens on 8080; when that port is taken here, build it for a free one instead.
port=8080
if (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
fi
exec "$TOOL" --context . --port "$port" --build-arg "AIBRIDGE_MOCK_PORT=$port" \
  --path /readyz --expect-status 200 --timeout 180 --tag aibridge-mock "$@"
