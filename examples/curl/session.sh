#!/bin/sh
# The curl session of the Console's interactive API documentation, against
# any Console 1.x or `runner simulate`: read the XSRF cookie with GET /api/,
# schedule an add_version job with POST /api/jobs, poll its jobUrl until
# the job ends. It prints the final state and exits 0 only on "completed".
#
#   AIP_CONSOLE_URL=http://127.0.0.1:8081 AIP_CONSOLE_API_KEY=demo-key \
#     sh examples/curl/session.sh demo-app sources:demo-app/src
#
# Arguments: the application's name and the sourcePath of the new version.
# Needs curl and jq. The key is passed to curl in a header file, so that it
# never shows in the process list. POLL sets the pause between polls
# (default 15 seconds, as the official client).
set -eu

app=${1:?usage: session.sh APPLICATION SOURCE_PATH}
source_path=${2:?usage: session.sh APPLICATION SOURCE_PATH}
url=${AIP_CONSOLE_URL:?set AIP_CONSOLE_URL}
: "${AIP_CONSOLE_API_KEY:?set AIP_CONSOLE_API_KEY}"
poll=${POLL:-15}

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
jar=$dir/cookies
printf 'X-API-KEY: %s\n' "$AIP_CONSOLE_API_KEY" >"$dir/key"

console() { curl -sS --fail-with-body -c "$jar" -b "$jar" -H @"$dir/key" "$@"; }

# 1. GET /api/ sets the XSRF-TOKEN cookie (a Netscape cookie file: name in
#    column 6, value in column 7).
console "$url/api/" >/dev/null
token=$(awk -F '\t' '$6 == "XSRF-TOKEN" { print $7 }' "$jar")
[ -n "$token" ] || { echo "no XSRF-TOKEN cookie from GET $url/api/" >&2; exit 1; }

app_guid=$(console "$url/api/applications" |
	jq -r --arg name "$app" '.applications[] | select(.name | ascii_downcase == ($name | ascii_downcase)) | .guid')
[ -n "$app_guid" ] || { echo "no application named $app" >&2; exit 1; }

# 2. POST /api/jobs with an add_version payload; every value is a string.
version="v$(date -u +%y%m%d.%H%M%S)"
body=$(jq -n --arg app "$app_guid" --arg v "$version" --arg src "$source_path" '{
	jobType: "add_version",
	jobParameters: {appGuid: $app, versionName: $v, sourcePath: $src,
		startStep: "unzip_source", endStep: "deliver_version"}}')
job_url=$(console -H "X-XSRF-TOKEN: $token" -H 'Content-Type: application/json' \
	-d "$body" "$url/api/jobs" | jq -r .jobUrl)
echo "scheduled $job_url ($version)" >&2

# 3. Poll the jobUrl while the job is starting or started.
while :; do
	state=$(console "$url$job_url" | jq -r .state)
	case $state in
	starting | started) sleep "$poll" ;;
	*) break ;;
	esac
done
echo "$state"
[ "$state" = completed ]
