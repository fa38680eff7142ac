#!/usr/bin/env bash
# Clones every repository of labels.yaml into DIR (default bench/.data/accuracy-repos) and checks
# out its pinned commit. Needs network access to the Git host; already present clones are reused.
#   bash bench/accuracy/clone.sh [DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="${1:-$here/../.data/accuracy-repos}"
mkdir -p "$dir"
node "$here/pins.mjs" | while read -r repo commit name; do
  dest="$dir/$name"
  if [ ! -d "$dest/.git" ]; then
    git clone --quiet --filter=blob:none --no-checkout "https://$repo.git" "$dest"
  fi
  git -C "$dest" fetch --quiet --depth 1 origin "$commit" 2>/dev/null || true
  git -C "$dest" -c advice.detachedHead=false checkout --quiet --force "$commit"
  echo "$repo @ $commit -> $dest"
done
