#!/usr/bin/env bash
# Installs and caches what the aarch64 tier needs, all from Debian by package
# name: the cross toolchain (Debian's rustc 1.96 with the arm64 standard
# library as a private sysroot, gcc-aarch64-linux-gnu, the cross glibc), and
# for the virtual machine Debian's arm64 kernel, busybox-static:arm64 and
# qemu-system-aarch64 (unpacked privately: installing qemu-system-arm can
# conflict with a backported qemu-utils, and nothing is removed here).
# Prints the cache directory on its last line. Safe to run again.
set -euo pipefail

cache="${CRASHSUITE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/crashsuite}/aarch64"
mkdir -p "$cache"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
apt_get() {
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -qq "$@"
}

if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    echo "aarch64 setup: adding the arm64 architecture to dpkg" >&2
    "${sudo_cmd[@]}" dpkg --add-architecture arm64
    apt_get update
fi

host_packages=(rustc-web cargo-web gcc-aarch64-linux-gnu g++-aarch64-linux-gnu
    libc6-dev-arm64-cross libstdc++6-arm64-cross)
# qemu-system-arm's shared libraries install cleanly; the package itself is
# unpacked below.
mapfile -t qemu_libraries < <(apt-cache depends qemu-system-arm \
    | sed -n 's/^ *Depends: \(lib[^ <]*\)$/\1/p' | sort -u)
host_packages+=("${qemu_libraries[@]}")
missing=()
for package in "${host_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" \
        || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "aarch64 setup: installing ${missing[*]}" >&2
    apt_get update
    apt_get install -y --no-install-recommends "${missing[@]}" >/dev/null
fi

# Downloads a package's .deb into the cache (once) and unpacks it into $2.
unpack() {
    local package=$1 into=$2
    [ -e "$into/.unpacked" ] && return 0
    mkdir -p "$cache/debs" "$into"
    if ! ls "$cache/debs/${package%%:*}"_*.deb >/dev/null 2>&1; then
        echo "aarch64 setup: downloading $package" >&2
        (cd "$cache/debs" && apt-get download -qq "$package" 2>&1 | grep -v "unsandboxed" >&2 || true)
    fi
    for deb in "$cache/debs/${package%%:*}"_*.deb; do
        dpkg-deb -x "$deb" "$into"
    done
    touch "$into/.unpacked"
}

# The arm64 standard library for Debian's rustc, as a private sysroot.
unpack libstd-rust-web-dev:arm64 "$cache/sysroot"
# The guest's shell and tools.
unpack busybox-static:arm64 "$cache/busybox"
# Debian's stock arm64 kernel: the versioned image the meta-package names.
if [ ! -e "$cache/Image" ]; then
    image=$(apt-cache depends linux-image-arm64:arm64 \
        | sed -n 's/^ *Depends: \(linux-image-[0-9][^:]*-arm64\).*/\1/p' | head -n1)
    [ -n "$image" ] || { echo "aarch64 setup: no arm64 kernel package found" >&2; exit 1; }
    unpack "$image:arm64" "$cache/kernel"
    cp "$(ls "$cache"/kernel/boot/vmlinuz-* | head -n1)" "$cache/Image"
fi
# qemu-system-aarch64 and its firmware data, unpacked, not installed.
for package in qemu-system-arm qemu-system-common qemu-system-data; do
    unpack "$package" "$cache/qemu"
done
"$cache/qemu/usr/bin/qemu-system-aarch64" --version >/dev/null
echo "$cache"
