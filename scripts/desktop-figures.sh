#!/usr/bin/env bash
# The desktop figures of issue 6, on a release build under Xvfb:
#   - cold start: from exec to the app's window on screen (fresh data dir each time, so
#     the sandbox is created too, as on a first run), 3 runs;
#   - memory while scanning, peak over 20 s on the Scan screen with a 720p video as the
#     camera: the app alone (RSS), and with its WebKit processes (summed RSS, and PSS, which
#     counts shared libraries once);
#   - preview frame rate while decoding those frames (the app logs it every 5 s).
#
#   cargo build --release -p bindery
#   cargo run -p bindery-scan --example label_video -- PHOTO.png /tmp/scan720.y4m 10
#   scripts/desktop-figures.sh target/release/bindery /tmp/scan720.y4m
#
# Use a photo of a code that is not a Bindery label (a ../shared/bench photo), so the app
# stays on Scan and keeps decoding. Needs Xvfb, xdotool and imagemagick.
set -euo pipefail
APP=${1:-target/release/bindery}
VIDEO=${2:?give a 720p .y4m video (see the header)}
OUT=$(mktemp -d /tmp/bindery-figures.XXXXXX)
export XDG_CONFIG_HOME="$OUT/config" XDG_DATA_HOME="$OUT/xdg"
source "$(dirname "$0")/window.sh"
start_display "${FIGURES_DISPLAY:-96}" "$OUT/xvfb.log"
trap 'kill "${APP_PID:-}" 2>/dev/null || true; kill "$XVFB" 2>/dev/null || true' EXIT

now() { date +%s.%N; }
for run in 1 2 3; do
  start=$(now)
  "$APP" --data-dir "$OUT/cold$run" --lang en >"$OUT/cold$run.log" 2>&1 &
  APP_PID=$!
  xdotool search --sync --onlyvisible --name '^Bindery$' >/dev/null
  echo "cold start $run: $(awk -v a="$start" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }') s to the window"
  kill "$APP_PID"; wait "$APP_PID" 2>/dev/null || true
done

# Summed RSS and PSS (KiB) of the app and every process under it (WebKit's web and network processes).
tree_memory_kb() {
  local pids=("$1") i=0
  while [ $i -lt ${#pids[@]} ]; do
    for child in $(pgrep -P "${pids[$i]}" || true); do pids+=("$child"); done
    i=$((i + 1))
  done
  local rss=0 pss=0 kb
  for pid in "${pids[@]}"; do
    kb=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    rss=$((rss + ${kb:-0}))
    # PSS splits shared pages (WebKit's libraries) between the processes that map them.
    kb=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null || echo 0)
    pss=$((pss + ${kb:-0}))
  done
  echo "$rss $pss"
}

RUST_LOG=warn,bindery=info "$APP" --data-dir "$OUT/scan" --lang en --camera-file "$VIDEO" \
  >"$OUT/scan.log" 2>&1 &
APP_PID=$!
WID=$(xdotool search --sync --onlyvisible --name '^Bindery$' | head -1)
sleep 4
focus_window "$WID"
open_sign_up
fill_sign_up "figures@example.com" "figures password"
scan_a_device 3
import -window root "$OUT/scan.png" 2>/dev/null || true
peak_rss=0 peak_pss=0 peak_app=0
for _ in $(seq 20); do
  read -r rss pss < <(tree_memory_kb "$APP_PID")
  app=$(awk '/^VmRSS/ {print $2}' "/proc/$APP_PID/status")
  [ "$rss" -gt "$peak_rss" ] && peak_rss=$rss
  [ "$pss" -gt "$peak_pss" ] && peak_pss=$pss
  [ "$app" -gt "$peak_app" ] && peak_app=$app
  sleep 1
done
echo "memory while scanning (app + WebKit processes), peak: $((peak_rss / 1024)) MB summed RSS, $((peak_pss / 1024)) MB PSS"
echo "memory while scanning, the app alone, peak: $((peak_app / 1024)) MB RSS"
grep -o 'fps="[0-9.]*"' "$OUT/scan.log" | sed 's/^/preview frame rate: /' || echo "no preview frame rate logged (was the Scan screen reached? see $OUT/scan.png)"
echo "logs and a screenshot of the Scan screen: $OUT"
