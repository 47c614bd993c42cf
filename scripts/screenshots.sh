#!/usr/bin/env bash
# screenshots.sh starts the real trustdesk binary in a real window on a
# virtual X screen (Xvfb), on a demo home, walks through every main screen
# the way a person would (mouse clicks and typing through xdotool) and saves
# a PNG of each one:
#
#   01-unlock  02-people  03-person  04-meet  05-cells  06-cell  07-sync
#   08-sync-made  09-qr-player  10-receive-preview  11-taken-in  12-you
#   13-guardians-choose
#
# then getting a lost card back: the first-run screen of a new computer
# (14-get-card-back), its temporary card (15-temporary-card), the count
# after one guardian's sync file (16-one-piece-received), and the guardian's
# own You screen with the piece they hold (17-guardian-holds-piece).
#
# Each screenshot is checked not to be blank (a flat window means OpenGL
# failed or the app hung) and to differ from the one before (a click that
# missed leaves the screen as it was), and the app's output is checked for
# data races and calls off the UI goroutine. The clicks go to positions in a
# window of the size the app opens with, 1040×720; when a screen moves,
# update the positions below and look at the pictures again.
#
# Then the main screens again on small screens, where the window must open
# no larger than the screen:
#
#   21-small-*   a 1024×600 laptop screen
#   31-scaled-*  a 1366×768 laptop screen with large text (FYNE_SCALE=1.5)
#
#   unlock  people  person  meet  cells  cell  qr-player  sync  you
#
# Usage: scripts/screenshots.sh [--binary PATH] [--out DIR] [--timeout SECONDS]
#   --binary   the program to start (default ./trustdesk)
#   --out      folder for the screenshots (default screenshots)
#   --timeout  seconds to wait for the window and each screen (default 60)
#
# Needs Xvfb, xdotool, xdpyinfo and xwininfo (x11-utils) and ImageMagick's import and
# convert; "make deps" installs them.
set -euo pipefail

binary=./trustdesk
out=screenshots
timeout=60
min_colours=64

while (($#)); do
	case "$1" in
	--binary) binary="$2"; shift 2 ;;
	--out) out="$2"; shift 2 ;;
	--timeout) timeout="$2"; shift 2 ;;
	*) echo "usage: scripts/screenshots.sh [--binary PATH] [--out DIR] [--timeout SECONDS]" >&2; exit 2 ;;
	esac
done

fail() { printf 'screenshots FAILED: %s\n' "$*" >&2; exit 1; }

for tool in Xvfb xdpyinfo xdotool xwininfo import convert; do
	command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed; run: make deps"
done
[ -x "$binary" ] || fail "no program at $binary; run: make build"
binary="$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")"

# shellcheck source=scripts/xwindow.sh
source "$(dirname "$0")/xwindow.sh"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
rm -f "$out"/[0-9][0-9]-*.png

# The demo world, seen by Mara, and Sam, a newcomer who founds a book club,
# admits Mara and leaves her a sync file in the folder the app starts in
# (its home folder too, where the file dialog opens): the Receive screen
# shows what it would change.
home="$work/mara"
sam="$work/sam"
inbox="$work/inbox"
mkdir "$inbox"
cd "$work"
echo "making the demo world..."
TRUSTDESK_PASSPHRASE=demo "$binary" --home "$home" demo >"$work/demo.log" 2>&1 || {
	cat "$work/demo.log" >&2
	fail "the demo command failed"
}
mara() { TRUSTDESK_PASSPHRASE=demo "$binary" --home "$home" "$@"; }
sam() { TRUSTDESK_PASSPHRASE=sam "$binary" --home "$sam" "$@"; }
{
	sam init --name Sam
	sam contact add "$(mara card)" --verified
	mara contact add "$(sam card)" --name Sam --verified
	# Mara's guardians; Sam's piece reaches him and his answer says so.
	mara guardians set Sam Bea Noor --need 2
	mara export --to Sam --out "$work/piece-for-sam.tdsync"
	sam import "$work/piece-for-sam.tdsync"
	sam export --to Mara --out "$work/sam-holds-it.tdsync"
	mara import "$work/sam-holds-it.tdsync"
	sam cell new "Book club"
	sam cell admit "Book club" Mara
	sam rate Mara --safety 5 --reliability 4 --note "lent me three books, all back on time" --day 2026-11-02
	sam export --to Mara --out "$inbox/sync-from-sam.tdsync"
} >"$work/world.log" 2>&1 || {
	cat "$work/world.log" >&2
	fail "could not make Sam's sync file"
}

