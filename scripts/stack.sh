#!/usr/bin/env bash
# The production shape on this machine, started and stopped by one command:
#
#   scripts/stack.sh up     nginx (TLS, throw-away certificate) -> gunicorn (2 workers, ProxyFix)
#                           -> PostgreSQL (owner and app roles), Redis for the sign-in counts,
#                           two schedulers side by side (as on two servers: each job's tick
#                           runs in one of them at a time), SMTP to a local aiosmtpd (STARTTLS)
#   scripts/stack.sh down   stops everything `up` started (the database stays)
#   scripts/stack.sh drop   `down`, then drops the stack's database and roles
#   scripts/stack.sh status what is running
#
# Everything listens on 127.0.0.1 only. The settings below may be overridden from the
# environment (the tests start a stack of their own with free ports and a folder of their own).
# The app runs with DIVERSION_ENV=production and keys generated for this stack alone, kept in
# $STACK_DIR/env (mode 600); docs/deploy.md explains each piece as a partnership installs it.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

STACK_DIR="${STACK_DIR:-$ROOT/instance/stack}"
HTTPS_PORT="${STACK_HTTPS_PORT:-8443}"
APP_PORT="${STACK_APP_PORT:-8001}"
REDIS_PORT="${STACK_REDIS_PORT:-6380}"
SMTP_PORT="${STACK_SMTP_PORT:-8025}"
PG_HOST="${STACK_PG_HOST:-127.0.0.1}"
PG_PORT="${STACK_PG_PORT:-5432}"
PG_SUPERUSER="${STACK_PG_SUPERUSER:-postgres}"
DB_NAME="${STACK_DB:-diversion_stack}"
DB_OWNER="${STACK_DB_OWNER:-${DB_NAME}_owner}"
DB_APP="${STACK_DB_APP:-${DB_NAME}_app}"
WORKERS="${STACK_WORKERS:-2}"
SCHEDULERS="${STACK_SCHEDULERS:-2}"
VENV_BIN="${VENV_BIN:-$ROOT/.venv/bin}"
# This checkout's code, whichever checkout the virtualenv's editable install points at.
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"

RUN="$STACK_DIR/run"
LOGS="$STACK_DIR/logs"
TLS="$STACK_DIR/tls"

