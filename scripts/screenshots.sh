#!/usr/bin/env bash
# screenshots.sh starts the real trustdesk binary in a real window on a
# virtual X screen (Xvfb), on a demo home, walks through every main screen
# the way a person would (mouse clicks and typing through xdotool) and saves
# a PNG of each one:
#
#   01-unlock  02-people  03-legend  04-person  05-meet  06-cells  07-cell
#   08-sync  09-sync-made  10-qr-player  11-receive-preview  12-taken-in
#   13-invitation  14-you  15-card-picture  16-card-picture-file (the
#   picture itself, as saved)  17-guardians-choose
#
# then getting a lost card back: the first-run screen of a new computer
# (18-get-card-back), its temporary card (19-temporary-card), the count
# after one guardian's sync file (20-one-piece-received), and the guardian's
# own You screen with the piece they hold (21-guardian-holds-piece); then,
# with a second guardian's file, her card is back and You offers to replace
# it because the old computer may have been taken (22-card-back-replace),
# asks first (23-replace-question) and says where it was replaced
# (24-card-replaced).
#
# Each screenshot is checked not to be blank (a flat window means OpenGL
# failed or the app hung) and to differ from the one before (a click that
# missed leaves the screen as it was), and the app's output is checked for
# data races and calls off the UI goroutine.
#
# The walk clicks on what the window shows, never at fixed positions: the
# binary is built with the tag screenmap (make screenshots does it), and
# with TRUSTDESK_SCREEN_MAP set it writes, a few times a second, every
# text it draws and where (internal/app/screenmap.go). "click_on TEXT" waits until
# TEXT is on screen and clicks its middle, so a screen whose layout moves
# needs no change here.
#
# Then the main screens again on small screens, where the window must open
# no larger than the screen:
#
#   31-small-*   a 1024×600 laptop screen
#   41-scaled-*  a 1366×768 laptop screen with large text (FYNE_SCALE=1.5)
#   51-laptop-*  a 1280×720 laptop screen
#
#   unlock  people  person  meet  cells  cell  qr-player  sync  you
#
# and last a cell flooded with thousands of votes, on the 1366×768 screen
# with large text: 61-flood-cell and 62-flood-all-votes.
#
# Usage: scripts/screenshots.sh [--binary PATH] [--out DIR] [--timeout SECONDS]
#   --binary   the program to start, built with -tags screenmap (default
#              ./trustdesk)
#   --out      folder for the screenshots (default screenshots)
#   --timeout  seconds to wait for the window and each screen (default 60)
#
# Needs Xvfb, xdotool, xdpyinfo and xwininfo (x11-utils) and ImageMagick's import and
# convert; "make deps" installs them.
set -euo pipefail

