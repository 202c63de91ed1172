#!/usr/bin/env bash
# The two PostgreSQL roles of an installation and its database (security.md 29). Idempotent.
#
#   scripts/postgres-roles.sh DATABASE OWNER_ROLE APP_ROLE
#
# OWNER_ROLE owns the database and every table, and runs the migrations (DATABASE_OWNER_URL).
# APP_ROLE is what the web app and the scheduler connect as (DATABASE_URL): it owns nothing,
# may connect, and gets its table privileges from `flask --app wsgi db upgrade`. Both log in;
# neither is a superuser or may create roles or databases. Nobody but the owner may create
# anything in schema public. Tables the app role owns (an installation from before the two
# roles) are handed to the owner.
#
# Run as a PostgreSQL superuser; where to connect comes from libpq's variables (PGHOST, PGPORT,
# PGUSER, PGPASSWORD; PGDATABASE is the maintenance database, default postgres). Passwords come
# from the environment, never the command line: DIVERSION_OWNER_PASSWORD and
# DIVERSION_APP_PASSWORD set (or change) the roles' passwords when given; without them the
# roles have no password (for a server that trusts local connections or uses certificates).
set -euo pipefail

if [ "$#" -ne 3 ]; then
    echo "usage: $0 DATABASE OWNER_ROLE APP_ROLE" >&2
    exit 2
fi
database="$1" owner="$2" app="$3"
if [ "$owner" = "$app" ]; then
    echo "postgres-roles: the owner and the app must be two different roles" >&2
    exit 2
fi

export DIVERSION_OWNER_PASSWORD="${DIVERSION_OWNER_PASSWORD:-}"
export DIVERSION_APP_PASSWORD="${DIVERSION_APP_PASSWORD:-}"

run() {
    psql --no-psqlrc --quiet --set=ON_ERROR_STOP=1 \
        --set=database="$database" --set=owner="$owner" --set=app="$app" "$@"
}

# Roles and the database, from the maintenance database. \gexec runs each statement that
# the SELECT produces: nothing when the role or the database is already there.
run --dbname="${PGDATABASE:-postgres}" <<'SQL'
\getenv owner_password DIVERSION_OWNER_PASSWORD
\getenv app_password DIVERSION_APP_PASSWORD
SELECT format('CREATE ROLE %I', r) FROM (VALUES (:'owner'), (:'app')) AS v(r)
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) \gexec
SELECT format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS', r)
  FROM (VALUES (:'owner'), (:'app')) AS v(r) \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', r, p)
  FROM (VALUES (:'owner', :'owner_password'), (:'app', :'app_password')) AS v(r, p)
 WHERE p <> '' \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'database', :'owner')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database') \gexec
SELECT format('ALTER DATABASE %I OWNER TO %I', :'database', :'owner') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'database') \gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO %I', :'database', :'app') \gexec
SQL

# Inside the database: schema public belongs to the owner, nobody else creates in it, and
# whatever the app role owns (an older installation) passes to the owner.
run --dbname="$database" <<'SQL'
SELECT format('REASSIGN OWNED BY %I TO %I', :'app', :'owner') \gexec
ALTER SCHEMA public OWNER TO :"owner";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app";
SQL

echo "PostgreSQL: database $database owned by $owner; $app may connect and owns nothing."
