/**
 * `shadowscan audit verify|checkpoint|rotate-key`: the decision log (keyed hash chain, projections,
 * signed checkpoints).
 */
import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { UsageError } from '../../core/errors.js';
import { DB_HELP, Register } from '../../index.js';
import { resolveCliActor } from '../../intake/policy.js';
import { makeCheckpoint, readCheckpoint, rotateKey, trustedPublicKey, verifyLedger } from '../../register/ledger.js';
import type { Io } from '../io.js';

export function auditCommands(program: Command, io: Io, state: { code: number }): void {
  // ------------------------------------------------------------------ audit
  const audit = program.command('audit').description('The decision log: a keyed, hash-chained, append-only log every decision is an entry of.');
  audit
    .command('verify')
    .description('Verify the chain and the tables projected from it; names each entry that broke and how (edited, missing, inserted, reordered, re-chained without the key, truncated, projection differs).')
    .option('--db <spec>', DB_HELP)
    .option('--checkpoint <file>', 'a signed checkpoint (`audit checkpoint`): also prove nothing up to it was removed or rewritten')
    .option('--public-key <file>', 'the checkpoint signer\'s public key (default: this machine\'s checkpoint key .pub)')
    .action(async (o) => {
      const checkpoint = o.checkpoint ? readCheckpoint(o.checkpoint) : undefined;
      const publicKey = checkpoint ? trustedPublicKey(o.publicKey) : undefined;
      const r = await Register.open(o.db, { readonly: true });
      try {
        const v = await verifyLedger(r, { checkpoint, publicKey });
        for (const n of v.notes) io.out(`note: ${n}\n`);
        if (v.ok) io.out(`audit log intact: ${v.records} records, head ${v.head}; projections match the log\n`);
        else {
          for (const p of v.problems) io.out(`${p.problem}\n`);
          io.out(`audit log TAMPERED: ${v.problems.length} problem(s) in ${v.records} records\n`);
          state.code = 1;
        }
      } finally {
        await r.close();
      }
    });

  audit
    .command('checkpoint')
    .description('Write a signed checkpoint (Ed25519: sequence number, head, time, key id) to a file or a webhook; keep it outside the register.')
    .option('--db <spec>', DB_HELP)
    .option('--out <file>', 'write the checkpoint JSON to FILE (default: stdout)')
    .option('--webhook <url>', 'POST the checkpoint JSON to URL')
    .action(async (o) => {
      if (o.webhook && !/^https?:\/\//i.test(o.webhook)) throw new UsageError(`--webhook ${o.webhook}: expected an http(s) URL`);
      const r = await Register.open(o.db, { readonly: true });
      let c;
      try {
        c = await makeCheckpoint(r, r.location);
      } finally {
        await r.close();
      }
      const text = JSON.stringify(c, null, 2) + '\n';
      if (o.webhook) {
        let res: Response;
        try {
          res = await fetch(o.webhook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text, signal: AbortSignal.timeout(15_000) });
        } catch (e) {
          throw new UsageError(`--webhook ${o.webhook}: ${(e as Error).message}`);
        }
        if (!res.ok) throw new UsageError(`--webhook ${o.webhook}: HTTP ${res.status}`);
      }
      if (o.out && o.out !== '-') writeFileSync(o.out, text);
      else if (!o.webhook) io.out(text);
      io.err(`checkpoint: entry ${c.seq}, head ${c.head.slice(0, 16)}…, signed by ${c.keyId}${o.out ? ` → ${o.out}` : ''}${o.webhook ? ` → ${o.webhook}` : ''}\n`);
    });

  audit
    .command('rotate-key')
    .description('Start chaining with a new MAC key (added to the key file; old keys stay for verification); the rotation is an entry naming the new key\'s fingerprint.')
    .option('--db <spec>', DB_HELP)
    .option('--actor <name>', 'who rotates: a web account with the admin role, or local-admin', 'local-admin')
    .option('--rationale <text>')
    .action(async (o) => {
      const r = await Register.open(o.db);
      try {
        const actor = await resolveCliActor(r, o.actor, 'admin');
        const x = await rotateKey(r, actor, o.rationale);
        io.out(`decision-log key rotated: ${x.from} → ${x.to} (entry ${x.seq})\n`);
      } finally {
        await r.close();
      }
    });
}
