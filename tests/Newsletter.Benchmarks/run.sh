#!/usr/bin/env bash
# The delivery benchmark of issue #4: the full publish pipeline against Postfix's smtp-sink on 127.0.0.1, next to
# Postfix's smtp-source on the same sink. Installs Postfix if it is missing (Debian/Ubuntu), builds in Release, then:
#   run.sh                 10,000 subscribers x 3 runs with the per-stage profile, then 200,000 subscribers for memory
#   run.sh ARGS...         one invocation with your arguments (run.sh --help lists them), e.g. run.sh --smoke
#   run.sh --store         the store micro-benchmark: claims + records per message, before vs now, SQLite and PostgreSQL
# Environment: REPEAT_200K (runs at 200k, default 1); DOTNET_gcServer=1 measures server GC.
set -euo pipefail
cd "$(dirname "$0")/../.."
# run.sh --store ...: the delivery log's claims and records alone (store.sh), no Postfix needed.
if [ "${1:-}" = --store ]; then exec tests/Newsletter.Benchmarks/store.sh "${@:2}"; fi

if [ ! -x /usr/sbin/smtp-sink ] || [ ! -x /usr/sbin/smtp-source ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "Installing Postfix for smtp-sink and smtp-source (it starts no mail daemon here)..." >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y postfix >&2 \
    || { $sudo apt-get update >&2 && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y postfix >&2; }
fi

dotnet build -c Release tests/Newsletter.Benchmarks/Newsletter.Benchmarks.csproj -v q --nologo >&2
bench=(dotnet tests/Newsletter.Benchmarks/bin/Release/net10.0/Newsletter.Benchmarks.dll)

if [ $# -gt 0 ]; then
  exec "${bench[@]}" "$@"
fi

echo "== 10,000 subscribers: throughput"
"${bench[@]}" --subscribers 10000 --repeat 3 --profile
echo
echo "== 10,000 subscribers: throughput with DKIM signing (a throwaway RSA-2048 key)"
key=$(mktemp --suffix=.pem)
trap 'rm -f "$key"' EXIT
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$key" 2>/dev/null
"${bench[@]}" --subscribers 10000 --repeat 3 --label "full pipeline + DKIM" \
  --set Newsletter:Dkim:Enabled=true --set Newsletter:Dkim:Domain=newsletter.test \
  --set Newsletter:Dkim:Selector=bench --set "Newsletter:Dkim:PrivateKeyPath=$key"
echo
echo "== 200,000 subscribers: memory"
"${bench[@]}" --subscribers 200000 --repeat "${REPEAT_200K:-1}"
