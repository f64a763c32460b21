#!/usr/bin/env bash
# Installs and caches what the aarch64 tier needs, all from Debian by package
# name: the cross toolchain (Debian's rustc 1.96 with the arm64 standard
# library as a private sysroot, gcc-aarch64-linux-gnu, the cross glibc), and
# for the virtual machine Debian's arm64 kernel, busybox-static:arm64 and
# qemu-system-aarch64 (unpacked privately: installing qemu-system-arm can
# conflict with a backported qemu-utils, and nothing is removed here).
# Prints the cache directory on its last line. Safe to run again.
set -euo pipefail
source "$(dirname "$0")/../lib/apt.sh"
APT_WHO="aarch64 setup"

cache="${CRASHSUITE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/crashsuite}/aarch64"
mkdir -p "$cache"
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    echo "aarch64 setup: adding the arm64 architecture to dpkg" >&2
    as_root dpkg --add-architecture arm64
    apt_get update
fi

host_packages=(rustc-web cargo-web gcc-aarch64-linux-gnu g++-aarch64-linux-gnu
    libc6-dev-arm64-cross libstdc++6-arm64-cross)
# qemu-system-arm's shared libraries install cleanly; the package itself is
# unpacked below.
mapfile -t qemu_libraries < <(apt-cache depends qemu-system-arm \
    | sed -n 's/^ *Depends: \(lib[^ <]*\)$/\1/p' | sort -u)
host_packages+=("${qemu_libraries[@]}")
apt_install_missing "${host_packages[@]}"

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
