#!/bin/sh
# Runs the Village service named by VILLAGE_SERVICE (console, incidents, escalation,
# sla-monitor, knowledge, webhooks) through its console script `village-<service>`.
#   VILLAGE_MIGRATE=1  run `village-<service> migrate` first (creates the service's
#                      database village_<service> if missing and applies migrations)
# Arguments are a subcommand of that script (default `serve`), e.g. `migrate`;
# `exec CMD...` runs CMD instead (a shell for debugging, say).
set -eu

service="${VILLAGE_SERVICE:?VILLAGE_SERVICE must name the service to run}"
cli="village-${service}"
if ! command -v "$cli" >/dev/null 2>&1; then
    echo "village-entrypoint: unknown service '${service}' (no ${cli} in the image)" >&2
    exit 64
fi

if [ "${1:-}" = "exec" ]; then
    shift
    exec "$@"
fi

if [ "${VILLAGE_MIGRATE:-0}" = "1" ] && [ "${1:-serve}" = "serve" ]; then
    echo "village-entrypoint: ${cli} migrate" >&2
    "$cli" migrate
fi

if [ "$#" -eq 0 ]; then
    set -- serve
fi
exec "$cli" "$@"