say() { printf 'stack: %s\n' "$*"; }
die() { printf 'stack: %s\n' "$*" >&2; exit 1; }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_for() { # wait_for DESCRIPTION SECONDS COMMAND...
  local what="$1" seconds="$2"
  shift 2
  for _ in $(seq 1 $((seconds * 5))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  die "$what did not start in ${seconds}s (logs in $LOGS)"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U "$PG_SUPERUSER" "$@"; }

ensure_postgres() {
  if pg_isready -h "$PG_HOST" -p "$PG_PORT" -q; then return 0; fi
  say "PostgreSQL is not answering on $PG_HOST:$PG_PORT: starting the machine's cluster"
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
  fi
  wait_for "PostgreSQL" 30 pg_isready -h "$PG_HOST" -p "$PG_PORT" -q
}

make_keys() {
  [ -f "$STACK_DIR/keys" ] && return 0
  say "generating this stack's secret keys in $STACK_DIR/keys"
  (umask 077 && "$VENV_BIN/python" - >"$STACK_DIR/keys" <<'PY'
import secrets
from cryptography.fernet import Fernet
print(f"SECRET_KEY={secrets.token_urlsafe(48)}")
print(f"ENCRYPTION_KEYS={Fernet.generate_key().decode()}")
print(f"LOOKUP_HASH_KEY={secrets.token_urlsafe(48)}")
PY
  )
}

make_certificates() {
  [ -f "$TLS/server.crt" ] && return 0
  say "making a throw-away certificate authority and a certificate for 127.0.0.1"
  mkdir -p "$TLS"
  (
    cd "$TLS"
    umask 077
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=Diversion stack test CA" \
      -keyout ca.key -out ca.crt 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
      -keyout server.key -out server.csr 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >ext.cnf
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 \
      -extfile ext.cnf -out server.crt 2>/dev/null
    # What the app's SMTP client trusts: the system's authorities and this stack's own.
    cat /etc/ssl/certs/ca-certificates.crt ca.crt >trust.pem 2>/dev/null || cp ca.crt trust.pem
    chmod 644 ca.crt server.crt trust.pem
  )
}

write_env() {
  # Everything the app and the scheduler read, as a partnership's systemd units would set it.
  {
    echo "DIVERSION_ENV=production"
    cat "$STACK_DIR/keys"
    echo "DATABASE_URL=postgresql://$DB_APP@$PG_HOST:$PG_PORT/$DB_NAME"
    echo "DATABASE_OWNER_URL=postgresql://$DB_OWNER@$PG_HOST:$PG_PORT/$DB_NAME"
    echo "PUBLIC_BASE_URL=https://127.0.0.1:$HTTPS_PORT"
    echo "RATELIMIT_STORAGE_URI=redis://127.0.0.1:$REDIS_PORT/0"
    echo "PROXY_HOPS=1"
    echo "WEB_CONCURRENCY=$WORKERS"
    echo "MAIL_SERVER=127.0.0.1"
    echo "MAIL_PORT=$SMTP_PORT"
    echo "MAIL_USE_TLS=true"
    echo "MAIL_FROM=diversion@localhost"
    echo "SSL_CERT_FILE=$TLS/trust.pem"
  } >"$STACK_DIR/env"
  chmod 600 "$STACK_DIR/env"
}

load_env() {
  set -a
  # shellcheck disable=SC1091
  . "$STACK_DIR/env"
  set +a
  unset FLASK_DEBUG
}

write_nginx_conf() {
  mkdir -p "$RUN/nginx-temp"
  local user_line=""
  # Run as root (a container), the workers stay root: they only read this folder.
  [ "$(id -u)" = 0 ] && user_line="user root;"
  sed -e "s|@USER_LINE@|$user_line|" \
      -e "s|@RUN@|$RUN|g" -e "s|@LOGS@|$LOGS|g" -e "s|@TLS@|$TLS|g" \
      -e "s|@HTTPS_PORT@|$HTTPS_PORT|g" -e "s|@APP_PORT@|$APP_PORT|g" \
      -e "s|@STATIC@|$ROOT/diversion/static|g" \
      "$ROOT/deploy/nginx-stack.conf" >"$RUN/nginx.conf"
}

up() {
  bash "$ROOT/scripts/ensure-services.sh"
  [ -x "$VENV_BIN/gunicorn" ] || die "gunicorn is missing from $VENV_BIN: run make install"
  mkdir -p "$STACK_DIR" "$RUN" "$LOGS"
  chmod 700 "$STACK_DIR"
  make_keys
  make_certificates
  write_env

  ensure_postgres
  say "PostgreSQL: database $DB_NAME, owner role $DB_OWNER, app role $DB_APP"
  PGHOST="$PG_HOST" PGPORT="$PG_PORT" PGUSER="$PG_SUPERUSER" \
    bash "$ROOT/scripts/postgres-roles.sh" "$DB_NAME" "$DB_OWNER" "$DB_APP"

  if ! alive "$RUN/redis.pid"; then
    say "Redis on 127.0.0.1:$REDIS_PORT"
    mkdir -p "$STACK_DIR/redis"
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
      --dir "$STACK_DIR/redis" --daemonize yes --pidfile "$RUN/redis.pid" \
      --logfile "$LOGS/redis.log"
    wait_for "Redis" 10 redis-cli -p "$REDIS_PORT" ping
  fi

  if ! alive "$RUN/smtp.pid"; then
    say "SMTP (aiosmtpd, STARTTLS required) on 127.0.0.1:$SMTP_PORT, mail kept in $STACK_DIR/maildir"
    mkdir -p "$STACK_DIR/maildir/tmp" "$STACK_DIR/maildir/new" "$STACK_DIR/maildir/cur"
    nohup "$VENV_BIN/python" -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" \
      --tlscert "$TLS/server.crt" --tlskey "$TLS/server.key" \
      -c aiosmtpd.handlers.Mailbox "$STACK_DIR/maildir" >"$LOGS/smtp.log" 2>&1 &
    echo $! >"$RUN/smtp.pid"
    wait_for "SMTP" 10 port_open "$SMTP_PORT"
  fi

  load_env
  say "migrating as the owner role"
  "$VENV_BIN/flask" --app wsgi db upgrade >"$LOGS/migrate.log" 2>&1 \
    || { cat "$LOGS/migrate.log" >&2; die "migrations failed"; }

  if ! alive "$RUN/gunicorn.pid"; then
    say "gunicorn ($WORKERS workers) on 127.0.0.1:$APP_PORT"
    "$VENV_BIN/gunicorn" --config "$ROOT/deploy/gunicorn.conf.py" \
      --bind "127.0.0.1:$APP_PORT" --workers "$WORKERS" \
      --pid "$RUN/gunicorn.pid" --daemon \
      --access-logfile "$LOGS/gunicorn-access.log" --error-logfile "$LOGS/gunicorn.log" \
      wsgi:app
    wait_for "gunicorn" 30 port_open "$APP_PORT"
  fi

  local n
  for n in $(seq 1 "$SCHEDULERS"); do
    if ! alive "$RUN/scheduler-$n.pid"; then
      say "scheduler $n of $SCHEDULERS (its own process, as on a server of its own)"
      nohup "$VENV_BIN/flask" --app wsgi scheduler >"$LOGS/scheduler-$n.log" 2>&1 &
      echo $! >"$RUN/scheduler-$n.pid"
    fi
  done

  if ! alive "$RUN/nginx.pid"; then
    say "nginx (TLS) on https://127.0.0.1:$HTTPS_PORT"
    write_nginx_conf
    nginx -p "$RUN" -c "$RUN/nginx.conf" -t -q 2>"$LOGS/nginx-test.log" \
      || { cat "$LOGS/nginx-test.log" >&2; die "nginx refused its configuration"; }
    nginx -p "$RUN" -c "$RUN/nginx.conf"
  fi
  wait_for "the service over HTTPS" 30 \
    curl --silent --fail --cacert "$TLS/ca.crt" "https://127.0.0.1:$HTTPS_PORT/healthz"
  sleep 1
  for n in $(seq 1 "$SCHEDULERS"); do
    alive "$RUN/scheduler-$n.pid" \
      || { cat "$LOGS/scheduler-$n.log" >&2; die "scheduler $n stopped"; }
  done
  say "up: https://127.0.0.1:$HTTPS_PORT/ (certificate authority: $TLS/ca.crt)"
}

stop_pid() { # stop_pid NAME PIDFILE
  local pid
  # nginx removes its own pid file as it quits: gone between the check and the read is stopped.
  if alive "$2" && pid="$(cat "$2" 2>/dev/null)"; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
    say "stopped $1"
  fi
  rm -f "$2"
}

down() {
  [ -d "$RUN" ] || { say "nothing to stop in $STACK_DIR"; return 0; }
  if alive "$RUN/nginx.pid"; then
    nginx -p "$RUN" -c "$RUN/nginx.conf" -s quit 2>/dev/null || true
  fi
  stop_pid nginx "$RUN/nginx.pid"
  local pidfile
  for pidfile in "$RUN"/scheduler*.pid; do
    [ -e "$pidfile" ] || continue
    stop_pid "$(basename "$pidfile" .pid)" "$pidfile"
  done
  stop_pid gunicorn "$RUN/gunicorn.pid"
  stop_pid SMTP "$RUN/smtp.pid"
  stop_pid Redis "$RUN/redis.pid"
}

drop() {
  down
  ensure_postgres
  psql_admin -d postgres -c "DROP DATABASE IF EXISTS \"$DB_NAME\" WITH (FORCE)" \
    -c "DROP ROLE IF EXISTS \"$DB_APP\"" -c "DROP ROLE IF EXISTS \"$DB_OWNER\""
  say "dropped database $DB_NAME and its roles"
}

schedulers() { # the scheduler pid files' names: those started, else those `up` starts
  local found=() pidfile n
  for pidfile in "$RUN"/scheduler*.pid; do
    [ -e "$pidfile" ] && found+=("$(basename "$pidfile" .pid)")
  done
  if [ "${#found[@]}" = 0 ]; then
    for n in $(seq 1 "$SCHEDULERS"); do found+=("scheduler-$n"); done
  fi
  echo "${found[@]}"
}

status() {
  local name
  # shellcheck disable=SC2046
  for name in nginx gunicorn $(schedulers) redis smtp; do
    if alive "$RUN/$name.pid"; then say "$name running (pid $(cat "$RUN/$name.pid"))"; else say "$name stopped"; fi
  done
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  drop) drop ;;
  status) status ;;
  *) echo "usage: scripts/stack.sh up|down|drop|status" >&2; exit 2 ;;
esac
