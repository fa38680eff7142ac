// Child process for the crash-consistency test: takes the source's lease (1 s time-to-live), then
// starts a large scan commit; the parent kills it with SIGKILL.
import { EMPTY_CATALOG } from '../../src/catalog/catalog.js';
import { matchAll } from '../../src/match/match.js';
import { commitScan, startRun } from '../../src/register/commit.js';
import { openRegister } from '../../src/register/register.js';
import { acquireSourceLock } from '../../src/schedule/lock.js';
import { cov, obs } from '../helpers/findings.js';
import { smallIndex } from '../helpers/rules.js';

const [db, nStr] = process.argv.slice(2);
const rules = smallIndex();
const n = Number(nStr);
const observations = Array.from({ length: n }, (_, i) => obs({ kind: 'package', namespace: 'npm', value: 'alpha-ai', subject: { kind: 'repo', id: `repo-${i}` }, locator: `package.json:${i + 1}` }));
const findings = matchAll(rules, observations);
const reg = await openRegister(db);
if (!(await acquireSourceLock(reg, 'repo', { ttlMs: 1000 }))) throw new Error('lease held');
const runId = await startRun(reg, { scanners: ['repo'] });
process.stdout.write('committing\n');
await commitScan(reg, { runId, findings, coverage: [cov('repo', ['package.json'])], errors: {}, state: {}, scannerVersions: { repo: '1' }, catalog: EMPTY_CATALOG, rules, now: new Date() });
process.stdout.write('committed\n');
