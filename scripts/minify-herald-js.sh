#!/usr/bin/env bash
# Regenerates herald-server/src/main/resources/web/herald.min.js from herald.js with terser (npm),
# with a first line naming the SHA-256 of the source it was made from. HeraldJsMinifiedTest fails
# until this is run after a change to herald.js. Commit the output.
set -euo pipefail
cd "$(dirname "$0")/../herald-server/src/main/resources/web"
sum=$(sha256sum herald.js | cut -d' ' -f1)
{
  echo "/*! herald.js (minified; source sha256:$sum) | see herald.js and herald.d.ts */"
  npx -y terser@5.37.0 herald.js --compress --mangle --ecma 2015
  echo
} > herald.min.js.tmp
mv herald.min.js.tmp herald.min.js
wc -c herald.js herald.min.js
