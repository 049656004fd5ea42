#!/bin/sh
# What `make bench` needs beyond `make deps`: auditd, the comparison. Kept out
# of packaging/install-deps.sh so that `make test` does not install a daemon it
# never uses. The package's maintainer scripts would start auditd (and load
# /etc/audit/rules.d) where there is no policy-rc.d; the bench must never leave
# auditd running, so a policy-rc.d that refuses every start is in place for the
# install and removed afterwards if this script put it there.
set -eu

dpkg-query -W -f='${Status}' auditd 2>/dev/null | grep -q "ok installed" && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "linesman bench: auditd is missing; run as root (sudo make bench) to install it" >&2
	exit 1
fi
echo "linesman bench: installing auditd (started only by the bench, never left running)"
policy=/usr/sbin/policy-rc.d
ours=""
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\n# temporary, tests/bench/install-deps.sh\nexit 101\n' > "$policy"
	chmod 755 "$policy"
	ours=1
fi
trap 'if [ -n "$ours" ]; then rm -f "$policy"; fi' EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends auditd
