/**
 * Keys of the decision log, kept OUTSIDE the register (whoever can write the database must not be
 * able to re-chain it):
 *
 * - the MAC key file (`SHADOWSCAN_AUDIT_KEY_FILE`, default `<config dir>/shadowscan/audit.key`):
 *   one 256-bit key per line (hex), the last line is the current key; rotated-out keys stay so
 *   the entries they chained still verify. Created on first use (0600) with a one-line message.
 * - the checkpoint signing key (`SHADOWSCAN_CHECKPOINT_KEY_FILE`, default
 *   `<config dir>/shadowscan/checkpoint.key`): an Ed25519 private key (PKCS#8 PEM, 0600), with
 *   its public key next to it (`.pub`, SPKI PEM) for verifiers.
 *
 * Every process that writes one register (CLI runs, scans, web replicas) needs the same MAC key
 * file. Keys are named by fingerprint (first 16 hex of SHA-256); a key itself is never logged.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { RegisterError } from '../core/errors.js';
import type { Keyring, MacKey } from './audit.js';

export const AUDIT_KEY_ENV = 'SHADOWSCAN_AUDIT_KEY_FILE';
export const CHECKPOINT_KEY_ENV = 'SHADOWSCAN_CHECKPOINT_KEY_FILE';

function configDir(): string {
  const xdg = process.env.XDG_CONFIG_HOME;
  return join(xdg && xdg.startsWith('/') ? xdg : join(homedir(), '.config'), 'shadowscan');
}

export function auditKeyFile(): string {
  return process.env[AUDIT_KEY_ENV] || join(configDir(), 'audit.key');
}

export function checkpointKeyFile(): string {
  return process.env[CHECKPOINT_KEY_ENV] || join(configDir(), 'checkpoint.key');
}

export function fingerprint(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/** Where "created a key" messages go (the CLI keeps the default: one line on stderr). */
export let keyNotice: (line: string) => void = (line) => process.stderr.write(line + '\n');
export function setKeyNotice(fn: (line: string) => void): void {
  keyNotice = fn;
}

/** Writes a file that must not exist yet, atomically (two processes creating it at once: one wins, both read the winner). */
function createExclusive(path: string, text: string): boolean {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new RegisterError(`cannot create key file ${path}: ${(e as Error).message}`);
  } finally {
    unlinkSync(tmp);
  }
}

const HEADER = '# shadowscan decision-log MAC keys (HMAC-SHA-256), one per line, hex; the last line is the current key.\n# Keep this file private (0600) and out of the register; every process writing the register needs it.\n';

function parseKeys(path: string): MacKey[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new RegisterError(`cannot read audit key file ${path}: ${(e as Error).message}`);
  }
  const keys: MacKey[] = [];
  text.split('\n').forEach((line, i) => {
    const l = line.trim();
    if (!l || l.startsWith('#')) return;
    if (!/^[0-9a-f]{64}$/i.test(l)) throw new RegisterError(`${path}:${i + 1}: expected a 256-bit key as 64 hex characters`);
    const key = Buffer.from(l, 'hex');
    keys.push({ id: fingerprint(key), key });
  });
  return keys;
}

/** Every key of the key file (for verification); empty when there is no key file. */
export function loadKeyring(path = auditKeyFile()): Keyring {
  if (!existsSync(path)) return { keys: new Map(), source: `the audit key file ${path} (missing)` };
  return { keys: new Map(parseKeys(path).map((k) => [k.id, k])), source: `the audit key file ${path}` };
}

/** Current key per key file, read once per process (a scan commit appends one entry per change). */
const current = new Map<string, MacKey>();

/** The current MAC key; the key file is created on first use. */
export function currentMacKey(path = auditKeyFile()): MacKey {
  const cached = current.get(path);
  if (cached) return cached;
  if (!existsSync(path)) {
    const key = randomBytes(32);
    if (createExclusive(path, HEADER + key.toString('hex') + '\n')) keyNotice(`shadowscan: created the decision-log key ${fingerprint(key)} in ${path} (0600) — back it up; every process writing this register needs it`);
  }
  checkPrivate(path);
  const keys = parseKeys(path);
  if (!keys.length) throw new RegisterError(`audit key file ${path} holds no key`);
  current.set(path, keys.at(-1)!);
  return keys.at(-1)!;
}

function checkPrivate(path: string): void {
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077) throw new RegisterError(`audit key file ${path} is readable by others (mode ${mode.toString(8)}): chmod 600 ${path}`);
}

/** Adds a new current key to the key file (old keys stay for verification); returns old and new. */
export function rotateMacKey(path = auditKeyFile()): { from: MacKey; to: MacKey } {
  const from = currentMacKey(path);
  const key = randomBytes(32);
  const text = readFileSync(path, 'utf8');
  writeFileSync(path, text + (text.endsWith('\n') ? '' : '\n') + key.toString('hex') + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
  const to = { id: fingerprint(key), key };
  current.set(path, to);
  return { from, to };
}

// ------------------------------------------------------------------ checkpoint signing key (Ed25519)

export interface SigningKey {
  id: string;
  privateKey: KeyObject;
  publicKeyPem: string;
}

export function publicKeyId(publicKeyPem: string): string {
  return fingerprint(createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' }));
}

/** The checkpoint signing key; created (with its `.pub`) on first use. */
export function signingKey(path = checkpointKeyFile()): SigningKey {
  if (!existsSync(path)) {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const pub = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    if (createExclusive(path, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())) {
      writeFileSync(path + '.pub', pub, { mode: 0o644 });
      keyNotice(`shadowscan: created the checkpoint signing key ${publicKeyId(pub)} in ${path} (0600); its public key is ${path}.pub`);
    }
  }
  checkPrivate(path);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new RegisterError(`cannot read checkpoint key ${path}: ${(e as Error).message}`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new RegisterError(`checkpoint key ${path}: expected an Ed25519 key, got ${privateKey.asymmetricKeyType}`);
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  return { id: publicKeyId(publicKeyPem), privateKey, publicKeyPem };
}
