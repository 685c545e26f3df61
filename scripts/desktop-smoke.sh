#!/usr/bin/env bash
# Desktop smoke test: the app on a fresh sandbox under Xvfb, driven with xdotool through
# sign-up -> Enter code -> Confirm -> Home, with a screenshot of each step.
#
#   scripts/desktop-smoke.sh [path/to/bindery] [out dir]
#
# Needs Xvfb, xdotool and imagemagick (`import`). Exits non-zero when a step's screenshot
# cannot be taken or the app dies. tests/app/desktop_smoke.rs runs it (SMOKE_DATA_DIR set)
# and then checks the sandbox's database for the binding the clicks made; 7-home.png shows
# Home with the device.
set -euo pipefail
APP=${1:-${CARGO_TARGET_DIR:-target}/debug/bindery}
OUT=${2:-$(mktemp -d /tmp/bindery-smoke.XXXXXX)}
mkdir -p "$OUT"
DATA=${SMOKE_DATA_DIR:-$(mktemp -d /tmp/bindery-smoke-data.XXXXXX)}
mkdir -p "$DATA"
export XDG_CONFIG_HOME="$DATA/config" XDG_DATA_HOME="$DATA/data"
source "$(dirname "$0")/window.sh"

start_display "${SMOKE_DISPLAY:-97}" "$OUT/xvfb.log"
cleanup() {
  [ -n "${APP_PID:-}" ] && kill "$APP_PID" 2>/dev/null || true
  kill "$XVFB" 2>/dev/null || true
}
trap cleanup EXIT

"$APP" --data-dir "$DATA/bindery" --lang en >"$OUT/app.log" 2>&1 &
APP_PID=$!

shot() { import -window root "$OUT/$1.png"; echo "screenshot $OUT/$1.png"; }
alive() { kill -0 "$APP_PID" 2>/dev/null || { echo "the app died:"; cat "$OUT/app.log"; exit 1; }; }

# Wait for the window and the sandbox.
for _ in $(seq 60); do
  WID=$(xdotool search --name '^Bindery$' 2>/dev/null | head -1 || true)
  [ -n "$WID" ] && break
  alive; sleep 1
done
[ -n "$WID" ] || { echo "no window"; exit 1; }
sleep 4
alive
focus_window "$WID"
shot 1-sign-in

# The first label of the sandbox, typed as its text (what "Enter code" is for).
LABELS="$DATA/bindery/sandbox-labels/labels.csv"
SN=$(sed -n 2p "$LABELS" | cut -d, -f1)
QR=$(sed -n 2p "$LABELS" | cut -d, -f3)
echo "label $SN: $QR" | tee "$OUT/label.txt"

open_sign_up; alive
shot 2-sign-up
fill_sign_up "smoke@example.com" "smoke password"; alive
shot 3-home-empty
scan_a_device; alive
shot 4-scan
at 309 408 1.5; alive                       # Enter code
at 210 160; xdotool type --delay 15 "$QR"; sleep 1
shot 5-enter-code
xdotool key Tab; xdotool key Return; sleep 3; alive   # Continue
shot 6-confirm
at 210 283; xdotool type --delay 40 "Smoke test plug"; sleep 0.5
at 210 368 4; alive                         # Confirm
shot 7-home
echo "SN $SN should be listed, highlighted, on $OUT/7-home.png"
