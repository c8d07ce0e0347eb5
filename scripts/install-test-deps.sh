#!/usr/bin/env bash
# Installs the server binaries the test suite starts throwaway instances of: PostgreSQL (initdb, pg_ctl),
# redis-server, the alembic CLI (with psycopg2), git, tmux (the pseudo-terminal of the interactive sign-off tests),
# openssh-client (ssh-keygen and ssh-agent: signed sign-offs)
# and headless Chromium (renders the HTML receipt). Needs root (or sudo) and Debian/Ubuntu; elsewhere it prints
# what to install.
set -euo pipefail
missing=()
command -v git >/dev/null || missing+=(git)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v alembic >/dev/null || missing+=(alembic)
# psycopg2 for the Python that runs alembic (Debian's /usr/bin/python3 unless alembic lives elsewhere)
alembic_python=/usr/bin/python3
if command -v alembic >/dev/null; then
  shebang=$(head -n 1 "$(command -v alembic)" | sed -n 's/^#! *//p')
  case "$shebang" in
    */env\ *) alembic_python=${shebang#* } ;;
    ?*) alembic_python=${shebang%% *} ;;
  esac
fi
"$alembic_python" -c 'import psycopg2' >/dev/null 2>&1 || missing+=(python3-psycopg2)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || missing+=(postgresql)
command -v openssl >/dev/null || missing+=(openssl)
command -v tmux >/dev/null || missing+=(tmux)
command -v ssh-keygen >/dev/null && command -v ssh-agent >/dev/null || missing+=(openssh-client)
command -v chromium >/dev/null || command -v chromium-browser >/dev/null || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing test dependencies: ${missing[*]}"
if ! command -v apt-get >/dev/null; then
  echo "cannot install automatically: install ${missing[*]} with your package manager" >&2
  exit 1
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
