#!/bin/busybox sh
# The emulated machine's init: mount the kernel's file systems, run the
# trials the host listed in /crashsuite/trials one after another, send back
# what each left over the console, and power off. The lines starting with
# @@crashsuite are the protocol crashsuite::vm::console reads.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# /tmp stays the initramfs's own (writable, in memory): the executables sit
# at their host paths, which may lie under /tmp (a target directory there).
echo "@@crashsuite booted"

# Centiseconds since boot. /proc/uptime has two decimals; "1${frac} - 100"
# keeps a fraction such as "08" from reading as octal (and "0.98" as "098").
uptime_cs() {
    read -r up _ < /proc/uptime
    echo $((${up%.*} * 100 + 1${up#*.} - 100))
}

# send TRIAL FILE NAME: the file, gzipped and base64-encoded, if it exists.
send() {
    [ -f "$2" ] || return 0
    echo "@@crashsuite trial $1 file $3"
    gzip -c "$2" | base64
    echo "@@crashsuite end"
}

# trial N DIR FINAL GRACE_MS SETTLE_MS: runs monitor_N (when defined), then
# case_N (which runs the case under its deadline), waits up to GRACE_MS for a
# .dmp in FINAL, then SETTLE_MS more for any later one, and sends the run
# directory DIR back. DIR is the host's run directory for the trial, so that
# paths in the dump name the host's copies.
trial() {
    n=$1 dir=$2 final=$3 grace=$4 settle=$5
    mkdir -p "$final"
    chmod 700 "$dir" "$dir/dumps" "$final"
    monitor=none
    if type "monitor_$n" >/dev/null 2>&1; then
        "monitor_$n" > "$dir/monitor.out" 2>/dev/null < /dev/null &
        monitor=$!
        waited=0
        while ! grep -q '"ready"' "$dir/monitor.out" 2>/dev/null && [ $waited -lt 1000 ]; do
            usleep 10000
            waited=$((waited + 1))
        done
    fi
    started=$(uptime_cs)
    "case_$n" < /dev/null > /dev/null 2> "$dir/stderr"
    status=$?
    ended=$(uptime_cs)
    waited=0
    while ! ls "$final"/*.dmp > /dev/null 2>&1 && [ $waited -lt "$grace" ]; do
        usleep 10000
        waited=$((waited + 10))
    done
    if ls "$final"/*.dmp > /dev/null 2>&1; then
        usleep $((settle * 1000))
    fi
    handler=alive
    if [ "$monitor" = none ]; then
        handler=none
    elif ! kill -0 "$monitor" 2>/dev/null; then
        wait "$monitor"
        handler="exit:$?"
    fi
    # Everything but init: the monitor and whatever the case left running.
    kill -9 -1 2>/dev/null
    # Every file the trial left: truth record, stderr, monitor events,
    # dumps, and what the case wrote beside them (a dlopen'd plugin).
    for file in $(find "$dir" -type f); do
        send "$n" "$file" "${file#"$dir"/}"
    done
    echo "@@crashsuite trial $n end $status $((ended - started)) $handler"
    rm -rf "$dir"
}

. /crashsuite/trials
echo "@@crashsuite done"
poweroff -f
