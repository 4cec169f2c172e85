# Sourced by .ci/run: start the machine's PostgreSQL for the test suite and clean up after it.
#
# start_postgres: unless STUDYBOT_TEST_PG is already set, install Debian's `postgresql`
# package if it is missing (apt-get, as root), start the first cluster with pg_ctlcluster if
# it is down, create a throw-away role and database, and export STUDYBOT_TEST_PG for them.
# stop_postgres: drop them, and stop the cluster if start_postgres started it.
# On CI (CI=true) a server that cannot be had is a failure; elsewhere the PostgreSQL half of
# the suite is skipped and both this script and pytest say so loudly.

_pg_started_cluster=""
_pg_role=""
_pg_port=""

_pg_as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        sudo -n -u postgres -- "$@"
    else
        return 1
    fi
}

_pg_unavailable() {
    if [ "${CI:-}" = "true" ]; then
        echo "ci: PostgreSQL is required on CI but $1" >&2
        exit 1
    fi
    echo "!!! ci: PostgreSQL tests will be SKIPPED: $1 (set STUDYBOT_TEST_PG to run them) !!!" >&2
    return 0
}

start_postgres() {
    if [ -n "${STUDYBOT_TEST_PG:-}" ]; then
        echo "ci: using the PostgreSQL server in STUDYBOT_TEST_PG" >&2
        return 0
    fi
    if ! command -v pg_lsclusters >/dev/null; then
        if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
            echo "ci: installing Debian's postgresql package" >&2
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2 \
                || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2; } \
                || { _pg_unavailable "the postgresql package could not be installed"; return 0; }
        else
            _pg_unavailable "PostgreSQL is not installed (apt-get install postgresql, as root)"
            return 0
        fi
    fi
    local version name port status
    read -r version name port status _ < <(pg_lsclusters --no-header | head -n 1) || true
    if [ -z "${version:-}" ]; then
        _pg_unavailable "no PostgreSQL cluster exists (pg_createcluster)"
        return 0
    fi
    if [ "$status" != "online" ]; then
        echo "ci: starting PostgreSQL cluster $version/$name on port $port" >&2
        pg_ctlcluster "$version" "$name" start \
            || { _pg_unavailable "pg_ctlcluster $version $name start failed"; return 0; }
        _pg_started_cluster="$version $name"
    fi
    _pg_port="$port"
    local role="studybot_ci_$$" password
    password="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
    if ! _pg_as_postgres psql -q -p "$port" -v ON_ERROR_STOP=1 \
            -c "CREATE ROLE $role LOGIN PASSWORD '$password'" -c "CREATE DATABASE $role OWNER $role" >&2; then
        _pg_unavailable "could not create a role and database as the postgres user"
        return 0
    fi
    _pg_role="$role"
    export STUDYBOT_TEST_PG="postgresql://$role:$password@127.0.0.1:$port/$role"
    echo "ci: PostgreSQL tests run on database $role (port $port)" >&2
}

stop_postgres() {
    if [ -n "$_pg_role" ]; then
        _pg_as_postgres psql -q -p "$_pg_port" -c "DROP DATABASE IF EXISTS $_pg_role" \
            -c "DROP ROLE IF EXISTS $_pg_role" >&2 || true
    fi
    if [ -n "$_pg_started_cluster" ]; then
        echo "ci: stopping PostgreSQL cluster ${_pg_started_cluster/ //}" >&2
        # shellcheck disable=SC2086 # version and name, two words
        pg_ctlcluster $_pg_started_cluster stop || true
    fi
}
