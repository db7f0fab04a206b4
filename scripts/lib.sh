# Shared helpers of the Xvfb scripts (smoke-xvfb.sh, desktop-xvfb.sh,
# desktop-login.sh, webkit-axe.sh). Source it after defining fail(), which
# reports and exits.

# require_abs_bin NAME: PATCHBAY_BIN is set to an absolute path; NAME
# prefixes the message otherwise.
require_abs_bin() {
  : "${PATCHBAY_BIN:?set PATCHBAY_BIN to the absolute path of the built patchbay binary}"
  case "$PATCHBAY_BIN" in
    /*) ;;
    *) echo "$1: PATCHBAY_BIN must be an absolute path, got '$PATCHBAY_BIN'" >&2; exit 2 ;;
  esac
}

# wait_for SECONDS WHAT COMMAND...: runs COMMAND every 0.2 s until it
# succeeds; after SECONDS, fail "gave up ... waiting for WHAT".
wait_for() {
  local secs=$1 what=$2
  shift 2
  local deadline=$((SECONDS + secs))
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || fail "gave up after ${secs} s waiting for $what"
    sleep 0.2
  done
}

# visible: a window named Patchbay is mapped (GTK's hidden leader window is
# named after the binary, hence --onlyvisible).
visible() { [ -n "$(xdotool search --onlyvisible --name '^Patchbay$' 2>/dev/null | head -n1)" ]; }

# start_xvfb FIRST LAST: starts Xvfb on the first free display number in
# FIRST..LAST (its pid added to PIDS) and exports DISPLAY. -ardelay: no key
# autorepeat while xdotool types (under load a key-up arriving after the
# default 660 ms repeated the key: "43919" typed as "439119").
start_xvfb() {
  local n num=""
  for n in $(seq "$1" "$2"); do
    if [ ! -e "/tmp/.X$n-lock" ] && [ ! -e "/tmp/.X11-unix/X$n" ]; then num=$n; break; fi
  done
  [ -n "$num" ] || fail "no free X display number between $1 and $2"
  Xvfb ":$num" -screen 0 1280x800x24 -nolisten tcp -ardelay 600000 >"$TMP/xvfb.log" 2>&1 &
  PIDS+=($!)
  export DISPLAY=":$num"
  wait_for 10 "Xvfb on $DISPLAY" test -e "/tmp/.X11-unix/X$num"
}
