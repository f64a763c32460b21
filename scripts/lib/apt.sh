# Debian package installs shared by the set-up scripts; source it.
# Waits for another apt or dpkg to finish rather than failing on its lock,
# and retries a failed download (mirrors have bad minutes).

_apt_sudo=()
[ "$(id -u)" -eq 0 ] || _apt_sudo=(sudo)

# apt-get with the given arguments, quietly, as root, up to three tries.
apt_get() {
    local try
    for try in 1 2 3; do
        if "${_apt_sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -qq \
            -o DPkg::Lock::Timeout=600 "$@"; then
            return 0
        fi
        echo "apt-get $1 failed (try $try of 3)" >&2
        sleep $((try * 10))
    done
    return 1
}

# Installs those of the named packages that are not installed yet, after one
# `apt-get update`; prints what it installs, prefixed with $APT_WHO.
apt_install_missing() {
    local package missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" \
            || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "${APT_WHO:-setup}: installing ${missing[*]}" >&2
    apt_get update
    apt_get install -y --no-install-recommends "${missing[@]}" >/dev/null
}

# Runs a command as root (dpkg --add-architecture and the like).
as_root() {
    "${_apt_sudo[@]}" "$@"
}
