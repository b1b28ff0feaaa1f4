// Secrets `npm start` makes for a laptop install, kept beside its data.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

/**
 * The install's own ENCRYPTION_KEY: generated once into <dataDir>/encryption.key (mode 600), then
 * reused, so mailbox passwords stored on an earlier run stay readable.
 */
export function localEncryptionKey(dataDir, log = () => {}) {
  const file = path.join(dataDir, 'encryption.key');
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    if (!/^[0-9a-f]{64}$/i.test(key)) throw new Error(`${file} does not hold a 64-hex-character key; fix or remove it`);
    return key;
  }
  const key = randomBytes(32).toString('hex');
  writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  log(`generated an encryption key for stored secrets in ${file} (keep it with the data)`);
  return key;
}
