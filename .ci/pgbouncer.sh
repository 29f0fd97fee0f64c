# Sourced by .ci/run: starts Debian's pgbouncer in transaction pooling mode in front of the CI's
# PostgreSQL, exports PROMO_TRACK_PGBOUNCER_URL for the suite, and stops it when the shell exits
# (added to the EXIT trap, after whatever was there). Needs PROMO_TRACK_PG_URL's server on 127.0.0.1:5432.

pgbouncer_port="${PGBOUNCER_PORT:-6432}"

if ! command -v pgbouncer >/dev/null 2>&1 && [ ! -x /usr/sbin/pgbouncer ]; then
  echo "installing Debian's pgbouncer for the transaction pooling suite"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null
fi

pgbouncer_dir="$(mktemp -d /tmp/promo-track-pgbouncer.XXXXXX)"
# trust: no password; the user must still be listed in the auth file.
echo '"postgres" ""' >"$pgbouncer_dir/users.txt"
cat >"$pgbouncer_dir/pgbouncer.ini" <<EOF
[databases]
test = host=127.0.0.1 port=5432 dbname=test user=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $pgbouncer_port
unix_socket_dir =
auth_type = trust
auth_file = $pgbouncer_dir/users.txt
pool_mode = transaction
; The suite opens many small pools at once; they share at most default_pool_size server connections.
max_client_conn = 2000
default_pool_size = 30
ignore_startup_parameters = extra_float_digits,options
logfile = $pgbouncer_dir/pgbouncer.log
pidfile = $pgbouncer_dir/pgbouncer.pid
EOF

# pgbouncer refuses to run as root: -u switches to the postgres user, who must be able to write its log and pid.
pgbouncer_user=()
if [ "$(id -u)" = 0 ]; then
  chown -R postgres "$pgbouncer_dir"
  pgbouncer_user=(-u postgres)
fi
"$(command -v pgbouncer || echo /usr/sbin/pgbouncer)" -d "${pgbouncer_user[@]}" "$pgbouncer_dir/pgbouncer.ini"

stop_pgbouncer() {
  [ -f "$pgbouncer_dir/pgbouncer.pid" ] && kill "$(cat "$pgbouncer_dir/pgbouncer.pid")" 2>/dev/null
  rm -rf "$pgbouncer_dir"
}
eval "pgbouncer_previous_trap=($(trap -p EXIT))"
trap "stop_pgbouncer; ${pgbouncer_previous_trap[2]:-}" EXIT

export PROMO_TRACK_PGBOUNCER_URL="postgres://postgres@127.0.0.1:$pgbouncer_port/test"
# Waits until a query goes through it (node_modules must be installed: pg asks).
for attempt in $(seq 1 50); do
  if node -e "
    const c = new (require('pg').Client)(process.env.PROMO_TRACK_PGBOUNCER_URL);
    c.connect().then(() => c.query('select 1')).then(() => process.exit(0), () => process.exit(1));
  " 2>/dev/null; then
    echo "pgbouncer (transaction pooling) answers at $PROMO_TRACK_PGBOUNCER_URL"
    break
  fi
  if [ "$attempt" = 50 ]; then
    echo "pgbouncer did not answer; its log:" >&2
    cat "$pgbouncer_dir/pgbouncer.log" >&2 || true
    exit 1
  fi
  sleep 0.2
done
