#!/usr/bin/env bash
# Checks that the proto contract in protos/ has no breaking change (buf's FILE rules, from
# buf.yaml) against a baseline taken from git history:
#
#   - the last commit that changed protos/, when the working tree's protos/ differs from it
#     (uncommitted edits are checked against the contract as last committed);
#   - otherwise that commit's parent, so that on a clean checkout the last contract change
#     is checked to have been compatible.
#
# With no earlier commit there is nothing to compare against: it says why and exits 0.
# A shallow clone whose history stops before the baseline is an error (exit 2): fetch the
# full history (`git fetch --unshallow`, or `fetch-depth: 0` in CI).
#
# Usage: scripts/check_breaking.sh [--buf PATH] [-- EXTRA BUF BREAKING FLAGS...]
# Works from any directory: it runs in the git repository it lives in.
# Exit status: 0 compatible (or nothing to compare), 100 breaking (buf's own code), 2 usage
# or environment errors.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(git -C "$script_dir" rev-parse --show-toplevel)"
cd "$root"

buf="$root/.tools/node_modules/.bin/buf"
extra=()
while (($#)); do
    case "$1" in
        --buf)
            [[ $# -ge 2 ]] || { echo "check_breaking: --buf needs a path" >&2; exit 2; }
            buf="$2"
            shift 2
            ;;
        --buf=*)
            buf="${1#--buf=}"
            shift
            ;;
        -h | --help)
            sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        --)
            shift
            extra=("$@")
            break
            ;;
        *)
            echo "check_breaking: unknown argument $1 (see --help)" >&2
            exit 2
            ;;
    esac
done
if [[ ! -x "$buf" ]] && ! buf="$(command -v "$buf")"; then
    echo "check_breaking: buf not found: run \`make tools\` or pass --buf PATH" >&2
    exit 2
fi

protos=protos
last="$(git rev-list -1 HEAD -- "$protos" 2>/dev/null || true)"
if [[ -z "$last" ]]; then
    echo "check_breaking: no commit has changed $protos/ yet: nothing to compare against"
    exit 0
fi

describe() { git log -1 --format='%h (%s)' "$1"; }

if ! git diff --quiet "$last" -- "$protos" ||
    [[ -n "$(git ls-files --others --exclude-standard -- "$protos")" ]]; then
    baseline="$last"
    echo "check_breaking: $protos/ has uncommitted changes; comparing against $(describe "$baseline"), the last commit that changed it"
else
    if ! baseline="$(git rev-parse --verify --quiet "$last^")"; then
        if [[ "$(git rev-parse --is-shallow-repository)" == true ]] &&
            grep -qx "$last" "$(git rev-parse --git-path shallow)" 2>/dev/null; then
            echo "check_breaking: the clone is shallow and its history stops at $(describe "$last"): fetch the full history (git fetch --unshallow)" >&2
            exit 2
        fi
        echo "check_breaking: $(describe "$last") introduced $protos/ and has no parent: nothing to compare against"
        exit 0
    fi
    echo "check_breaking: $protos/ is as last committed in $(describe "$last"); comparing it against its parent $(describe "$baseline")"
fi

# buf reads the baseline straight from the repository (any worktree shares its objects).
# When the baseline has no root buf.yaml, its protos/ directory is the module.
git_dir="$(git rev-parse --path-format=absolute --git-common-dir)"
against="$git_dir#ref=$baseline"
if ! git cat-file -e "$baseline:buf.yaml" 2>/dev/null; then
    against="$against,subdir=$protos"
fi

status=0
"$buf" breaking --against "$against" ${extra[@]+"${extra[@]}"} || status=$?
if ((status == 0)); then
    echo "check_breaking: no breaking change"
else
    echo "check_breaking: buf breaking failed (exit $status) against $(describe "$baseline")" >&2
fi
exit "$status"
