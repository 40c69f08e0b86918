#!/usr/bin/env bash
# Installs everything vitals needs to build, test and run its testbed on Debian 12.
# Idempotent: packages already present are left alone.
set -euo pipefail
PKGS=(
  build-essential meson ninja-build pkg-config clang clang-format
  libclang-rt-14-dev
  libevent-dev libunbound-dev libldns-dev libssl-dev libcurl4-openssl-dev
  libsqlite3-dev libjansson-dev libgsl-dev libmicrohttpd-dev libsodium-dev
  knot knot-dnsutils nginx-light openssl dns-root-data socat gnutls-bin sslscan testssl.sh postfix
  redis-server
  coturn nmap
  python3 python3-spf python3-yaml python3-pytest python3-scipy sqlite3 ca-certificates util-linux
  xrdp tigervnc-standalone-server tigervnc-tools samba inetutils-telnetd vsftpd
  openssh-server openssh-client postgresql-15 mariadb-server
  orthanc orthanc-dicomweb dcmtk
  apache2-utils
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  # postfix asks what kind of mail system to configure: none (the testbed configures its own)
  echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# The Debian packages start system services (nginx on *:80 would block the testbed's
# per-address listeners; a configured postfix listens on port 25); the testbed runs its own
# instances. Only the system ones are stopped (and postfix's kept from starting at boot):
# the testbed's are started with -c/-p pointing into its run directory. Note: postfix is a
# mail-transport-agent, so apt replaces another one (exim4, opensmtpd) if present.
if command -v systemctl >/dev/null 2>&1; then
  systemctl stop nginx knot postfix redis-server coturn >/dev/null 2>&1 || true
  # the service cases' sshd, PostgreSQL and MariaDB bind 127.40.2.x: no system one on *:22, 5432, 3306
  systemctl stop ssh postgresql mariadb >/dev/null 2>&1 || true
  # the system Orthanc listens on *:4242 and *:8042, which the clinical cases' addresses need
  systemctl stop orthanc >/dev/null 2>&1 || true
  systemctl disable orthanc >/dev/null 2>&1 || true
  systemctl disable postfix >/dev/null 2>&1 || true
  # the remote-access cases' servers bind *:3389, *:445, *:21 and (inetd) *:23 when started
  for u in xrdp xrdp-sesman smbd nmbd samba-ad-dc vsftpd inetd openbsd-inetd inetutils-inetd; do
    systemctl stop "$u" >/dev/null 2>&1 || true
    systemctl disable "$u" >/dev/null 2>&1 || true
  done
fi
# the system postfix (configuration /etc/postfix), never a testbed's (master -c DIR/...)
if [ -f /etc/postfix/main.cf ]; then postfix stop >/dev/null 2>&1 || true; fi
pkill -f '^nginx: master process /usr/sbin/nginx -g' >/dev/null 2>&1 || true
pgrep -a -x knotd 2>/dev/null | grep -v -- ' -c ' | awk '{print $1}' | xargs -r kill 2>/dev/null || true
exit 0
