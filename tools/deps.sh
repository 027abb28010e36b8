#!/usr/bin/env bash
# Installs the Debian packages so8t builds and tests need, only those missing.
# Called by make (once, stamp in build/) and by .ci/run. Needs root (or sudo) when
# something is missing; says exactly what to run otherwise.
set -eu
# openmpi-bin + libopenmpi-dev: bin/so8t-mpi and its tests (docs/cluster.md); without them
# make builds bin/so8t only and the MPI tests print SKIP.
pkgs="librandom123-dev libcerf-dev libcjson-dev libmicrohttpd-dev librsvg2-bin python3-venv curl openmpi-bin libopenmpi-dev"
# chromium + chromium-driver: only the browser test of the /ui/ page (tests/test_ui_browser.sh,
# which prints SKIP without them); optional: a failure to install them does not stop make.
optional="chromium chromium-driver"
missing=""
for p in $pkgs; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
missing_opt=""
for p in $optional; do
    dpkg -s "$p" >/dev/null 2>&1 || missing_opt="$missing_opt $p"
done
[ -z "$missing$missing_opt" ] && exit 0
echo "deps: installing Debian packages:$missing$missing_opt" >&2
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
    [ -z "$missing" ] && { echo "deps: optional, not installed (not root):$missing_opt" >&2; exit 0; }
    echo "deps: not root and no sudo; run as root: apt-get install -y$missing$missing_opt" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null 2>&1 || true
[ -z "$missing" ] || $SUDO apt-get install -y -qq $missing >/dev/null
if [ -n "$missing_opt" ] && ! $SUDO apt-get install -y -qq $missing_opt >/dev/null 2>&1; then
    echo "deps: could not install$missing_opt (optional: the browser test will SKIP)" >&2
fi
