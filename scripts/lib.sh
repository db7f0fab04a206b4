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
