#!/usr/bin/env bash
# Runs the whole test suite. As root on Debian it installs and starts what the
# suite needs (PostgreSQL, Chromium); elsewhere those tests skip with a reason.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  need=()
  command -v pg_ctlcluster >/dev/null || [ -d /usr/lib/postgresql ] || need+=(postgresql)
  command -v chromium >/dev/null || need+=(chromium)
  if [ ${#need[@]} -gt 0 ]; then
    echo "installing ${need[*]} from Debian's packages" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
fi

# A throw-away PostgreSQL server on a local port, run as an unprivileged user.
if [ -d /usr/lib/postgresql ] && [ -z "${PROSCRIBE_TEST_POSTGRES:-}" ]; then
  pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
  pgdir=$(mktemp -d /tmp/proscribe-pg.XXXXXX)
  port=${PROSCRIBE_TEST_PG_PORT:-55432}
  runas=()
  if [ "$(id -u)" = 0 ]; then
    id -u postgres >/dev/null 2>&1 || useradd --system postgres
    chown postgres "$pgdir"
    runas=(runuser -u postgres --)
  fi
  "${runas[@]}" "$pgbin/initdb" -D "$pgdir/data" -U proscribe --auth=trust >/dev/null
  "${runas[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -o "-p $port -k $pgdir -c listen_addresses=127.0.0.1 -c fsync=off" -l "$pgdir/log" -w start >/dev/null
  trap '"${runas[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$pgdir"' EXIT
  export PROSCRIBE_TEST_POSTGRES="postgresql+psycopg://proscribe@127.0.0.1:$port/postgres"
fi

"$VENV/bin/python" -m pytest "$@"
