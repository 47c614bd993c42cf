#!/usr/bin/env bash
# memory.sh measures what the real app holds in memory: it starts the
# trustdesk binary in a real window on a virtual X screen (Xvfb) on a home,
# unlocks it with TRUSTDESK_PASSPHRASE, waits until the unlocked window is
# drawn, lets it settle and prints its resident memory from /proc: the total
# (VmRSS), the process's own memory (RssAnon) and file pages (RssFile: the
# binary and shared libraries, among them the software OpenGL driver).
#
# Usage: scripts/memory.sh --home DIR [--binary PATH] [--passphrase P] [--settle SECONDS]
#   --home        the home to open (make memory builds the large one)
#   --binary      the program to start (default ./trustdesk)
#   --passphrase  its passphrase (default "demo", the demo's)
#   --settle      seconds to wait after the window is drawn (default 10)
#
# It reports; it does not judge. Issue 7's target is VmRSS <= 200 MB on the
# demo plus 30 cells of 2,000 statements.
set -euo pipefail

binary=./trustdesk
home=""
passphrase=demo
settle=10
timeout=120
min_colours=64

while (($#)); do
	case "$1" in
	--binary) binary="$2"; shift 2 ;;
	--home) home="$2"; shift 2 ;;
	--passphrase) passphrase="$2"; shift 2 ;;
	--settle) settle="$2"; shift 2 ;;
	*) echo "usage: scripts/memory.sh --home DIR [--binary PATH] [--passphrase P] [--settle SECONDS]" >&2; exit 2 ;;
	esac
done

fail() { printf 'memory measurement FAILED: %s\n' "$*" >&2; exit 1; }

[ -n "$home" ] || fail "no --home given"
[ -d "$home" ] || fail "no home at $home"
[ -x "$binary" ] || fail "no program at $binary; run: make build"
for tool in Xvfb xdpyinfo xwininfo import convert; do
	command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed; run: make deps"
done

# shellcheck source=scripts/xwindow.sh
source "$(dirname "$0")/xwindow.sh"
start_xvfb

TRUSTDESK_PASSPHRASE="$passphrase" "$binary" --home "$home" >"$work/app.log" 2>&1 &
app_pid=$!
app_died() {
	sed 's/^/  | /' "$work/app.log" >&2
	app_pid=""
	fail "$binary exited"
}
wait_for_window

# The window is mapped at once; wait until it shows the unlocked home.
while :; do
	kill -0 "$app_pid" 2>/dev/null || app_died
	if import -window "$window" "$work/shot.png" 2>/dev/null &&
		(($(convert "$work/shot.png" -format %k info:) >= min_colours)); then
		break
	fi
	((SECONDS < deadline)) || fail "the window was not drawn within ${timeout}s"
	sleep 0.2
done
sleep "$settle"
kill -0 "$app_pid" 2>/dev/null || app_died

awk '/^(VmRSS|RssAnon|RssFile|RssShmem|VmHWM):/ { printf "%-9s %5d MB\n", $1, $2 / 1024 }' "/proc/$app_pid/status"
