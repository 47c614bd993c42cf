#!/usr/bin/env bash
# deps.sh installs what building and testing trustdesk needs and is missing.
#
# On Debian and Ubuntu it installs, with apt-get (through sudo unless run
# as root), the C compiler and the X11/OpenGL headers that Fyne compiles
# against, the tools the tests use (Xvfb and friends for the real-window
# smoke test, zbarimg and age for interoperability tests) and, when no Go
# 1.21 or newer is on PATH, the official Go release into
# ~/.local/share/trustdesk/go (the Makefile puts it on PATH). Go itself then
# fetches the exact toolchain go.mod asks for. Finally it downloads the Go
# modules.
#
# On macOS it installs nothing: it checks for the Xcode command-line tools
# (which bring the compiler and OpenGL) and for Go, and says what to do.
#
# Usage: scripts/deps.sh [--check]
#   --check  only list what is missing; exit 1 if anything is
set -euo pipefail

check_only=false
case "${1:-}" in
	--check) check_only=true ;;
	"") ;;
	*) echo "usage: scripts/deps.sh [--check]" >&2; exit 2 ;;
esac

cd "$(dirname "$0")/.."

# The Go release installed when none is usable; any 1.26.x satisfies go.mod.
GO_BOOTSTRAP=1.26.8
LOCAL_GO="${HOME}/.local/share/trustdesk/go"

# Debian/Ubuntu packages, grouped by what needs them. All exist in Debian 12
# (bookworm) and Ubuntu 22.04/24.04.
BUILD_PACKAGES=(
	gcc libc6-dev pkg-config                 # cgo: Fyne, automerge-go
	libgl1-mesa-dev                          # OpenGL headers and gl.pc
	libx11-dev libxcursor-dev libxrandr-dev  # GLFW's X11 backend
	libxinerama-dev libxi-dev libxxf86vm-dev libxext-dev
	xz-utils                                 # make package writes .tar.xz
)
TEST_PACKAGES=(
	xvfb libgl1-mesa-dri                     # smoke test: virtual screen, software OpenGL
	x11-utils xdotool imagemagick            # find the window, click, take screenshots
	zbar-tools                               # zbarimg reads our QR codes
	age                                      # the age command line reads our sync files
)
BOOTSTRAP_PACKAGES=(curl ca-certificates tar)

say() { printf '%s\n' "$*"; }

# go_usable reports whether a Go on PATH can build this module, fetching the
# toolchain go.mod names if it is older (toolchain switching needs 1.21+).
go_usable() {
	command -v go >/dev/null 2>&1 || return 1
	local v minor
	v="$(go env GOVERSION 2>/dev/null)" || return 1 # e.g. go1.26.8
	v="${v#go}"
	[[ "$v" =~ ^1\.([0-9]+) ]] || return 1
	minor="${BASH_REMATCH[1]}"
	((minor >= 21))
}

export PATH="${LOCAL_GO}/bin:${PATH}"

case "$(uname -s)" in
Darwin)
	ok=true
	if ! xcode-select -p >/dev/null 2>&1; then
		say "missing: the Xcode command-line tools; install them with: xcode-select --install"
		ok=false
	fi
	if ! go_usable; then
		say "missing: Go 1.21 or newer; install it from https://go.dev/dl/ or with: brew install go"
		ok=false
	fi
	$ok || exit 1
	$check_only && exit 0
	say "macOS: nothing to install (the real-window smoke test needs Xvfb and runs on Linux only)"
	go mod download
	exit 0
	;;
Linux) ;;
*)
	say "$(uname -s) is not supported: trustdesk builds on Linux and macOS"
	exit 1
	;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
	say "this is not Debian or Ubuntu: install with your package manager the equivalents of"
	say "  ${BUILD_PACKAGES[*]} ${TEST_PACKAGES[*]}"
	go_usable || { say "and Go 1.21 or newer from https://go.dev/dl/"; exit 1; }
	$check_only || go mod download
	exit 0
fi

wanted=("${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}")
go_usable || wanted+=("${BOOTSTRAP_PACKAGES[@]}")

# One dpkg-query for all packages: those not reported as installed are missing.
installed="$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${wanted[@]}" 2>/dev/null |
	awk '$2 == "installed" { sub(/:.*/, "", $1); print $1 }' || true)"
missing=()
for p in "${wanted[@]}"; do
	grep -qxF "$p" <<<"$installed" || missing+=("$p")
done

if $check_only; then
	((${#missing[@]} == 0)) || say "missing packages: ${missing[*]}"
	go_usable || say "missing: Go 1.21 or newer"
	((${#missing[@]} == 0)) && go_usable
	exit
fi

if ((${#missing[@]} > 0)); then
	say "installing: ${missing[*]}"
	SUDO=""
	if [ "$(id -u)" != 0 ]; then
		command -v sudo >/dev/null 2>&1 || {
			say "run as root or install sudo: apt-get needs administrator rights"
			exit 1
		}
		SUDO="sudo"
	fi
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -q
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
else
	say "system packages: all present"
fi

if ! go_usable; then
	case "$(uname -m)" in
	x86_64 | amd64) arch=amd64 ;;
	aarch64 | arm64) arch=arm64 ;;
	*) say "no Go release for $(uname -m): install Go 1.21 or newer yourself"; exit 1 ;;
	esac
	file="go${GO_BOOTSTRAP}.linux-${arch}.tar.gz"
	say "installing Go ${GO_BOOTSTRAP} into ${LOCAL_GO}"
	tmp="$(mktemp -d)"
	trap 'rm -rf "$tmp"' EXIT
	curl -fsSL --retry 3 -o "${tmp}/${file}" "https://dl.google.com/go/${file}"
	want="$(curl -fsSL --retry 3 "https://dl.google.com/go/${file}.sha256" | cut -d' ' -f1)"
	got="$(sha256sum "${tmp}/${file}" | cut -d' ' -f1)"
	if [ "$got" != "$want" ]; then
		say "the Go download is damaged (checksum ${got}, expected ${want}); try again"
		exit 1
	fi
	rm -rf "${LOCAL_GO}"
	mkdir -p "$(dirname "${LOCAL_GO}")"
	tar -C "${tmp}" -xzf "${tmp}/${file}"
	mv "${tmp}/go" "${LOCAL_GO}"
	go_usable || { say "Go was installed into ${LOCAL_GO} but does not run"; exit 1; }
fi

say "Go modules: downloading what is missing"
go mod download
