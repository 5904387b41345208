#!/usr/bin/env bash
# The comparison report in a real browser: samples/ModelComparison writes a report (ML.NET's classic candidates on the
# sample's support mails: seconds), headless Chromium opens it, takes a screenshot, and this script fails when the page logs
# a console error, when a section is missing, or when the charts did not render. Installs Debian's chromium if missing.
#   bash eng/report-check.sh [report.html]   (with a file: checks that file instead of writing one)
set -euo pipefail
cd "$(dirname "$0")/.."
out=artifacts/report-check
mkdir -p "$out"

if ! command -v chromium >/dev/null; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "eng/report-check.sh: installing chromium" >&2
  $sudo apt-get install -y -q chromium >/dev/null 2>&1 || { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q chromium >/dev/null; }
fi

report=${1:-}
if [ -z "$report" ]; then
  report=$out/report.html
  dotnet run --project samples/ModelComparison -c Release -- --models sdca,lbfgs --report "$report" > "$out/sample.log"
fi
url="file://$(realpath "$report")"
browse() { timeout 180 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --virtual-time-budget=15000 "$@" "$url"; }

browse --enable-logging=stderr --v=0 --window-size=1280,3600 --screenshot="$out/report.png" > "$out/chromium.log" 2>&1
browse --dump-dom > "$out/dom.html" 2>> "$out/chromium.log"

fail=0
if grep -E 'CONSOLE|Uncaught' "$out/chromium.log" > "$out/console-errors.log"; then   # the report itself logs nothing
  echo "eng/report-check.sh: the page logged errors:" >&2; cat "$out/console-errors.log" >&2; fail=1
fi
for section in leaderboard accuracy-vs-time per-class-f1 confusion-matrix ensemble machine; do
  grep -q "<section id=\"$section\"" "$out/dom.html" || { echo "eng/report-check.sh: section '$section' is missing" >&2; fail=1; }
done
charts=$(grep -o 'class="main-svg"' "$out/dom.html" | wc -l)
# Plotly draws each chart as (at least) two main-svg layers: three charts need six.
if [ "$charts" -lt 6 ]; then echo "eng/report-check.sh: the charts did not render ($charts plotly layers)" >&2; fail=1; fi
[ -s "$out/report.png" ] || { echo "eng/report-check.sh: no screenshot" >&2; fail=1; }
if [ "$fail" -eq 0 ]; then echo "eng/report-check.sh: report renders in Chromium with every section, $charts plotly layers, no console errors ($out/report.png)"; fi
exit $fail
