# Sourced by desktop-smoke.sh and desktop-figures.sh: an Xvfb display for the app's window,
# and the clicks that reach its screens. The coordinates are those of the 420 px wide window
# at 0,0 (there is no window manager under Xvfb); when the layout moves, change them here.

# start_display NUM LOG: Xvfb on :NUM (its pid in XVFB), and DISPLAY pointing at it.
start_display() {
  Xvfb ":$1" -screen 0 1024x800x24 -nolisten tcp >"$2" 2>&1 &
  XVFB=$!
  export DISPLAY=":$1"
  sleep 1
}

# at X Y [PAUSE]: a click, then a pause for the app to answer.
at() { xdotool mousemove "$1" "$2" click 1; sleep "${3:-0.7}"; }

# focus_window WID: with no window manager, a click on an empty part of the page gives the
# window the keyboard.
focus_window() {
  xdotool windowfocus "$1" 2>/dev/null || true
  xdotool mousemove --window "$1" 200 720 click 1 2>/dev/null || true
  sleep 0.5
}

# Sign in → "New here? Create an account".
open_sign_up() { at 210 391 1.5; }

# fill_sign_up EMAIL PASSWORD: types both and presses "Create account" (Home follows).
fill_sign_up() {
  at 210 182; xdotool type --delay 40 "$1"
  at 210 270; xdotool type --delay 40 "$2"
  at 210 358 5
}

# Home (empty) → "Scan a device".
scan_a_device() { at 210 374 "${1:-1.5}"; }
