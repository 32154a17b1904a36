#!/usr/bin/env bash
# Print a run's report, as written by `runner run --report FILE`, one line
# per step: the matrix item (when the workflow has a matrix), the step,
# its state, its duration, its Console job and why it failed, was canceled
# or was skipped. The last line gives the run's state and totals. The
# fields are those of docs/report.schema.json.
#
#   runner run workflows/nightly-portfolio.yaml --report run.json || true
#   examples/ci/report-summary.sh run.json
#
# Needs jq. Exits 2 when the report cannot be read, else 0: the exit code
# of runner itself tells whether the run failed.
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 REPORT.json" >&2
  exit 2
fi
if ! command -v jq >/dev/null 2>&1; then
  echo "$0: jq is needed to read the report" >&2
  exit 2
fi

jq -r '
  def dur: if . == null then "-" else "\(. * 10 | round / 10)s" end;
  (.items[] | .label as $item | .steps[] |
    [ (if $item == "" then empty else "[\($item)]" end),
      .id, .state, (.durationSeconds | dur),
      (if .jobGuid == null then empty else "job \(.jobGuid)" end),
      (if .attempts > 1 then "attempts \(.attempts)" else empty end),
      (if .reason == "" then empty else "(\(.reason))" end)
    ] | join(" ")),
  "run \(.run.id) \(.run.state): " +
    (.totals | to_entries | map("\(.key) \(.value)") | join(", "))
' "$1" || {
  echo "$0: cannot read report $1" >&2
  exit 2
}
