# xwindow.sh is sourced by smoke.sh and screenshots.sh: a virtual X screen
# (Xvfb) and the real trustdesk window on it. The sourcing script defines
# fail MESSAGE and app_died (what to say when the app exits early) and sets
# timeout (seconds); this file creates $work (removed on exit, with Xvfb and
# the app stopped) and provides:
#
#   start_xvfb [WxH] start Xvfb on a free display with a screen of W×H
#                    pixels (default 1280x800), export DISPLAY, set deadline
#   stop_xvfb        stop the app and Xvfb, so start_xvfb can start another
#   wait_for_window  wait for a viewable window titled "trustdesk"; sets window
#
# The app is started by the sourcing script, which keeps its pid in app_pid.

work="$(mktemp -d)"
xvfb_pid=""
app_pid=""
xwindow_cleanup_processes() {
	[ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null && wait "$app_pid" 2>/dev/null
	[ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null && wait "$xvfb_pid" 2>/dev/null
	app_pid=""
	xvfb_pid=""
	return 0
}
xwindow_cleanup() {
	xwindow_cleanup_processes
	rm -rf "$work"
	return 0
}
trap xwindow_cleanup EXIT
trap 'exit 130' INT TERM

start_xvfb() {
	# Xvfb picks a free display number itself and writes it to file descriptor 3.
	# -noreset: by default Xvfb resets itself when its last client leaves
	# (xdpyinfo below, each xwininfo), and a client that connects during the
	# reset cannot open the display; under load the app did ("X11: Failed to
	# open display") and the smoke test failed.
	rm -f "$work/display"
	Xvfb -displayfd 3 -screen 0 "${1:-1280x800}x24" -nolisten tcp -noreset 3>"$work/display" 2>"$work/xvfb.log" &
	xvfb_pid=$!
	deadline=$((SECONDS + timeout))
	until [ -s "$work/display" ]; do
		kill -0 "$xvfb_pid" 2>/dev/null || fail "Xvfb did not start: $(cat "$work/xvfb.log")"
		((SECONDS < deadline)) || fail "Xvfb did not start within ${timeout}s"
		sleep 0.1
	done
	export DISPLAY=":$(head -n1 "$work/display")"
	export LIBGL_ALWAYS_SOFTWARE=1 # Mesa llvmpipe: no GPU needed
	unset WAYLAND_DISPLAY
	until xdpyinfo >/dev/null 2>&1; do
		kill -0 "$xvfb_pid" 2>/dev/null || fail "Xvfb on $DISPLAY stopped: $(cat "$work/xvfb.log")"
		((SECONDS < deadline)) || fail "Xvfb on $DISPLAY does not answer"
		sleep 0.1
	done
}

stop_xvfb() {
	xwindow_cleanup_processes
}

wait_for_window() {
	window=""
	while [ -z "$window" ]; do
		kill -0 "$app_pid" 2>/dev/null || app_died
		((SECONDS < deadline)) || fail "no trustdesk window appeared within ${timeout}s"
		for id in $(xwininfo -root -children 2>/dev/null | awk '/"trustdesk"/ { print $1 }'); do
			if xwininfo -id "$id" 2>/dev/null | grep -q 'Map State: IsViewable'; then
				window="$id"
				break
			fi
		done
		[ -n "$window" ] || sleep 0.2
	done
}
