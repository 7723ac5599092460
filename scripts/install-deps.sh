#!/usr/bin/env bash
# Installs the Debian packages unionsync needs to build, test and run,
# only those that are missing. Needs root (or sudo) when something is missing.
set -euo pipefail

packages=(
    build-essential cmake pkg-config
    libzmq3-dev                          # ZeroMQ transport with CURVE
    protobuf-c-compiler libprotobuf-c-dev # wire format
    libsqlite3-dev sqlite3               # stores; the CLI for tests
    libssl-dev                           # Ed25519 signatures, SHA-256
    libcriterion-dev                     # unit tests
    jq                                   # JSON checks in end-to-end tests
    libmicrohttpd-dev                    # the desks' embedded HTTP server
    libjansson-dev                       # JSON for the desks' requests and answers
    libxlsxwriter-dev                    # Excel (.xlsx) templates and reports
    libzip-dev libxml2-dev               # reads the .xlsx workbooks clerks import
    chromium chromium-driver             # headless browser for the report and desk tests
    python3-selenium                     # drives Chromium in the desk tests
    python3-openpyxl                     # reads .xlsx files back in tests
    man-db dpkg-dev                      # man pages rendered, the .deb built and read in tests
)
if [ "${US_FUZZ_DEPS:-1}" = 1 ]; then
    packages+=(clang libclang-rt-14-dev) # libFuzzer targets
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q >&2
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
