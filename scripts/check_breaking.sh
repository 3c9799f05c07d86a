#!/usr/bin/env bash
# Checks that the proto contract in protos/ has no breaking change (buf's FILE rules, from
# buf.yaml) against the last released contract: the buf image kept in contract/ as
# aggregator-<version>.binpb (exactly one). It reads no git history, so a shallow clone, or
# a copy with no .git at all, checks the same.
#
# Releasing a version replaces that image with the contract as it is now:
#
#   scripts/check_breaking.sh --release 0.2.0      (make release-contract VERSION=0.2.0)
#
# Usage: scripts/check_breaking.sh [--buf PATH] [--release VERSION] [-- EXTRA BUF BREAKING FLAGS...]
# Works from any directory: it checks the repository it lives in.
# Exit status: 0 compatible (or released), 100 breaking (buf's own code), 2 usage or
# environment errors.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

buf="$root/.tools/node_modules/.bin/buf"
releasing=false
release=""
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
        --release)
            [[ $# -ge 2 ]] || { echo "check_breaking: --release needs a version" >&2; exit 2; }
            releasing=true
            release="$2"
            shift 2
            ;;
        -h | --help)
            sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
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

shopt -s nullglob
images=(contract/aggregator-*.binpb)
shopt -u nullglob

if [[ "$releasing" == true ]]; then
    if [[ ! "$release" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
        echo "check_breaking: --release takes MAJOR.MINOR.PATCH, not $release" >&2
        exit 2
    fi
    mkdir -p contract
    # Without source info the image holds the contract, not its comments.
    "$buf" build --exclude-source-info -o "contract/aggregator-$release.binpb"
    for image in ${images[@]+"${images[@]}"}; do
        [[ "$image" == "contract/aggregator-$release.binpb" ]] || rm -- "$image"
    done
    echo "check_breaking: contract/aggregator-$release.binpb is now the released contract"
    exit 0
fi

if ((${#images[@]} != 1)); then
    echo "check_breaking: contract/ must hold exactly one released image (aggregator-<version>.binpb), found ${#images[@]}: run --release VERSION" >&2
    exit 2
fi
image="${images[0]}"
version="${image#contract/aggregator-}"
version="${version%.binpb}"

status=0
"$buf" breaking --against "$image" ${extra[@]+"${extra[@]}"} || status=$?
if ((status == 0)); then
    echo "check_breaking: no breaking change against release $version"
else
    echo "check_breaking: buf breaking failed (exit $status) against release $version ($image)" >&2
fi
exit "$status"
