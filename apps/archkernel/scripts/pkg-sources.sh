#!/usr/bin/env bash
# Copies the PKGBUILD's local sources into DIR (makepkg's $SRCDEST or the PKGBUILD's directory): the
# single-file build of the app and its launcher (built if missing), the units, the default configuration, the pacman hook, the README
# and the licence. The koffi tarballs are makepkg's to download (or put them there yourself).
set -euo pipefail
dest=${1:?usage: pkg-sources.sh DIR}
app=$(cd "$(dirname "$0")/.." && pwd)
[ -f "$app/dist/archkernel-load-app.cjs" ] || (cd "$app" && npx tsup >/dev/null)
mkdir -p "$dest"
cp "$app/dist/archkernel-load.cjs" "$app/dist/archkernel-load-app.cjs" "$dest/"
cp "$app/systemd/archkernel-load.service" "$app/systemd/archkernel-load-confirm.service" "$dest/"
cp "$app/archkernel-load.toml" "$app/archkernel-load.hook" "$app/README.md" "$dest/"
cp "$app/../../LICENSE" "$dest/LICENSE"
