#!/usr/bin/env bash
# Vendors GraphiQL's prebuilt browser files into this folder, from the npm registry, at the
# pinned versions below, each tarball checked against its registry integrity hash. The files
# are stored gzipped (`gzip -9 -n`: the same bytes on every run) and built into the `becta`
# binary by api/src/graphiql.rs, which serves them under /graphiql/. Nothing is fetched at
# build or run time: re-run this only to move to another version (then update the versions
# and hashes here and in api/src/graphiql.rs, and run `cargo test -p becta-tests -- graphiql`).
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(
  "graphiql@3.8.3 sha512-cuPDYtXVKV86Pu5PHBX642Odi/uVEE2y1Jxq5rGO/Qy1G2lRp7ZZ7a/T30RzxhuLSWo9zUbzq0P3U49//H0Ugw=="
  "react@18.3.1 sha512-wS+hAgJShR0KhEvPJArfuPVN1+Hz1t0Y6n5jLrGQbkb4urgPE/0Rve+1kMB1v/oWgHgm4WIcV+i7F2pTVj+2iQ=="
  "react-dom@18.3.1 sha512-5m4nQKp+rZRb09LNH59GM4BxTh9251/ylbKIbpe7TpGxfJ+9kv6BLkLBXIjjspbgbnIBNqlI23tRnTWT0snUIw=="
)
# (package, file inside it, name here)
FILES=(
  "graphiql package/graphiql.min.js graphiql.min.js"
  "graphiql package/graphiql.min.css graphiql.min.css"
  "graphiql package/LICENSE LICENSE.graphiql"
  "react package/umd/react.production.min.js react.production.min.js"
  "react package/LICENSE LICENSE.react"
  "react-dom package/LICENSE LICENSE.react-dom"
  "react-dom package/umd/react-dom.production.min.js react-dom.production.min.js"
)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for entry in "${PACKAGES[@]}"; do
  read -r spec integrity <<<"$entry"
  name=${spec%@*}
  tarball=$(cd "$work" && npm pack --silent "$spec")
  got="sha512-$(openssl dgst -sha512 -binary "$work/$tarball" | base64 -w0)"
  if [ "$got" != "$integrity" ]; then
    echo "$spec: integrity $got, expected $integrity" >&2
    exit 1
  fi
  mkdir -p "$work/$name"
  tar xzf "$work/$tarball" -C "$work/$name"
done
for entry in "${FILES[@]}"; do
  read -r name path here <<<"$entry"
  case "$here" in
    LICENSE.*) cp "$work/$name/$path" "$here" ;;
    *) gzip -9 -n -c "$work/$name/$path" > "$here.gz" ;;
  esac
done
ls -l
