#!/usr/bin/env bash
# Installs the Debian packages that dchat's cluster mode and its test suite use: ZooKeeper,
# MariaDB, nginx with the stream module, netcat, tmux, Prometheus (which the operations test runs
# against a cluster) and systemd (for `systemd-analyze verify` of deploy/systemd; nothing of it is
# run). Nothing is started; tests and `dchat up --cluster` start what they need in temporary
# directories. Needs root (or sudo).
#   --check   installs nothing: prints the missing packages on one line and exits 1 if any
# DCHAT_SYSTEM_PACKAGES (space-separated) replaces the package list, so the runner's refusal
# can be seen on a machine that has them all.
set -euo pipefail
read -r -a packages <<<"${DCHAT_SYSTEM_PACKAGES:-zookeeper mariadb-server nginx-light libnginx-mod-stream netcat-openbsd tmux prometheus systemd}"
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${1:-}" = "--check" ]; then
  [ ${#missing[@]} -eq 0 ] && exit 0
  echo "${missing[*]}"
  exit 1
fi
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-system-deps: all present (${packages[*]})"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-system-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
