// Child process for the crash-consistency test: starts a large scan commit; the parent kills it.
import { Register } from '../../src/register/register.js';
import { Reconciler } from '../../src/reconcile/reconcile.js';
import { EMPTY_CATALOG } from '../../src/catalog/catalog.js';
import { matchAll } from '../../src/match/match.js';
import { smallIndex } from '../helpers/rules.js';
import { obs, cov } from '../helpers/findings.js';

const [db, nStr] = process.argv.slice(2);
const rules = smallIndex();
const n = Number(nStr);
const observations = Array.from({ length: n }, (_, i) => obs({ kind: 'package', namespace: 'npm', value: 'alpha-ai', subject: { kind: 'repo', id: `repo-${i}` }, locator: `package.json:${i + 1}` }));
const findings = matchAll(rules, observations);
const reg = await Register.open(db);
const runId = await reg.startRun({ scanners: ['repo'] });
process.stdout.write('committing\n');
await reg.commitScan({ runId, findings, coverage: [cov('repo', ['package.json'])], errors: {}, state: {}, scannerVersions: { repo: '1' }, reconciler: new Reconciler(EMPTY_CATALOG, new Date()), rules, now: new Date() });
process.stdout.write('committed\n');
