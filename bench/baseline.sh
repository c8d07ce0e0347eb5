#!/usr/bin/env bash
# The pre-deploy script users write today: the 43 checks of bench/stack-checklist.yaml, one after another,
# with psql, redis-cli, curl, openssl s_client and the alembic CLI. Run from the project's repository with
# the variables bench/run.ts sets. Prints PASS/FAIL per check; exits 1 when any check failed.
set -uo pipefail

export PGCONNECT_TIMEOUT=10
passed=0
failed=0

check() {
  local name=$1
  shift
  if "$@" >/dev/null 2>&1; then
    echo "PASS $name"
    passed=$((passed + 1))
  else
    echo "FAIL $name"
    failed=$((failed + 1))
  fi
}

sql() { psql -X -At -v ON_ERROR_STOP=1 "$DATABASE_URL" -c "$1"; }
rcli() { redis-cli -u "$REDIS_URL" --no-auth-warning "$@"; }
http() { curl -s --max-time 10 "$@"; }
s3() { curl -sf --max-time 10 --aws-sigv4 "aws:amz:${AWS_REGION}:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$@"; }
tls() { timeout 10 openssl s_client -connect "127.0.0.1:$HTTPS_PORT" -servername localhost -verify_hostname localhost -CAfile "$TLS_CA_FILE" -verify_return_error "$@" </dev/null 2>&1; }

# environment
env_urls() { [ -n "${DATABASE_URL:-}" ] && [ -n "${REDIS_URL:-}" ]; }
check env-urls env_urls
secret_key_long() { [ "${#SECRET_KEY}" -ge 32 ]; }
check env-secret-key secret_key_long
jwt_secret_hex() { [[ $JWT_SECRET_KEY =~ ^[0-9a-f]{64}$ ]]; }
check env-jwt-secret jwt_secret_hex
stripe_live() { [[ $STRIPE_API_KEY == sk_live_* ]]; }
check env-stripe-key stripe_live
cors_not_star() { [[ ",$CORS_ORIGINS," != *",*,"* ]]; }
check env-cors cors_not_star
debug_off() { [ "${DEBUG,,}" = false ]; }
check env-debug-off debug_off

# version control
git_clean() { [ -z "$(git status --porcelain)" ]; }
check git-clean git_clean
git_semver_tag() { git describe --exact-match --tags HEAD | grep -Eq '^v?[0-9]+\.[0-9]+\.[0-9]+$'; }
check git-tag git_semver_tag
changelog_mentions_tag() { local tag; tag=$(git describe --exact-match --tags HEAD) && grep -q "${tag#v}" CHANGELOG.md; }
check git-changelog changelog_mentions_tag

# PostgreSQL
sql_is() { [ "$(sql "$1")" = "$2" ]; }
sql_at_least() { [ "$(sql "$1")" -ge "$2" ]; }
check db-connect sql 'select 1'
check db-version sql_at_least 'show server_version_num' 150000
check db-max-connections sql_at_least "select current_setting('max_connections')::int" 20
check db-encoding sql_is "select pg_encoding_to_char(encoding) from pg_database where datname = current_database()" UTF8
check db-not-superuser sql_is "select rolsuper from pg_roles where rolname = current_user" f
check db-index-author sql_is "select count(*) from pg_indexes where indexname = 'ix_posts_author_id'" 1
check db-index-search sql_is "select count(*) from pg_indexes where indexname = 'ix_posts_search'" 1
check db-idle-in-transaction sql_is "select count(*) from pg_stat_activity where state = 'idle in transaction' and now() - state_change > interval '5 minutes'" 0
check db-primary sql_is "select pg_is_in_recovery()" f
check db-tables sql_is "select count(*) from information_schema.tables where table_name in ('users', 'posts')" 2

# migrations: one head, and the database at it
at_alembic_head() {
  local heads current
  heads=$(alembic -c "$ALEMBIC_CONFIG" heads | awk '{print $1}')
  current=$(alembic -c "$ALEMBIC_CONFIG" current | awk '{print $1}')
  [ -n "$heads" ] && [ "$(echo "$heads" | wc -l)" -eq 1 ] && [ "$current" = "$heads" ]
}
check alembic-head at_alembic_head

