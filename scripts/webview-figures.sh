#!/usr/bin/env bash
# Frames decoded per second on the Scan screen through the two camera paths of the desktop
# app, on the same video, one after the other under Xvfb:
#   - native: the QA feed (`--camera-file VIDEO`), which reads the video on a thread of the
#     app and decodes the newest frame, as a nokhwa camera's frames are;
#   - webview: the phones' path (`--camera webview --camera-file VIDEO`), where the video is
#     the page's camera stream, the page sends gray frames through Dioxus's eval channel
#     and the app decodes them natively (base64 text, the app's choice);
#   - webview-array: the same with each frame's pixels as a JSON array of numbers, the plain
#     way through the eval channel, to show what the choice is worth.
# Each run signs up on a fresh sandbox, opens Scan and stays there SECONDS (default 30); the
# app logs its decode rate every 5 s (the first interval, with the camera starting, is left
# out). CPU is the app's and its WebKit processes' user+system time over the same window.
#
#   cargo build --release -p bindery
#   cargo run -p bindery-scan --example label_video -- PHOTO.png /tmp/scan720.y4m 10
#   scripts/webview-figures.sh target/release/bindery /tmp/scan720.y4m [SECONDS]
#
# Use a photo of a code that is not a Bindery label, so the app stays on Scan and keeps
# decoding. Needs Xvfb, xdotool and imagemagick.
set -euo pipefail
APP=${1:-target/release/bindery}
VIDEO=${2:?give a 720p .y4m video (see the header)}
SECONDS_ON_SCAN=${3:-30}
OUT=$(mktemp -d /tmp/bindery-webview-figures.XXXXXX)
export RUST_LOG=warn,bindery=info
source "$(dirname "$0")/window.sh"
start_display "${FIGURES_DISPLAY:-95}" "$OUT/xvfb.log"
trap 'kill "${APP_PID:-}" 2>/dev/null || true; kill "$XVFB" 2>/dev/null || true' EXIT

# Clock ticks of user+system time of the app and every process under it.
tree_ticks() {
  local pids=("$1") i=0 total=0
  while [ $i -lt ${#pids[@]} ]; do
    for child in $(pgrep -P "${pids[$i]}" || true); do pids+=("$child"); done
    i=$((i + 1))
  done
  for pid in "${pids[@]}"; do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}

declare -A RATE CPU
PATHS=(native webview webview-array)
for path in "${PATHS[@]}"; do
  args=(--data-dir "$OUT/$path" --lang en --camera-file "$VIDEO")
  [ "$path" != native ] && args+=(--camera webview)
  frames=base64; [ "$path" = webview-array ] && frames=array
  # A fresh config for each run: a kept session would skip the sign-up the clicks expect.
  XDG_CONFIG_HOME="$OUT/$path/config" XDG_DATA_HOME="$OUT/$path/xdg" \
    BINDERY_WEBVIEW_FRAMES=$frames "$APP" "${args[@]}" >"$OUT/$path.log" 2>&1 &
  APP_PID=$!
  WID=$(xdotool search --sync --onlyvisible --name '^Bindery$' | head -1)
  sleep 4
  focus_window "$WID"
  open_sign_up
  fill_sign_up "figures-$path@example.com" "figures password"
  scan_a_device 6
  import -window root "$OUT/$path.png" 2>/dev/null || true
  start=$(tree_ticks "$APP_PID"); lines=$(grep -c decoded_fps "$OUT/$path.log" || true)
  sleep "$SECONDS_ON_SCAN"
  ticks=$(( $(tree_ticks "$APP_PID") - start ))
  kill "$APP_PID"; wait "$APP_PID" 2>/dev/null || true
  # The decode rates logged inside the window.
  RATE[$path]=$(grep -o 'decoded_fps="[0-9.]*"' "$OUT/$path.log" | tail -n +"$((lines + 1))" \
    | grep -o '[0-9.]*' | paste -sd' ' -)
  CPU[$path]=$(awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" -v s="$SECONDS_ON_SCAN" \
    'BEGIN { printf "%.0f", 100 * t / hz / s }')
done

median() { tr ' ' '\n' | grep . | sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.1f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
echo
echo "| camera path | frames decoded per second, median (each 5 s) | CPU, app + WebKit |"
echo "|---|---|---|"
for path in "${PATHS[@]}"; do
  echo "| $path | $(echo "${RATE[$path]}" | median) (${RATE[$path]:-none logged}) | ${CPU[$path]} % |"
done
echo
echo "video $VIDEO, ${SECONDS_ON_SCAN} s on Scan each; $(uptime | sed 's/.*load/load/')"
echo "logs and screenshots: $OUT"
