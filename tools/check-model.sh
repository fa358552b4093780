#!/usr/bin/env bash
# Checks the Promela model of the event feed's protocol (pkg/feed/model/
# feed.pml, described in docs/feeds.md) exhaustively with spin, and fails on
# any violation. Two configurations of it are checked, as together they
# cover what one with every process at once would, in a fraction of its
# states: two writers, two relays (one of them losing its lease in the
# middle of a round) and one reader, placers starting at place 1; and two
# writers, one relay and two readers, placers starting at the shared hint
# of the chain's end (so only the unique batch index stops a second
# placing). Then the variant with the old rule (a reader passes a missing
# number once a later one is committed and a wait is over) must fail.
# Needs spin and a C compiler (tools/setup.sh installs spin).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
model="$root/pkg/feed/model/feed.pml"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# check NAME EXPECT SPIN-FLAGS...: EXPECT is "ok" or "violation".
check() {
  local name=$1 expect=$2
  shift 2
  mkdir -p "$work/$name"
  (
    cd "$work/$name"
    cp "$model" feed.pml
    spin "$@" -a feed.pml >/dev/null
    cc -O2 -DSAFETY -DCOLLAPSE -o pan pan.c 2>/dev/null
    ./pan -m100000 >out.txt 2>&1 || true
    states=$(sed -n 's/^ *\([0-9e.+]*\) states, stored.*/\1/p' out.txt)
    if grep -q "errors: 0" out.txt; then
      if [ "$expect" = ok ]; then
        echo "model $name: no violation in $states states"
        exit 0
      fi
      echo "model $name: expected a violation, spin found none" >&2
      exit 1
    fi
    if [ "$expect" = violation ]; then
      echo "model $name: violation found, as expected:"
      grep -m1 "assertion violated" out.txt | sed 's/^/  /'
      exit 0
    fi
    cat out.txt >&2
    spin "$@" -t -p feed.pml 2>&1 | tail -40 >&2 || true
    echo "model $name: VIOLATION" >&2
    exit 1
  )
}

check two-relays ok -DRELAYS=2 -DREADERS=1
check two-readers ok -DRELAYS=1 -DREADERS=2 -DFROMHINT
check old-gap-rule violation -DGAPRULE -DREADERS=2
