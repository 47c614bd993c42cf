#!/usr/bin/env bash
# release.sh builds trustdesk's release archives by running, from the
# repository root, the command fyne-cross.yml gives for each target.
#
# Usage: scripts/release.sh [--dry-run] [TARGET...]
#   TARGET     os/arch as listed in fyne-cross.yml (default: all of them)
#   --dry-run  print the commands instead of running them
#
# Needs fyne-cross (go install github.com/fyne-io/fyne-cross@latest) and
# Docker; the macOS targets also need MACOSX_SDK_PATH (see fyne-cross.yml).
set -euo pipefail
cd "$(dirname "$0")/.."

dry_run=false
wanted=()
for arg; do
	case "$arg" in
	--dry-run) dry_run=true ;;
	-*) echo "usage: scripts/release.sh [--dry-run] [TARGET...]" >&2; exit 2 ;;
	*) wanted+=("$arg") ;;
	esac
done

# Pair each "- target:" line with the "command:" line that follows it.
declare -A commands=()
order=()
target=""
while IFS= read -r line; do
	if [[ "$line" =~ ^[[:space:]]*-[[:space:]]*target:[[:space:]]*(.+[^[:space:]])[[:space:]]*$ ]]; then
		target="${BASH_REMATCH[1]}"
	elif [[ "$line" =~ ^[[:space:]]*command:[[:space:]]*(.+[^[:space:]])[[:space:]]*$ ]] && [ -n "$target" ]; then
		commands["$target"]="${BASH_REMATCH[1]}"
		order+=("$target")
		target=""
	fi
done <fyne-cross.yml
((${#order[@]} > 0)) || { echo "fyne-cross.yml lists no targets" >&2; exit 1; }

((${#wanted[@]} > 0)) || wanted=("${order[@]}")
for t in "${wanted[@]}"; do
	[ -n "${commands[$t]+set}" ] || { echo "no target $t in fyne-cross.yml; it lists: ${order[*]}" >&2; exit 2; }
done

if ! $dry_run; then
	command -v fyne-cross >/dev/null 2>&1 || {
		echo "fyne-cross is not installed: go install github.com/fyne-io/fyne-cross@latest (it also needs Docker)" >&2
		exit 1
	}
fi

for t in "${wanted[@]}"; do
	printf '==> %s: %s\n' "$t" "${commands[$t]}"
	if ! $dry_run; then
		if [[ "$t" == darwin/* && -z "${MACOSX_SDK_PATH:-}" && "$(uname -s)" != Darwin ]]; then
			echo "$t needs MACOSX_SDK_PATH: extract the SDK with fyne-cross darwin-sdk-extractor" >&2
			exit 1
		fi
		bash -c "${commands[$t]}"
	fi
done
