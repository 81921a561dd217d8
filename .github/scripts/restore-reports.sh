#!/usr/bin/env bash
# Restore the reports folder kept by the latest earlier run of this workflow, so that this week's audit
# is compared with last week's. Used when no S3 history is configured (vars.AUDITOR_HISTORY).
# Each run uploads the whole folder, earlier runs included, so one artifact holds the history.
# Needs: the GitHub CLI (on GitHub's runners), GH_TOKEN with `actions: read`.
set -euo pipefail

workflow="${AUDITOR_WORKFLOW:-weekly-iam-audit.yml}"
artifact="${AUDITOR_ARTIFACT:-iam-drift-reports}"
reports="${AUDITOR_REPORTS:-reports}"

# Completed runs, newest first; the current run is still in progress and not among them. A run whose
# artifact is missing or expired (90 days by default) is skipped for the one before it.
runs=$(gh run list --workflow "$workflow" --status completed --limit 10 --json databaseId --jq '.[].databaseId')
for run in $runs; do
  if gh run download "$run" --name "$artifact" --dir "$reports"; then
    echo "restored $reports/ from run $run (latest: $(cat "$reports/latest" 2>/dev/null || echo none))"
    exit 0
  fi
  echo "run $run kept no $artifact artifact; trying the one before"
done
echo "no earlier run kept its reports: this run is a first run"
