#!/usr/bin/env bash
# Writes the pinned commit of every repository of labels.yaml from local bare mirrors (one git dir
# per repository, MIRRORS/<owner>+<name>/repo, e.g. snapshots fetched for labelling) into DIR,
# each as a folder with a .git whose origin names the repository (as a clone would). Blobs that a
# mirror lacks (large files, LFS) are left out and listed in DIR/<name>.missing.
#   bash bench/accuracy/materialise.sh MIRRORS [DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mirrors="${1:?usage: materialise.sh MIRRORS [DIR]}"
dir="${2:-$here/../.data/accuracy-repos}"
mkdir -p "$dir"
node "$here/pins.mjs" | while read -r repo commit name; do
  git_dir="$mirrors/$name/repo"
  dest="$dir/$name"
  if [ -f "$dest/.git/shadowscan-commit" ] && [ "$(cat "$dest/.git/shadowscan-commit")" = "$commit" ]; then echo "$repo: present"; continue; fi
  if ! git --git-dir="$git_dir" cat-file -e "$commit^{commit}" 2>/dev/null; then echo "$repo: commit $commit not in $git_dir" >&2; continue; fi
  rm -rf "$dest"; mkdir -p "$dest/.git"
  printf '[remote "origin"]\n\turl = https://%s.git\n' "$repo" > "$dest/.git/config"
  : > "$dir/$name.missing"
  git --git-dir="$git_dir" ls-tree -r -z --full-tree "$commit" | while IFS= read -r -d '' entry; do
    meta="${entry%%$'\t'*}"; path="${entry#*$'\t'}"
    read -r mode type sha <<< "$meta"
    [ "$type" = blob ] || continue
    mkdir -p "$dest/$(dirname "$path")"
    if [ "$mode" = 120000 ]; then
      ln -sfn "$(git --git-dir="$git_dir" cat-file blob "$sha" 2>/dev/null || true)" "$dest/$path" || true
    elif ! git --git-dir="$git_dir" cat-file blob "$sha" > "$dest/$path" 2>/dev/null; then
      rm -f "$dest/$path"; echo "$path" >> "$dir/$name.missing"
    fi
  done
  echo "$commit" > "$dest/.git/shadowscan-commit"
  echo "$repo @ $commit -> $dest ($(wc -l < "$dir/$name.missing") blobs missing)"
done
