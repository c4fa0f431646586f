#!/usr/bin/env bash
# Run the pinned uv, installing it first into ./.tools if this machine has none.
set -euo pipefail
UV_VERSION=0.13.8
root="$(cd "$(dirname "$0")/.." && pwd)"
export UV_PYTHON_DOWNLOADS=never   # use the machine's Python 3.11; never fetch one
if command -v uv >/dev/null 2>&1 && [ "$(uv --version | cut -d' ' -f2)" = "$UV_VERSION" ]; then
  exec uv "$@"
fi
if [ ! -x "$root/.tools/bin/uv" ]; then
  echo "installing uv $UV_VERSION into .tools/" >&2
  python3 -m venv "$root/.tools"
  "$root/.tools/bin/pip" install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi
exec "$root/.tools/bin/uv" "$@"
