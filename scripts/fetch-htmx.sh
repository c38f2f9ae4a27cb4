#!/usr/bin/env bash
# Fetch htmx (pinned) with `npm pack` into static/vendor/ and check every file against the
# sha256 sums recorded in static/vendor.sha256. A mismatch stops set-up: we never serve a file
# we did not review.
set -euo pipefail

HTMX_VERSION="4.0.1"
root="$(cd "$(dirname "$0")/.." && pwd)"
vendor="$root/static/vendor"
sums="$root/static/vendor.sha256"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "Fetching htmx.org@$HTMX_VERSION with npm pack ..."
(cd "$work" && npm pack --silent "htmx.org@$HTMX_VERSION" >/dev/null)
tar -xzf "$work/htmx.org-$HTMX_VERSION.tgz" -C "$work"

if ! (cd "$work/package/dist" && sha256sum --check --quiet --strict "$sums"); then
    echo "ERROR: htmx $HTMX_VERSION does not match the sha256 sums in static/vendor.sha256." >&2
    echo "       Refusing to install it. If you meant to upgrade htmx, review the new files" >&2
    echo "       and record their sums in static/vendor.sha256." >&2
    exit 1
fi

rm -rf "$vendor"
while read -r _sum file; do
    mkdir -p "$vendor/$(dirname "$file")"
    cp "$work/package/dist/$file" "$vendor/$file"
done <"$sums"
echo "htmx $HTMX_VERSION installed in static/vendor/ (checksums verified)."
