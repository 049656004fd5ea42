#!/bin/sh
# Install Linesman's build and test dependencies from the distribution's
# packages (Debian 12 / Ubuntu 22.04+). Skips apt-get entirely when everything
# is already there, so `make test` stays fast on a prepared machine.
set -eu

PKGS="make clang llvm gcc g++ libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config
      protobuf-compiler libprotobuf-dev doctest-dev libyaml-cpp-dev libcli11-dev
      libsqlite3-dev libssl-dev libclang-rt-14-dev openssh-server openssh-client iproute2 procps util-linux python3"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "linesman: missing packages:$missing" >&2
	echo "linesman: run as root (sudo make deps) to install them" >&2
	exit 1
fi
echo "linesman: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
