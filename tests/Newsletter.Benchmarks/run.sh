#!/usr/bin/env bash
# The delivery benchmark (issues #4 and #8): the real `newsletter` executable sends the sample issue into Postfix's smtp-sink on
# 127.0.0.1, each line beside Postfix's smtp-source on the same sink in the same run. Installs Postfix if it is missing
# (Debian/Ubuntu), builds in Release, starts a throwaway PostgreSQL the way tests/run.sh does (initdb as `postgres` into a
# temporary folder, 127.0.0.1, a free port; stopped and removed at exit, Ctrl-C included), then runs the program:
#   run.sh             every line at 10,000 subscribers x 3 runs (SQLite, SQLite + DKIM, PostgreSQL, PostgreSQL with 2 and 3
#                      processes), the memory line at 200,000, and the per-stage profile. Needs PostgreSQL (installed if missing).
#   run.sh --smoke     every line at 300 subscribers (memory: 3,000), one run: checks that all works. The PostgreSQL lines
#                      only when PostgreSQL's binaries are installed (it says so when they are not).
#   run.sh ARGS...     the program with your arguments; run.sh --help lists them.
#   run.sh --store     the store micro-benchmark: claims + records per message, before vs now, SQLite and PostgreSQL (store.sh)
# Environment: REPEAT_200K (runs of the 200,000 line in the full run, default 1).
set -euo pipefail
cd "$(dirname "$0")/../.."
# run.sh --store ...: the delivery log's claims and records alone (store.sh), no Postfix needed.
if [ "${1:-}" = --store ]; then exec tests/Newsletter.Benchmarks/store.sh "${@:2}"; fi
# run.sh --migration [--deliveries N]: the address-key schema upgrade timed on a large store written by the version before it.
if [ "${1:-}" = --migration ]; then exec tests/Newsletter.Benchmarks/store.sh "$@"; fi

full=0
[ $# -eq 0 ] && full=1
help=0
for arg in "$@"; do
  case "$arg" in --help|-h) help=1 ;; esac
done

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
install() {
  echo "Installing $* (Debian packages; none of them starts a daemon that the benchmark relies on)..." >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >&2 \
    || { $sudo apt-get update >&2 && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >&2; }
}

if [ $help -eq 0 ] && { [ ! -x /usr/sbin/smtp-sink ] || [ ! -x /usr/sbin/smtp-source ]; }; then
  install postfix || { echo "error: smtp-sink and smtp-source (package postfix) are missing and could not be installed." >&2; exit 2; }
fi

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ $help -eq 0 ] && { [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; }; then
  if [ $full -eq 1 ]; then
    install postgresql || true
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
      echo "error: the full benchmark needs PostgreSQL's binaries (/usr/lib/postgresql/*/bin/initdb; package postgresql), which could" >&2
      echo "not be installed. Install them, or run only the SQLite lines: run.sh --lines sqlite,sqlite-dkim,memory --profile" >&2
      exit 2
    fi
  else
    echo "PostgreSQL's binaries are not installed (/usr/lib/postgresql/*/bin/initdb): the postgresql and scaling lines are skipped." >&2
    echo "Install them with: ${sudo:+sudo }apt-get install postgresql" >&2
    pg_bin=""
  fi
fi

dotnet build -c Release tests/Newsletter.Benchmarks/Newsletter.Benchmarks.csproj -v q --nologo >&2
bench=(dotnet tests/Newsletter.Benchmarks/bin/Release/net10.0/Newsletter.Benchmarks.dll)
if [ $help -eq 1 ]; then
  exec "${bench[@]}" --help
fi

args=()
if [ -n "$pg_bin" ]; then
  # A throwaway cluster: trust authentication on 127.0.0.1 only, a free port. initdb refuses to run as root, so the cluster
  # belongs to the postgres user that the package created. Durability is left at its defaults (fsync on), as in production.
  as_postgres() {
    if [ "$(id -un)" = postgres ]; then bash -c "$1"
    elif [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/bash -c "$1"
    else $sudo -u postgres bash -c "$1"; fi
  }
  pg_dir=$(mktemp -d /tmp/newsletter-bench-pg.XXXXXX)
  chmod 755 "$pg_dir"
  $sudo chown postgres "$pg_dir" 2>/dev/null || true
  stop_postgres() {
    as_postgres "'$pg_bin/pg_ctl' -D '$pg_dir/data' -m immediate stop" >/dev/null 2>&1 || true
    $sudo rm -rf "$pg_dir" "$pg_dir.initdb.log"
  }
  trap stop_postgres EXIT
  trap 'exit 130' INT TERM
  pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null \
    || echo $((20000 + RANDOM % 20000)))
  as_postgres "timeout 300 '$pg_bin/initdb' -D '$pg_dir/data' -A trust -U postgres" >"$pg_dir.initdb.log" 2>&1 || { cat "$pg_dir.initdb.log" >&2; echo "error: initdb failed (above)." >&2; exit 2; }
  # Three worker processes, each with Hangfire's and the store's connection pools: more than the default 100 connections.
  as_postgres "'$pg_bin/pg_ctl' -D '$pg_dir/data' -o \"-p $pg_port -k '$pg_dir' -c listen_addresses=127.0.0.1 -c max_connections=300\" -l '$pg_dir/log' -w -t 120 start" >/dev/null \
    || { cat "$pg_dir/log" >&2; echo "error: PostgreSQL did not start (its log is above)." >&2; exit 2; }
  echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') for the benchmark on 127.0.0.1:$pg_port (removed at exit)" >&2
  args+=(--postgres "Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres")
fi

if [ $full -eq 1 ]; then
  args+=(--profile --memory-repeat "${REPEAT_200K:-1}")
fi

# Not exec: the traps above stop PostgreSQL when the program ends, fails or is interrupted.
"${bench[@]}" "${args[@]}" "$@"