binary=./trustdesk
out=screenshots
timeout=${SCREENSHOT_TIMEOUT:-60}
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
# The home of the flooded cell (flood_walk) is made from these files.
fakevotes="$(cd "$(dirname "$0")/../internal/fakevotes/testdata" && pwd)"
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
ines() { TRUSTDESK_PASSPHRASE=ines "$binary" --home "$work/ines" "$@"; }
{
	sam init --name Sam
	sam contact add "$(mara card)" --verified
	mara contact add "$(sam card)" --name Sam --verified
	ines init --name Ines
	ines contact add "$(mara card)" --verified
	mara contact add "$(ines card)" --name Ines --verified
	# Sam's garden, which Mara joins before she chooses guardians.
	sam cell new "Garden"
	sam cell admit "Garden" Mara
	sam export --to Mara --out "$work/garden.tdsync"
	mara import "$work/garden.tdsync"
	mara cell join "Garden"
	# Mara's guardians; Sam's piece reaches him and his answer says so.
	# Sam goes on in the garden, after Mara named her guardians there.
	mara guardians set Sam Ines Bea Noor --need 2
	mara export --to Sam --out "$work/piece-for-sam.tdsync"
	sam import "$work/piece-for-sam.tdsync"
	sam rate Mara --safety 5 --reliability 5 --cell Garden
	sam export --to Mara --out "$work/sam-holds-it.tdsync"
	mara import "$work/sam-holds-it.tdsync"
	mara export --to Ines --out "$work/piece-for-ines.tdsync"
	ines import "$work/piece-for-ines.tdsync"
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
map="$work/screen.map"
export TRUSTDESK_SCREEN_MAP="$map"

(cd "$inbox" && HOME="$inbox" exec "$binary" --home "$home") >"$work/app.log" 2>&1 &
app_pid=$!

app_died() {
	printf 'the app stopped early; its output:\n' >&2
	sed 's/^/  | /' "$work/app.log" >&2
	app_pid=""
	fail "$binary exited"
}

wait_for_window

# find_text TEXT prints where TEXT is drawn in the window, as "X Y", once it is
# there: on the topmost layer that shows it (a dialog before the screen
# under it). TEXT ending in * matches any text that starts with the rest.
find_text() {
	local text="$1" xy deadline=$((SECONDS + timeout))
	while :; do
		kill -0 "$app_pid" 2>/dev/null || app_died
		xy="$(awk -F '\t' -v want="$text" '
			{ hit = (substr(want, length(want)) == "*") ? index($4, substr(want, 1, length(want) - 1)) == 1 : $4 == want }
			hit && (xy == "" || $1 > layer) { layer = $1; xy = $2 " " $3 }
			END { if (xy != "") print xy }' "$map" 2>/dev/null || true)"
		[ -n "$xy" ] && break
		if ((SECONDS >= deadline)); then
			printf 'what the window shows (layer, x, y, text):\n' >&2
			sed 's/^/  | /' "$map" >&2 || true
			fail "\"$text\" did not appear on the screen within ${timeout}s"
		fi
		sleep 0.2
	done
	echo "$xy"
}

# click_on TEXT [SECONDS] waits until TEXT is drawn in the window (see
# find_text) and clicks its middle, then waits SECONDS (default 0.8).
click_on() {
	local xy
	xy="$(find_text "$1")"
	xdotool mousemove --window "$window" ${xy% *} ${xy#* } click 1
	sleep "${2:-0.8}"
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
	[ "$sum" != "$previous" ] || fail "$name: the screen did not change since the last picture (a click missed)"
	previous="$sum"
	mv "$work/shot.png" "$out/$name.png"
	printf '  %s.png (%s colours)\n' "$name" "$colours"
}

# pause_player pauses the moving QR codes, so the picture is still: it
# clicks Pause once the player is drawn and waits until the button says
# Play. (The space bar, pressed after a fixed wait, was lost when the
# player took longer to open on a loaded machine, and the picture then
# "kept changing".)
pause_player() {
	click_on "Pause" 0.3
	find_text "Play" >/dev/null
	sleep 0.5
}

# unlock types the demo passphrase (or the one given) into the unlock
# screen's field, which has the keyboard, and waits for the People screen.
unlock() {
	find_text "Unlock" >/dev/null # the screen is there; its field has the keyboard
	xdotool type --delay 40 "${1:-demo}"
	xdotool key Return
	find_text "Search by name" >/dev/null
	sleep 1
}

echo "screenshots of the real window into $out/:"
shot 01-unlock
unlock
shot 02-people

# The legend of the bars, then a person from the list.
click_on "What the bars mean"
shot 03-legend
click_on "Close"
click_on "Amir" 1.5
shot 04-person
click_on "Back"
click_on "Meet in person"
shot 05-meet
click_on "Cells"
shot 06-cells

# Night market stalls: the cell with an exclusion.
click_on "Night market stalls"
shot 07-cell

click_on "Sync"
shot 08-sync

# A sync file for everyone in that cell, made from the cell's page, then
# its moving QR codes (paused so the picture is still; Escape closes the
# player).
click_on "Cells"
click_on "Make a sync file for this cell" 2
shot 09-sync-made
click_on "Show as QR codes" 1
pause_player
shot 10-qr-player
xdotool key Escape
sleep 0.8

# Sam's sync file: Open a file, pick it in the file dialog, see what it
# brings, take it in; it invites Mara to Sam's cell.
click_on "Open a file…" 2
click_on "sync-fro*" 0.5 # the file dialog breaks the name over lines
click_on "Open" 4
shot 11-receive-preview
click_on "Take it in" 4
shot 12-taken-in
click_on "Cells"
click_on "Book club" 1
shot 13-invitation

# You, and my card saved as a picture (into the folder the app started in).
click_on "You" 1.5
shot 14-you
click_on "Save my card as a picture…" 2
click_on "Save" 2
shot 15-card-picture
[ -s "$inbox/my-trustdesk-card.png" ] || fail "the card picture was not saved"
cp "$inbox/my-trustdesk-card.png" "$out/16-card-picture-file.png"
printf '  16-card-picture-file.png (the picture saved)\n'
click_on "OK"

# Choosing guardians: the question, then Cancel.
click_on "Choose guardians…" 2
shot 17-guardians-choose
click_on "Cancel"

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
	rm -f "$map"
	(cd "$inbox" && HOME="$inbox" exec "$binary" --home "$1") >"$work/app.log" 2>&1 &
	app_pid=$!
	wait_for_window
}

# unlock_as PASSPHRASE types it into the unlock screen, then opens You.
unlock_as() {
	find_text "Unlock" >/dev/null # the screen is there; its field has the keyboard
	xdotool type --delay 40 "$1"
	xdotool key Return
	click_on "You" 1.5
}

# Mara lost her computer. On a new one, the first-run screen's third
# choice makes a temporary card; Sam, one of her guardians, compares the
# safety code with her (each verifies the other's card) and gives it his
# recovery piece in a sync file; the
# app counts it. Then Sam's own You screen, with the piece he holds.
lost="$work/lost"
restart_app "$lost"
click_on "Get my card back" 1
shot 18-get-card-back
click_on "The name your guardians know you by" 0.3
xdotool type --delay 40 Mara
click_on "A few words you can remember" 0.3
xdotool type --delay 40 "a new laptop"
click_on "The same passphrase again" 0.3
xdotool type --delay 40 "a new laptop"
xdotool key Return
find_text "Your temporary card*" >/dev/null
shot 19-temporary-card
check_log
stop_xvfb
{
	temp="$(TRUSTDESK_PASSPHRASE="a new laptop" "$binary" --home "$lost" card)"
	sam guardians release "$temp" --out "$work/release.tdsync" --yes
	TRUSTDESK_PASSPHRASE="a new laptop" "$binary" --home "$lost" contact add "$(sam card)" --verified
	TRUSTDESK_PASSPHRASE="a new laptop" "$binary" --home "$lost" import "$work/release.tdsync"
} >"$work/release.log" 2>&1 || {
	cat "$work/release.log" >&2
	fail "Sam could not give Mara his recovery piece"
}
grep -q "1 received" "$work/release.log" || fail "the piece did not count: $(cat "$work/release.log")"
restart_app "$lost"
unlock_as "a new laptop"
shot 20-one-piece-received
check_log
restart_app "$sam"
unlock_as sam
shot 21-guardian-holds-piece
check_log

# Ines gives Mara her piece too: the card is back, and Sam's garden comes
# back through his sync file. If the old computer was taken, Mara replaces
# her card.
stop_xvfb
{
	ines guardians release "$temp" --out "$work/release-ines.tdsync" --yes
	TRUSTDESK_PASSPHRASE="a new laptop" "$binary" --home "$lost" contact add "$(ines card)" --verified
	TRUSTDESK_PASSPHRASE="a new laptop" "$binary" --home "$lost" import "$work/release-ines.tdsync"
	sam export --cell Garden --out "$work/garden-back.tdsync"
	TRUSTDESK_PASSPHRASE="a new laptop" "$binary" --home "$lost" import "$work/garden-back.tdsync"
} >"$work/release2.log" 2>&1 || {
	cat "$work/release2.log" >&2
	fail "Ines could not give Mara her recovery piece"
}
grep -q "your card is back" "$work/release2.log" || fail "the card did not come back: $(cat "$work/release2.log")"
restart_app "$lost"
unlock_as "a new laptop"
find_text "If your old computer was taken" >/dev/null
shot 22-card-back-replace
click_on "Replace my card…" 1
shot 23-replace-question
click_on "Replace my card" 2
find_text "Your card was replaced" >/dev/null
shot 24-card-replaced
click_on "OK"
check_log

# small_walk SCREEN SCALE FIRST TAG starts the app again on a virtual
# screen of SCREEN pixels with FYNE_SCALE=SCALE, checks that the window
# fits on it, and saves the main screens as FIRST-TAG-unlock.png and on.
small_walk() {
	local screen="$1" scale="$2" n="$3" tag="$4" geometry
	stop_xvfb
	start_xvfb "$screen"
	rm -f "$map"
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
	unlock
	step people
	click_on "Amir" 1.5
	step person
	click_on "Back"
	click_on "Meet in person"
	step meet
	click_on "Cells"
	step cells
	click_on "Night market stalls"
	step cell
	click_on "Make a sync file for this cell" 2
	click_on "Show as QR codes" 1
	pause_player
	step qr-player
	xdotool key Escape
	sleep 0.8
	click_on "Sync"
	step sync
	click_on "You" 1.5
	step you
	check_log
}

small_walk 1024x600 1 31 small
small_walk 1366x768 1.5 41 scaled
small_walk 1280x720 1 51 laptop

# A cell flooded with votes (issue 12): Mara of internal/fakevotes, in a
# cell where a member admitted 2,500 fakes who each vote, on the 1366×768
# screen with large text. The page opens on the votes that concern her
# and the people (61-flood-cell); every vote is one button away
# (62-flood-all-votes).
flood="$work/flood"
flood_walk() {
	local fv="$fakevotes"
	fakes() { TRUSTDESK_PASSPHRASE=votes "$binary" --home "$flood" "$@"; }
	{
		fakes restore "$fv/mara.backup"
		fakes import "$fv/night-market.tdsync"
		fakes cell join "Night market"
		fakes cell exclude "Night market" "Fake 1250"
		fakes cell policy "Night market" --admit-vouches 3 --exclude-quorum 7
	} >"$work/flood.log" 2>&1 || {
		cat "$work/flood.log" >&2
		fail "could not make the home of the flooded cell"
	}
	stop_xvfb
	start_xvfb 1366x768
	rm -f "$map"
	(cd "$inbox" && HOME="$inbox" FYNE_SCALE=1.5 exec "$binary" --home "$flood") >"$work/app.log" 2>&1 &
	app_pid=$!
	wait_for_window
	unlock votes
	click_on "Cells" 2
	find_text "Night market" >/dev/null
	shot 61-flood-cell
	click_on "Show all 5,001 open votes" 1.5
	shot 62-flood-all-votes
	check_log
}
flood_walk

echo "done: $(find "$out" -name '[0-9][0-9]-*.png' | wc -l) screenshots in $out/"
