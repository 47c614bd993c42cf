#!/usr/bin/env bash
# smoke.sh starts the real trustdesk binary in a real window on a virtual
# X screen (Xvfb), waits for the window to appear, takes a screenshot of it
# and checks that something was drawn: a window that stays one flat colour
# (OpenGL failed, the app hung before its first frame) fails the test, and
# so does a data race or a Fyne threading error in the app's output.
#
# Usage: scripts/smoke.sh [--binary PATH] [--home DIR] [--out DIR] [--timeout SECONDS]
#   --binary   the program to start (default ./trustdesk)
#   --home     its data folder (default a new empty temporary folder)
#   --out      folder for the screenshots (default a temporary folder)
#   --timeout  seconds to wait for the window and its first frame (default 60)
#
# Needs Xvfb, xdpyinfo and xwininfo (x11-utils) and ImageMagick's import and convert;
# "make deps" installs them. OpenGL is drawn in software (Mesa llvmpipe).
set -euo pipefail

binary=./trustdesk
home=""
out=""
timeout=60
min_colours=64 # a flat or nearly flat window has a handful

while (($#)); do
	case "$1" in
	--binary) binary="$2"; shift 2 ;;
	--home) home="$2"; shift 2 ;;
	--out) out="$2"; shift 2 ;;
	--timeout) timeout="$2"; shift 2 ;;
	*) echo "usage: scripts/smoke.sh [--binary PATH] [--home DIR] [--out DIR] [--timeout SECONDS]" >&2; exit 2 ;;
	esac
done

fail() { printf 'smoke test FAILED: %s\n' "$*" >&2; exit 1; }

for tool in Xvfb xdpyinfo xwininfo import convert; do
	command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed; run: make deps"
done
[ -x "$binary" ] || fail "no program at $binary; run: make build"

# shellcheck source=scripts/xwindow.sh
source "$(dirname "$0")/xwindow.sh"

if [ -z "$home" ]; then
	home="$work/home"
	mkdir -m 700 "$home"
fi
if [ -z "$out" ]; then
	out="$(mktemp -d "${TMPDIR:-/tmp}/trustdesk-smoke.XXXXXX")"
fi
mkdir -p "$out"

start_xvfb

started=$SECONDS
"$binary" --home "$home" >"$work/app.log" 2>&1 &
app_pid=$!

app_died() {
	printf 'the app stopped early; its output:\n' >&2
	sed 's/^/  | /' "$work/app.log" >&2
	app_pid=""
	if ! kill -0 "$xvfb_pid" 2>/dev/null; then
		fail "Xvfb on $DISPLAY stopped underneath the app (killed from outside?): $(cat "$work/xvfb.log")"
	fi
	fail "$binary exited before its window was drawn"
}

wait_for_window
appeared=$((SECONDS - started))

# Screenshot until the first frame is drawn: many colours, not one flat fill.
shot="$out/welcome.png"
colours=0
while :; do
	kill -0 "$app_pid" 2>/dev/null || app_died
	if import -window "$window" "$work/shot.png" 2>/dev/null; then
		colours="$(convert "$work/shot.png" -format %k info:)"
		((colours >= min_colours)) && break
	fi
	((SECONDS < deadline)) || fail "the window stayed blank ($colours colours) for ${timeout}s"
	sleep 0.5
done
mv "$work/shot.png" "$shot"

# A race-enabled build reports data races on its output; Fyne reports widget
# calls made off the UI goroutine. Either one fails the test.
sleep 1
if grep -q -e 'WARNING: DATA RACE' -e 'Error in Fyne call thread' "$work/app.log"; then
	sed 's/^/  | /' "$work/app.log" >&2
	fail "the app reported a data race or a call off the UI goroutine"
fi
size="$(convert "$shot" -format '%wx%h' info:)"

printf 'smoke test passed: window %s (%s) appeared after %ss with %s colours\n' "$window" "$size" "$appeared" "$colours"
printf 'screenshot: %s\n' "$shot"
