#!/usr/bin/env bash
# Install the Debian packages of the services and programs the test suite starts itself:
# PostgreSQL, Redis (the Celery workers' broker), nginx (a syntax check of the deploy
# example) and Chromium for the console's browser tests (Playwright drives Debian's build;
# it never downloads one). Idempotent: does nothing when they are already installed.
set -euo pipefail
packages=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || packages+=(postgresql)
command -v redis-server >/dev/null 2>&1 || packages+=(redis-server)
# nginx only checks the syntax of deploy/nginx.conf; the tests never start it.
[ -x /usr/sbin/nginx ] || packages+=(nginx)
[ -x /usr/bin/chromium ] || packages+=(chromium)
[ ${#packages[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing Debian packages: ${packages[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
