#!/usr/bin/env bash
# Run the web server and a Celery worker (with its beat scheduler) side by side.
# Ctrl-C (or TERM) stops both.
set -euo pipefail
host=${1:-127.0.0.1}
port=${2:-8000}
cd "$(dirname "$0")/.."
bin=.venv/bin
pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "Laurel stopped."
}
trap stop INT TERM EXIT
$bin/celery -A festival worker -B -Q default,media -c 2 -l INFO --without-gossip \
  --schedule var/celerybeat-schedule >var/worker.log 2>&1 &
pids+=($!)
LAUREL_SITE_URL="http://$host:$port" $bin/python manage.py runserver --noreload "$host:$port" &
pids+=($!)
echo
echo "Laurel is running at http://$host:$port/  (worker log: var/worker.log). Ctrl-C stops it."
[ -z "${EMAIL_URL:-}" ] && echo "Mail (verification links, invitations, notifications): http://$host:$port/dev/mail/"
wait -n "${pids[@]}"
