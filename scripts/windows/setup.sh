#!/usr/bin/env bash
# Installs and caches what the Windows tier needs, from Debian by package
# name: Debian's rustc 1.96 with its standard library sources (the
# x86_64-pc-windows-gnu standard library is built from them), the mingw-w64
# linker, and Wine 8 (wine64) with a prefix of its own in the cache, holding a
# stand-in bcryptprimitives.dll that Rust's std needs and Wine 8 lacks.
# Prints the cache directory on its last line. Safe to run again.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../lib/apt.sh"
APT_WHO="windows setup"

cache="${CRASHSUITE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/crashsuite}/windows"
mkdir -p "$cache"
apt_install_missing rustc-web cargo-web rust-web-src gcc-mingw-w64-x86-64 wine64

# Debian's wine64 package puts its loader outside PATH.
wine=$(command -v wine64 || echo /usr/lib/wine/wine64)
wineserver=$(command -v wineserver || echo /usr/lib/wine/wineserver)
prefix="$cache/prefix"
if [ ! -e "$prefix/.ready" ]; then
    echo "windows setup: creating the Wine prefix" >&2
    rm -rf "$prefix"
    WINEPREFIX="$prefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" \
        "$wine" wineboot --init >/dev/null 2>&1
    WINEPREFIX="$prefix" "$wineserver" --wait
    x86_64-w64-mingw32-gcc -shared -O2 -o "$prefix/drive_c/windows/system32/bcryptprimitives.dll" \
        "$here/bcryptprimitives.c" -ladvapi32
    touch "$prefix/.ready"
fi
echo "$cache"
