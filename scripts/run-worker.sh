#!/bin/sh
# Runs a job worker (the command given, e.g. `.venv/bin/coverdesk worker`) and starts a fresh one
# each time it leaves to be recycled (exit status 75: COVERDESK_WORKER_MAX_JOBS or
# COVERDESK_WORKER_MAX_RSS_MB reached, its jobs in hand finished). Any other exit ends the loop with
# that status. TERM or INT stop the worker (its jobs in hand finish) and the loop.
set -u
child=
stop() {
	trap - TERM INT
	if [ -n "$child" ]; then
		kill -TERM "$child" 2>/dev/null
		wait "$child" 2>/dev/null
	fi
	exit 0
}
trap stop TERM INT
while :; do
	"$@" &
	child=$!
	wait "$child"
	status=$?
	if [ "$status" -ne 75 ]; then
		exit "$status"
	fi
	echo "job worker recycled; starting a fresh one" >&2
done
