#!/bin/sh
# Start a node in its container, initialising it on the first start.
#
# The node directory lives on a volume (its keys must outlive the container). On the
# first start it is empty: the node is made from the SAMENSPRAAK_* variables, and
# the administrator's one-time password is printed once to the log
# ("docker compose logs NODE"). Later starts only serve it.
#
# SAMENSPRAAK_WORKERS=N serves with N web processes sharing the port, and
# SAMENSPRAAK_NO_JOBS=1 leaves delivery, schedule and tallies to worker containers
# (PostgreSQL only). A worker container (SAMENSPRAAK_ROLE=worker) shares the node's
# volume, waits until the web container has initialised the node, and runs the jobs.
set -eu

data="${SAMENSPRAAK_DATA:-/data/node}"
if [ "${SAMENSPRAAK_ROLE:-serve}" = "worker" ]; then
    waited=0
    while [ ! -f "$data/samenspraak.toml" ]; do
        if [ "$waited" -ge 300 ]; then
            echo "no node in $data after 300 s: start its web container first" >&2
            exit 1
        fi
        sleep 2
        waited=$((waited + 2))
    done
    exec samenspraak worker "$data"
fi
if [ ! -f "$data/samenspraak.toml" ]; then
    : "${SAMENSPRAAK_DOMAIN:?set SAMENSPRAAK_DOMAIN, the host name the node is reached at}"
    : "${SAMENSPRAAK_NAME:?set SAMENSPRAAK_NAME, the node display name}"
    : "${SAMENSPRAAK_HANDLE:?set SAMENSPRAAK_HANDLE, the organisation account name}"
    set -- --domain "$SAMENSPRAAK_DOMAIN" --name "$SAMENSPRAAK_NAME" \
        --handle "$SAMENSPRAAK_HANDLE" --kind "${SAMENSPRAAK_KIND:-collective}"
    if [ -n "${SAMENSPRAAK_DATABASE:-}" ]; then
        set -- "$@" --database "$SAMENSPRAAK_DATABASE"
    fi
    if [ -n "${SAMENSPRAAK_TRUSTED_PROXY:-}" ]; then
        set -- "$@" --trusted-proxy "$SAMENSPRAAK_TRUSTED_PROXY"
    fi
    if [ "${SAMENSPRAAK_DEV:-}" = "1" ]; then
        set -- "$@" --dev
    fi
    samenspraak init "$data" "$@"
fi
set -- --host "${SAMENSPRAAK_HOST:-0.0.0.0}" --port "${SAMENSPRAAK_PORT:-8700}" \
    --workers "${SAMENSPRAAK_WORKERS:-1}"
if [ "${SAMENSPRAAK_NO_JOBS:-}" = "1" ]; then
    set -- "$@" --no-jobs
fi
exec samenspraak serve "$data" "$@"