start_xvfb
unset TRUSTDESK_PASSPHRASE

(cd "$inbox" && HOME="$inbox" exec "$binary" --home "$home") >"$work/app.log" 2>&1 &
app_pid=$!

app_died() {
	printf 'the app stopped early; its output:\n' >&2
	sed 's/^/  | /' "$work/app.log" >&2
	app_pid=""
	fail "$binary exited"
}

wait_for_window

# click X Y clicks at a position inside the window.
click() {
	xdotool mousemove --window "$window" "$1" "$2" click 1
	sleep "${3:-0.8}"
}

# shot NAME saves the window as NAME.png once it is drawn and has stopped
# changing for a moment; it fails if the picture is the previous one.
previous=""
shot() {
	local name="$1" colours=0 last="" sum
	local deadline=$((SECONDS + timeout))
	while :; do
		kill -0 "$app_pid" 2>/dev/null || app_died
		if import -window "$window" "$work/shot.png" 2>/dev/null; then
			colours="$(convert "$work/shot.png" -format %k info:)"
			sum="$(md5sum <"$work/shot.png")"
			if ((colours >= min_colours)) && [ "$sum" = "$last" ]; then
				break
			fi
			last="$sum"
		fi
		((SECONDS < deadline)) || fail "$name: the window stayed blank or kept changing ($colours colours)"
		sleep 0.5
	done
	[ "$sum" != "$previous" ] || fail "$name: the screen did not change since the last picture (a click missed; update its position)"
	previous="$sum"
	mv "$work/shot.png" "$out/$name.png"
	printf '  %s.png (%s colours)\n' "$name" "$colours"
}

echo "screenshots of the real window into $out/:"
shot 01-unlock

# Unlock: the passphrase field is focused.
click 520 396 0.2
xdotool type --delay 40 demo
xdotool key Return
sleep 4
shot 02-people

# Tabs down the left side; a person from the list.
click 300 120 1.5
shot 03-person
click 40 20
click 60 130 1.5
shot 04-meet
click 60 210
shot 05-cells

# Night market stalls: the cell with an exclusion.
click 250 180
shot 06-cell

click 60 295
shot 07-sync

# A sync file for everyone in that cell, made from the cell's page, then
# its moving QR codes (paused with the space bar so the picture is still;
# Escape closes the player).
click 60 210
click 516 216 2
shot 08-sync-made
click 580 400 4
xdotool key space
shot 09-qr-player
xdotool key Escape
sleep 0.8

# Sam's sync file: Open a file, pick it in the file dialog, see what it
# brings, take it in.
click 400 521 2
click 415 225 0.5
click 884 617 4
shot 10-receive-preview
click 276 691 4
shot 11-taken-in

click 60 380 1.5
shot 12-you

# Choosing guardians: the question, then Cancel.
click 220 567 2
shot 13-guardians-choose
click 557 560

# check_log fails if the app reported a data race or a call off the UI
# goroutine.
check_log() {
	sleep 1
	if grep -q -e 'WARNING: DATA RACE' -e 'Error in Fyne call thread' "$work/app.log"; then
		sed 's/^/  | /' "$work/app.log" >&2
		fail "the app reported a data race or a call off the UI goroutine"
	fi
}
check_log

# restart_app HOME starts the app again, on a new virtual screen, on HOME.
restart_app() {
	stop_xvfb
	start_xvfb
	(cd "$inbox" && HOME="$inbox" exec "$binary" --home "$1") >"$work/app.log" 2>&1 &
	app_pid=$!
	wait_for_window
}

