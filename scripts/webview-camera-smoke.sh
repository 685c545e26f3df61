#!/usr/bin/env bash
# The webview camera (the phones' camera path) in the desktop's real WebKitGTK under Xvfb,
# with a screenshot of each step:
#   1. `--camera webview` with no camera file: the page's own getUserMedia, on a machine
#      with no camera, must leave Scan saying so (sign-up first, then Scan);
#   2. again with `--camera-file LABEL.png`: the page's getUserMedia answers with a canvas
#      stream of that label; Scan reads it and goes to Confirm by itself; the device is
#      named and bound, and Home lists it.
#
#   scripts/webview-camera-smoke.sh APP CLOUD_URL LABEL.png OUT_DIR
#
# Needs Xvfb, xdotool and imagemagick. tests/app/webview_camera.rs runs it against a
# loopback cloud, then checks the logs (camera states, the Confirm screen's SN) and the
# cloud's binding.
set -euo pipefail
APP=${1:?the bindery binary}
CLOUD=${2:?the cloud URL}
LABEL=${3:?a label PNG}
OUT=${4:?an output directory}
mkdir -p "$OUT"
DATA=$(mktemp -d /tmp/bindery-webview.XXXXXX)
export XDG_CONFIG_HOME="$DATA/config" XDG_DATA_HOME="$DATA/data"
export RUST_LOG=warn,bindery=info
source "$(dirname "$0")/window.sh"

start_display "${SMOKE_DISPLAY:-98}" "$OUT/xvfb.log"
cleanup() {
  local status=$?
  [ -n "${APP_PID:-}" ] && kill "$APP_PID" 2>/dev/null || true
  kill "$XVFB" 2>/dev/null || true
  # WebKit's helper processes outlive the app by a moment and can still be writing into
  # its data folder (a run under load failed on "Directory not empty" after every step had
  # passed; `quit` waits for them, a failed step does not): try again for a few seconds,
  # and never let a leftover temp folder decide the run's result.
  for _ in 1 2 3 4 5; do
    rm -rf "$DATA" 2>/dev/null && break
    sleep 1
  done
  exit "$status"
}
trap cleanup EXIT

shot() { import -window root "$OUT/$1.png"; echo "screenshot $OUT/$1.png"; }
alive() { kill -0 "$APP_PID" 2>/dev/null || { echo "the app died:"; cat "$LOG"; exit 1; }; }
# launch LOG ARGS…: the app, and its window focused.
launch() {
  LOG=$1; shift
  "$APP" --cloud "$CLOUD" --lang en --camera webview "$@" >"$LOG" 2>&1 &
  APP_PID=$!
  WID=
  for _ in $(seq 60); do
    WID=$(xdotool search --name '^Bindery$' 2>/dev/null | head -1 || true)
    [ -n "$WID" ] && break
    alive; sleep 1
  done
  [ -n "$WID" ] || { echo "no window"; exit 1; }
  sleep 3; alive
  focus_window "$WID"
}
# quit: ends the app, then waits (up to 10 s each) for the WebKit helper processes it
# started, which end on their own once it is gone but can still write into its data folder.
quit() {
  local helpers pid
  helpers=$(pgrep -P "$APP_PID" || true)
  kill "$APP_PID"; wait "$APP_PID" 2>/dev/null || true; APP_PID=
  for pid in $helpers; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  done
}
# wait_for PATTERN SECS: until the app's log has PATTERN.
wait_for() {
  for _ in $(seq "$2"); do
    grep -q "$1" "$LOG" && return 0
    alive; sleep 1
  done
  echo "the app never logged $1:"; cat "$LOG"; exit 1
}

# 1. No camera: sign up, then Scan.
launch "$OUT/no-camera.log"
shot 1-sign-in
open_sign_up; alive
fill_sign_up "webview@example.com" "webview password"; alive
shot 2-home-empty
scan_a_device; alive
wait_for 'state=NoCamera' 15
sleep 1; shot 3-scan-no-camera
quit

# 2. The label as the camera; the session is kept, so the app opens on Home.
launch "$OUT/label.log" --camera-file "$LABEL"
shot 4-home
scan_a_device 0.5; alive
wait_for 'state=Live' 20
shot 5-scan-live
wait_for 'screen=/app/confirm' 20
sleep 1.5; shot 6-confirm
at 210 283; xdotool type --delay 40 "Webview plug"; sleep 0.5
at 210 368 4; alive                         # Confirm
shot 7-home
quit
echo "done: screenshots in $OUT"
