# shellcheck shell=bash
# Helpers shared by eng/test.sh and the server scripts under eng/servers/.

_apt_updated=0
_apt() {
  if [ "$(id -u)" = 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get "$@"; else sudo -n env DEBIAN_FRONTEND=noninteractive apt-get "$@"; fi
}

# ensure_packages BINARY PACKAGE...: installs the packages unless BINARY is already on PATH.
ensure_packages() {
  local binary=$1; shift
  command -v "$binary" >/dev/null 2>&1 && return 0
  if [ "$_apt_updated" = 0 ]; then
    _apt update -qq >/dev/null 2>&1 || true
    _apt_updated=1
  fi
  _apt install -y -qq --no-install-recommends "$@" >/dev/null 2>&1
  command -v "$binary" >/dev/null 2>&1
}

# missing_packages BINARY:PACKAGE...: the packages whose binary is not on PATH, each after a space.
missing_packages() {
  local pair
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || printf ' %s' "${pair#*:}"
  done
}

# wait_for SECONDS COMMAND...: retries COMMAND until it succeeds or time is up.
wait_for() {
  local seconds=$1; shift
  local end=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -ge $end ] && return 1
    sleep 0.5
  done
}

# port_in_use PORT: whether something accepts connections on 127.0.0.1:PORT.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# port_free PORT: whether nothing accepts connections on 127.0.0.1:PORT.
port_free() {
  ! port_in_use "$1"
}

# free_port [FROM] [TO]: a loopback port in [FROM, TO] (default 20000-32000, below the kernel's ephemeral ports) that nothing listens on,
# tried in a random order so that two runs at once are unlikely to pick the same one.
free_port() {
  local from=${1:-20000} to=${2:-32000} tries port
  for tries in $(seq 1 200); do
    port=$((from + RANDOM % (to - from + 1)))
    port_in_use "$port" || { echo "$port"; return 0; }
  done
  for port in $(seq "$from" "$to"); do
    port_in_use "$port" || { echo "$port"; return 0; }
  done
  return 1
}
