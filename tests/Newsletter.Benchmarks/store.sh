#!/usr/bin/env bash
# The store micro-benchmark (run.sh --store ARGS), or with --migration first the address-key upgrade's timing: the delivery log's claim + record per message, before vs now, on SQLite
# and on a throwaway PostgreSQL cluster (Debian's postgresql package, initdb as the postgres user, 127.0.0.1 and a free
# port, fsync on, stopped and deleted at exit). Without PostgreSQL installed, only SQLite is measured.
# Give --postgres CONNECTION-STRING to use a server of your own instead.
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build -c Release tests/Newsletter.Benchmarks/Newsletter.Benchmarks.csproj -v q --nologo >&2
# --migration as the first argument times the address-key schema upgrade on a large old store instead (MigrationBenchmark).
mode=--store; if [ "${1:-}" = "--migration" ]; then mode=--migration; shift; fi
bench=(dotnet tests/Newsletter.Benchmarks/bin/Release/net10.0/Newsletter.Benchmarks.dll "$mode")

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [[ " $* " == *" --postgres "* ]] || [ -z "$pg_bin" ]; then
  exec "${bench[@]}" "$@"
fi

sudo=""; if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
as_postgres() {
  if [ "$(id -un)" = postgres ]; then bash -c "$1"
  elif [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/bash -c "$1"
  else $sudo -u postgres bash -c "$1"; fi
}
pg_dir=$(mktemp -d /tmp/newsletter-store-bench-pg.XXXXXX)
chmod 755 "$pg_dir"
$sudo chown postgres "$pg_dir"
pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
stop_postgres() {
  as_postgres "'$pg_bin/pg_ctl' -D '$pg_dir/data' -m immediate stop" >/dev/null 2>&1 || true
  $sudo rm -rf "$pg_dir"
}
trap stop_postgres EXIT
as_postgres "'$pg_bin/initdb' -D '$pg_dir/data' -A trust -U postgres" >/dev/null
as_postgres "'$pg_bin/pg_ctl' -D '$pg_dir/data' -o \"-p $pg_port -k '$pg_dir' -c listen_addresses=127.0.0.1\" -l '$pg_dir/log' -w start" >/dev/null
"${bench[@]}" "$@" --postgres "Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres" --postgres-data "$pg_dir/data"
