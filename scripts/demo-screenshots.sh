#!/usr/bin/env bash
# Refreshes the README's demo screenshots: runs only DemoPagesBrowserTest (Chromium at
# /usr/bin/chromium, a server with the demo feeds on), which saves a 1100x800 screenshot of each demo
# page once it shows live data to herald-server/target/screenshots/demo-NAME.png, then copies those to
# docs/screenshots/. Extra arguments go to Maven (e.g. -o). Commit the PNGs when they changed.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -f herald-server/target/screenshots/demo-*.png
mvn -q -B -pl herald-server -am test -Dtest=DemoPagesBrowserTest -Dsurefire.failIfNoSpecifiedTests=false "$@"
shots=(herald-server/target/screenshots/demo-*.png)
if [ ! -e "${shots[0]}" ]; then
  echo "demo-screenshots: no screenshot was made (is /usr/bin/chromium installed?)" >&2
  exit 1
fi
mkdir -p docs/screenshots
cp "${shots[@]}" docs/screenshots/
ls -l docs/screenshots/demo-*.png
