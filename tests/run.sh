#!/usr/bin/env bash
# The README's test command. On a machine that has only the .NET SDK it installs what the tests talk to (Debian
# packages, once), starts a throwaway PostgreSQL for the run, then runs every test:
#   chromium        browser tests (phone-width rendering, the unsubscribe page)
#   dovecot-imapd   the bounce mailbox (IMAP) and SASL AUTH for the relay tests; each test class starts its own Dovecot
#   postfix         the submission relay tests (STARTTLS, AUTH); each test class starts its own instance
#   postgresql      the second store; one cluster for the whole run, in a temporary folder on 127.0.0.1, removed at exit
# A full run (no arguments) first checks the code against .editorconfig with `dotnet format --verify-no-changes`.
# Arguments are passed to `dotnet test`, e.g. tests/run.sh --filter "FullyQualifiedName~Storage".
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -eq 0 ]; then
  # The build enforces naming (EnforceCodeStyleInBuild); this catches layout, whitespace and using order too.
  echo "Checking code style against .editorconfig (dotnet format --verify-no-changes)" >&2
  dotnet format Newsletter.sln --verify-no-changes \
    || { echo "The code differs from .editorconfig: run \`dotnet format Newsletter.sln\` and commit the result." >&2; exit 1; }
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ] || missing+=(dovecot-imapd)
[ -x /usr/sbin/postfix ] || missing+=(postfix)
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
[ -n "$pg_bin" ] && [ -x "$pg_bin/initdb" ] || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} (Debian packages; none of them starts a daemon that the tests rely on)..." >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2 \
    || { $sudo apt-get update >&2 && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2; }
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

# A throwaway PostgreSQL cluster: trust authentication on 127.0.0.1 only, a free port, stopped and deleted at exit.
# initdb refuses to run as root, so the cluster belongs to the postgres user that the package created.
as_postgres() {
  if [ "$(id -un)" = postgres ]; then bash -c "$1"
  elif [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/bash -c "$1"
  else $sudo -u postgres bash -c "$1"; fi
}
pg_dir=$(mktemp -d /tmp/newsletter-tests-pg.XXXXXX)
chmod 755 "$pg_dir"
$sudo chown postgres "$pg_dir" 2>/dev/null || true
pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null \
  || echo $((20000 + RANDOM % 20000)))
stop_postgres() {
  as_postgres "'$pg_bin/pg_ctl' -D '$pg_dir/data' -m immediate stop" >/dev/null 2>&1 || true
  $sudo rm -rf "$pg_dir"
}
trap stop_postgres EXIT
as_postgres "'$pg_bin/initdb' -D '$pg_dir/data' -A trust -U postgres" >"$pg_dir.initdb.log" 2>&1 \
  || { cat "$pg_dir.initdb.log" >&2; exit 1; }
rm -f "$pg_dir.initdb.log"
as_postgres "'$pg_bin/pg_ctl' -D '$pg_dir/data' -o \"-p $pg_port -k '$pg_dir' -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off\" -l '$pg_dir/log' -w start" >/dev/null \
  || { cat "$pg_dir/log" >&2; exit 1; }
export NEWSLETTER_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres"
echo "PostgreSQL for the tests on 127.0.0.1:$pg_port (NEWSLETTER_TEST_POSTGRES)" >&2

dotnet test Newsletter.sln "$@"
