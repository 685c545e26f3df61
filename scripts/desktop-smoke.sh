#!/usr/bin/env bash
# Desktop smoke test: the app on a fresh sandbox under Xvfb, driven with xdotool through
# sign-up -> Enter code -> Confirm -> Home, with a screenshot of each step.
#
#   scripts/desktop-smoke.sh [path/to/bindery] [out dir]
#
# Needs Xvfb, xdotool and imagemagick (`import`). Exits non-zero when a step's screenshot
# cannot be taken or the app dies; whether Home lists the device is checked by the caller
# (or a human) on home.png.
set -euo pipefail
APP=${1:-${CARGO_TARGET_DIR:-target}/debug/bindery}
OUT=${2:-$(mktemp -d /tmp/bindery-smoke.XXXXXX)}
mkdir -p "$OUT"
DATA=$(mktemp -d /tmp/bindery-smoke-data.XXXXXX)
export XDG_CONFIG_HOME="$DATA/config" XDG_DATA_HOME="$DATA/data"
DISPLAY_NUM=:${SMOKE_DISPLAY:-97}

Xvfb "$DISPLAY_NUM" -screen 0 1024x800x24 -nolisten tcp >"$OUT/xvfb.log" 2>&1 &
XVFB=$!
cleanup() {
  [ -n "${APP_PID:-}" ] && kill "$APP_PID" 2>/dev/null || true
  kill "$XVFB" 2>/dev/null || true
}
trap cleanup EXIT
export DISPLAY=$DISPLAY_NUM
sleep 1

"$APP" --data-dir "$DATA/bindery" --lang en >"$OUT/app.log" 2>&1 &
APP_PID=$!

shot() { import -window root "$OUT/$1.png"; echo "screenshot $OUT/$1.png"; }
alive() { kill -0 "$APP_PID" 2>/dev/null || { echo "the app died:"; cat "$OUT/app.log"; exit 1; }; }
# Tab from the page start to the n-th focusable element.
tabs() { for _ in $(seq "$1"); do xdotool key Tab; sleep 0.15; done; }

# Wait for the window and the sandbox.
for _ in $(seq 60); do
  WID=$(xdotool search --name '^Bindery$' 2>/dev/null | head -1 || true)
  [ -n "$WID" ] && break
  alive; sleep 1
done
[ -n "$WID" ] || { echo "no window"; exit 1; }
sleep 4
alive
xdotool windowactivate --sync "$WID" 2>/dev/null || xdotool windowfocus "$WID"
shot 1-sign-in

# The first label of the sandbox, typed as its text (what "Enter code" is for).
LABEL=$(ls "$DATA/bindery/sandbox-labels" | head -1)
SN=${LABEL%.png}
QR=$(sqlite3 "$DATA/bindery/sandbox/cloud.sqlite3" "select 1" >/dev/null 2>&1; true)
echo "label $SN" | tee "$OUT/label.txt"
