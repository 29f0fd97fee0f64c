# shellcheck shell=bash
# Sourced by .ci/run: a streaming replica of the local PostgreSQL (the primary at 127.0.0.1:5432),
# made with pg_basebackup and started on port 55433, for the tests of `readDb` (docs/scale.md).
# Exports PROMO_TRACK_PG_REPLICA_URL and defines stop_pg_replica, which stops it and removes its
# directory (.ci/run calls it on exit). Works as root (initdb and pg_ctl refuse root: they run as
# the `postgres` OS user) and as the postgres user itself.

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_REPLICA_PORT="${PG_REPLICA_PORT:-55433}"

# Runs a command as the postgres OS user (the owner of the data directories).
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

primary_sql() { psql -X -U postgres -h 127.0.0.1 -p 5432 -d postgres -Atc "$1"; }

start_pg_replica() {
  # The primary must stream WAL to a replica, and let 127.0.0.1 connect for replication.
  local wal_level senders hba
  wal_level="$(primary_sql 'show wal_level')"
  senders="$(primary_sql 'show max_wal_senders')"
  if [ "$wal_level" != replica ] && [ "$wal_level" != logical ]; then
    echo "pg-replica: the primary's wal_level is $wal_level; set it to replica and restart it" >&2
    return 1
  fi
  if [ "$senders" -le 0 ]; then
    echo "pg-replica: the primary's max_wal_senders is 0; raise it and restart it" >&2
    return 1
  fi
  hba="$(primary_sql 'show hba_file')"
  if ! grep -Eq '^[[:space:]]*host[[:space:]]+replication[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba"; then
    echo 'host replication all 127.0.0.1/32 trust' >>"$hba"
    primary_sql 'select pg_reload_conf()' >/dev/null
  fi

  PG_REPLICA_DIR="$(mktemp -d /tmp/pg-replica.XXXXXX)"
  export PG_REPLICA_DIR
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$PG_REPLICA_DIR"; fi
  chmod 700 "$PG_REPLICA_DIR"
  # -R: standby.signal and primary_conninfo; -X stream: the WAL written during the copy comes along;
  # -c fast: a checkpoint at once, not one spread over minutes.
  as_postgres "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p 5432 -U postgres -D "$PG_REPLICA_DIR" -R -X stream -c fast

  # Debian keeps postgresql.conf and pg_hba.conf outside the data directory: the replica gets its
  # own. Settings a hot standby needs at least as high as the primary's are copied from it.
  local copied
  copied="$(primary_sql "select name || ' = ' || setting from pg_settings where name in
    ('max_connections', 'max_worker_processes', 'max_wal_senders', 'max_prepared_transactions', 'max_locks_per_transaction')")"
  as_postgres tee -a "$PG_REPLICA_DIR/postgresql.conf" >/dev/null <<EOF
port = $PG_REPLICA_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PG_REPLICA_DIR'
hot_standby = on
ssl = off
shared_buffers = 64MB
$copied
EOF
  printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' | as_postgres tee "$PG_REPLICA_DIR/pg_hba.conf" >/dev/null
  as_postgres touch "$PG_REPLICA_DIR/pg_ident.conf"

  as_postgres "$PG_BIN/pg_ctl" -D "$PG_REPLICA_DIR" -l "$PG_REPLICA_DIR/server.log" -w -t 60 start >/dev/null
  for _ in $(seq 1 60); do
    if [ "$(psql -X -U postgres -h 127.0.0.1 -p "$PG_REPLICA_PORT" -d test -Atc 'select pg_is_in_recovery()' 2>/dev/null)" = t ]; then
      export PROMO_TRACK_PG_REPLICA_URL="postgres://postgres@127.0.0.1:$PG_REPLICA_PORT/test"
      echo "pg-replica: streaming replica of 127.0.0.1:5432 on port $PG_REPLICA_PORT ($PG_REPLICA_DIR)"
      return 0
    fi
    sleep 1
  done
  echo "pg-replica: the replica did not come up in recovery; its log:" >&2
  tail -n 30 "$PG_REPLICA_DIR/server.log" >&2 || true
  return 1
}

stop_pg_replica() {
  [ -n "${PG_REPLICA_DIR:-}" ] && [ -d "$PG_REPLICA_DIR" ] || return 0
  as_postgres "$PG_BIN/pg_ctl" -D "$PG_REPLICA_DIR" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_REPLICA_DIR"
}

start_pg_replica