# Redis
redis_pong() { [ "$(rcli ping)" = PONG ]; }
check redis-ping redis_pong
redis_needs_auth() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping | grep -q NOAUTH; }
check redis-auth-required redis_needs_auth
redis_config_is() { [ "$(rcli config get "$1" | tail -n 1)" = "$2" ]; }
check redis-eviction redis_config_is maxmemory-policy noeviction
redis_aof() { rcli info persistence | grep -q '^aof_enabled:1'; }
check redis-aof redis_aof
redis_queue_short() { [ "$(rcli llen celery)" -lt 100 ]; }
check redis-queue redis_queue_short
redis_master() { rcli info replication | grep -q '^role:master'; }
check redis-role redis_master

# S3
check s3-media s3 -I "$AWS_ENDPOINT_URL/$AWS_S3_BUCKET"
check s3-backups s3 -I "$AWS_ENDPOINT_URL/$BACKUP_BUCKET"
backup_is_fresh() {
  local newest
  newest=$(s3 "$AWS_ENDPOINT_URL/$BACKUP_BUCKET?list-type=2&prefix=db/" | grep -o '<LastModified>[^<]*' | sed 's/<LastModified>//' | sort | tail -n 1)
  [ -n "$newest" ] && [ "$(date -d "$newest" +%s)" -gt "$(($(date +%s) - 26 * 3600))" ]
}
check s3-backup-fresh backup_is_fresh
uploads_listed() { s3 "$AWS_ENDPOINT_URL/$AWS_S3_BUCKET?list-type=2&prefix=uploads/" | grep -q '<Key>uploads/'; }
check s3-uploads uploads_listed
canary() {
  local key=".sfdeploy-canary/baseline-$$"
  s3 -X PUT --data-binary canary "$AWS_ENDPOINT_URL/$AWS_S3_BUCKET/$key" &&
    [ "$(s3 "$AWS_ENDPOINT_URL/$AWS_S3_BUCKET/$key")" = canary ] &&
    s3 -X DELETE "$AWS_ENDPOINT_URL/$AWS_S3_BUCKET/$key"
}
check s3-canary canary

# API over HTTP
api_healthy() { http -f "$API_BASE_URL/health" | grep -Eq '"status": *"healthy"'; }
check api-health api_healthy
check api-ready http -f -o /dev/null "$API_BASE_URL/ready"
api_runs_release() { http -f "$API_BASE_URL/api/v1/version" | grep -Eq "\"version\": *\"$RELEASE\""; }
check api-version api_runs_release
fast_enough() { local t; t=$(http -o /dev/null -w '%{time_total}' "$API_BASE_URL/health") && awk -v t="$t" 'BEGIN { exit !(t < 2) }'; }
check api-latency fast_enough
redirects_to_https() { [[ "$(http -o /dev/null -w '%{http_code} %{redirect_url}' "$API_BASE_URL/app")" == "301 https:"* ]]; }
check api-redirect redirects_to_https
cors_refuses() { ! http -D - -o /dev/null -H 'Origin: https://evil.example' "$API_BASE_URL/health" | grep -qi '^access-control-allow-origin:'; }
check api-cors cors_refuses
admin_hidden() { [ "$(http -o /dev/null -w '%{http_code}' "$API_BASE_URL/admin")" = 404 ]; }
check api-admin-hidden admin_hidden
hsts() { http --cacert "$TLS_CA_FILE" -D - -o /dev/null "$API_HTTPS_URL/health" | grep -qi '^strict-transport-security: max-age='; }
check api-hsts hsts

# TLS
cert_ok() { tls | openssl x509 -noout -checkend $((14 * 86400)); }
check tls-certificate cert_ok
tls13() { tls -brief | grep -q 'Protocol version: TLSv1.3'; }
check tls-protocol tls13

# network
port_open() { timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1"; }
check tcp-postgres port_open "$PG_PORT"
check tcp-redis port_open "$REDIS_PORT"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
