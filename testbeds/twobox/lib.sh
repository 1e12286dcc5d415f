# Shared by testbeds/twobox/{up,down,link}: option parsing and the names of one two-box testbed.
# Everything a testbed owns is derived from its NAME and its directory, so `down` and `link`
# find it again without any other state, and two testbeds with different names never share
# a namespace, an interface, a pool or a directory.

root="$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)"
name=sfbox
dir=
pool_size=512M
mode=auto
rest=()

usage_common() {
  cat >&2 <<USAGE
options:
  --name NAME        names the testbed: namespaces, interfaces and pools are NAME-a and NAME-b
                     (default sfbox; a lowercase letter, then up to 11 lowercase letters or digits)
  --dir DIR          its directory: data directories, pool files, logs (default \${TMPDIR:-/tmp}/snapferry-NAME)
USAGE
}

parse_common() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --name) name="${2:?--name needs a value}"; shift 2 ;;
      --dir) dir="${2:?--dir needs a value}"; shift 2 ;;
      --pool-size) pool_size="${2:?--pool-size needs a value}"; shift 2 ;;
      --loopback) mode=loopback; shift ;;
      --netns) mode=netns; shift ;;
      -h|--help) usage; exit 0 ;;
      *) rest+=("$1"); shift ;;
    esac
  done
  if ! [[ "$name" =~ ^[a-z][a-z0-9]{0,11}$ ]]; then
    echo "$(basename "$0"): --name '$name' is not usable: a lowercase letter, then up to 11 lowercase letters or digits" >&2
    exit 2
  fi
  dir="${dir:-${TMPDIR:-/tmp}/snapferry-$name}"
  case "$dir" in
    /*) ;;
    *) dir="$PWD/$dir" ;;
  esac
  if [[ "$dir" =~ [[:space:]] ]]; then
    echo "$(basename "$0"): --dir '$dir' contains white space; choose another directory" >&2
    exit 2
  fi
  marker="$dir/.snapferry-twobox"
  env_file="$dir/boxes.env"
}

# The netns mode needs root and a working `ip netns`; anything else runs both boxes on loopback.
netns_possible() {
  [ "$(id -u)" = 0 ] && command -v ip >/dev/null 2>&1 && ip netns list >/dev/null 2>&1
}

zfs_possible() {
  command -v zpool >/dev/null 2>&1 && zpool list -H -o name >/dev/null 2>&1
}

ns_of() { echo "$name-$1"; }          # network namespace of box a or b
if_of() { echo "$name-$1"; }          # its end of the veth pair (inside its namespace)
pool_of() { echo "$name-$1"; }        # its zfs-fuse pool
addr_of() { if [ "$1" = a ]; then echo 169.254.77.1; else echo 169.254.77.2; fi; }   # a link-local /30
prefix=30
box_dir() { echo "$dir/$1"; }
data_of() { echo "$dir/$1/data"; }

# Prints the daemon pid recorded in box $1's data directory if that process is alive and is the
# daemon of this data directory; prints nothing otherwise.
live_daemon_pid() {
  local data pid
  data="$(data_of "$1")"
  [ -f "$(box_dir "$1")/daemon.pid" ] || return 0
  pid="$(cat "$(box_dir "$1")/daemon.pid")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "--data $data daemon"; then
    echo "$pid"
  fi
}

# api.json of box $1 as "URL SSH_PORT PID", or nothing when there is none.
api_of() {
  local f
  f="$(data_of "$1")/api.json"
  [ -f "$f" ] || return 0
  local url ssh pid
  url="$(grep -o '"url":"[^"]*"' "$f" | cut -d'"' -f4)"
  ssh="$(grep -o '"sshPort":[0-9]*' "$f" | cut -d: -f2)"
  pid="$(grep -o '"pid":[0-9]*' "$f" | cut -d: -f2)"
  [ -n "$url" ] && [ -n "$ssh" ] && [ -n "$pid" ] && echo "$url $ssh $pid"
  return 0
}
