// Prints "<repo> <commit> <owner+name>" for every repository of labels.yaml (used by clone.sh and materialise.sh).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
for (const l of parse(readFileSync(new URL('./labels.yaml', import.meta.url), 'utf8'))) console.log(`${l.repo} ${l.commit} ${l.repo.split('/').slice(1).join('+')}`);
