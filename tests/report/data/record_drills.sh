#!/bin/sh
# Re-record the lab drill results that tests/report/test_chromium.py draws.
#
# Each file is the drill's own JSON report (`clustertui drill ... -o NAME.json`), which holds
# every request the traffic probes sent; the tests read it back with
# clustertui.drills.export.from_json and render its HTML. Run as root, from the repository,
# in the lab lock, after a change to the drills, the runner or the JSON report:
#
#   flock /tmp/clustertui-labtests.lock tests/report/data/record_drills.sh
#
# A lab that is not up is brought up for the run and taken down after it.
set -eu
cd "$(dirname "$0")/../../.."
out=tests/report/data/drills
built=""
if ! .venv/bin/clustertui lab status >/dev/null 2>&1; then
    .venv/bin/clustertui lab up
    built=1
fi
for drill in web-node-loss lb-failover redis-primary-loss web1-direct-no-redundancy; do
    # exit 1 is a drill that failed its expectations (web1-direct-no-redundancy must); 3 could not run
    code=0
    .venv/bin/clustertui drill sample_clusters/lab.yaml "$drill" --headless -o "$out/$drill.json" || code=$?
    if [ "$code" -ge 2 ]; then
        echo "record_drills: $drill could not run (exit $code)" >&2
        exit "$code"
    fi
done
if [ -n "$built" ]; then
    .venv/bin/clustertui lab down
fi