# unlock_as PASSPHRASE types it into the unlock screen, then opens You.
unlock_as() {
	click 520 396 0.2
	xdotool type --delay 40 "$1"
	xdotool key Return
	sleep 15
	click 60 380 1.5
}

# Mara lost her computer. On a new one, the first-run screen's third
# choice makes a temporary card; Sam, one of her guardians, compares the
# safety code with her and gives it his recovery piece in a sync file; the
# app counts it. Then Sam's own You screen, with the piece he holds.
lost="$work/lost"
restart_app "$lost"
click 660 317 1
shot 14-get-card-back
click 570 453 0.3
xdotool type --delay 40 Mara
click 560 492 0.3
xdotool type --delay 40 "a new laptop"
click 560 531 0.3
xdotool type --delay 40 "a new laptop"
xdotool key Return
sleep 4
shot 15-temporary-card
check_log
stop_xvfb
{
	temp="$(TRUSTDESK_PASSPHRASE="a new laptop" "$binary" --home "$lost" card)"
	sam guardians release "$temp" --out "$work/release.tdsync" --yes
	TRUSTDESK_PASSPHRASE="a new laptop" "$binary" --home "$lost" import "$work/release.tdsync"
} >"$work/release.log" 2>&1 || {
	cat "$work/release.log" >&2
	fail "Sam could not give Mara his recovery piece"
}
grep -q "1 received" "$work/release.log" || fail "the piece did not count: $(cat "$work/release.log")"
restart_app "$lost"
unlock_as "a new laptop"
shot 16-one-piece-received
check_log
restart_app "$sam"
unlock_as sam
shot 17-guardian-holds-piece
check_log

# small_walk SCREEN SCALE FIRST TAG X Y starts the app again on a virtual
# screen of SCREEN pixels with FYNE_SCALE=SCALE, checks that the window
# fits on it, and saves the main screens as FIRST-TAG-unlock.png and on.
# The positions are those of the walk above, times SCALE: the screens keep
# their places from the top left as the window narrows. Only "Show as QR
# codes" moves with the width of the Sync screen; it is at X, Y (before
# scaling). Sam's cell, taken in above, now heads the list of cells.
small_walk() {
	local screen="$1" n="$3" tag="$4" show_x="$5" show_y="$6" geometry
	scale="$2"
	stop_xvfb
	start_xvfb "$screen"
	(cd "$inbox" && HOME="$inbox" FYNE_SCALE="$scale" exec "$binary" --home "$home") >"$work/app.log" 2>&1 &
	app_pid=$!
	wait_for_window
	geometry="$(xwininfo -id "$window" | awk '/Width:/ { w = $2 } /Height:/ { h = $2 } END { print w "x" h }')"
	echo "on a ${screen} screen with FYNE_SCALE=${scale}: the window is ${geometry}"
	if ((${geometry%x*} > ${screen%x*} || ${geometry#*x} > ${screen#*x})); then
		fail "the window (${geometry}) is larger than the ${screen} screen"
	fi
	step() { n=$((n + 1)); shot "$(printf '%02d' "$n")-$tag-$1"; }
	n=$((n - 1))
	step unlock
	xdotool type --delay 40 demo
	xdotool key Return
	sleep 4
	step people
	sclick 300 120 1.5
	step person
	sclick 40 20
	sclick 60 130 1.5
	step meet
	sclick 60 210
	step cells
	sclick 250 240
	step cell
	sclick 500 216 2
	sclick "$show_x" "$show_y" 4
	xdotool key space
	step qr-player
	xdotool key Escape
	sleep 0.8
	sclick 60 295
	step sync
	sclick 60 380 1.5
	step you
	check_log
}

# sclick X Y clicks at X, Y times the scale.
sclick() {
	click "$(awk -v v="$1" -v s="$scale" 'BEGIN { printf "%d", v * s }')" \
		"$(awk -v v="$2" -v s="$scale" 'BEGIN { printf "%d", v * s }')" "${3:-0.8}"
}

small_walk 1024x600 1 21 small 573 401
small_walk 1366x768 1.5 31 scaled 517 401

echo "done: $(find "$out" -name '[0-9][0-9]-*.png' | wc -l) screenshots in $out/"
