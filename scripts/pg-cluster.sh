#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on a loopback port for the engine tests (never /etc, never a system cluster).
#   scripts/pg-cluster.sh start DIR PORT   -> prints the connection URL
#   scripts/pg-cluster.sh stop DIR
# Every role is trusted (no password) except the dedicated role mg_password_user, which must give its
# password (scram-sha-256) over TCP, so that the tests can meet a real "password authentication failed"
# (SQLSTATE 28P01). The role itself is created by the tests that use it.
# Needs Debian's postgresql package (initdb, pg_ctl under /usr/lib/postgresql/<major>/bin). As root it runs
# the server as the `postgres` user, as PostgreSQL refuses to run as root.
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?directory}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bindir" ] || { echo "pg-cluster: PostgreSQL server binaries not found; apt-get install -y postgresql" >&2; exit 2; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "$cmd" in
  start)
    port=${3:?port}
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_pg "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    # pg_hba.conf: first match wins, so the password lines go before initdb's trust lines. Also added to
    # an existing data directory that lacks them; `cat >` keeps the file's owner and mode.
    hba="$dir/data/pg_hba.conf"
    if ! grep -q '^host[[:space:]].*mg_password_user' "$hba"; then
      { printf '%s\n' '# scripts/pg-cluster.sh: mg_password_user must authenticate with a password (wrong-password tests)' \
          'host all mg_password_user 127.0.0.1/32 scram-sha-256' \
          'host all mg_password_user ::1/128 scram-sha-256'
        cat "$hba"; } >"$hba.new"
      cat "$hba.new" >"$hba"; rm -f "$hba.new"
    fi
    as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 120 \
      -o "-p $port -c listen_addresses=127.0.0.1 -k $dir -c fsync=off -c password_encryption=scram-sha-256" start >/dev/null \
      || { cat "$dir/log" >&2; exit 1; }
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    [ -f "$dir/data/postmaster.pid" ] && as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 120 stop >/dev/null || true
    ;;
  *) echo "usage: $0 start DIR PORT | stop DIR" >&2; exit 2 ;;
esac
