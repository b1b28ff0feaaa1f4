// npm run setup -- --admin-email you@example.com [--name "Your Name"]
// The first admin of a production installation: prints a one-time link to choose the password.
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../config.js';
import { createPool } from '../db/pool.js';
import { createFirstAdmin, SETUP_TOKEN_TTL_HOURS } from './first-admin.js';

const { values } = parseArgs({ options: { 'admin-email': { type: 'string' }, name: { type: 'string' } }, strict: true });
const email = values['admin-email'];
if (!email) {
  console.error('usage: npm run setup -- --admin-email you@example.com [--name "Your Name"]');
  process.exit(2);
}
const config = loadConfigOrExit();
const db = createPool(config.databaseUrl, 2);
try {
  const r = await createFirstAdmin(db, email, values.name ?? email.split('@')[0]!);
  if (!r.ok) {
    console.error(`Set-up refused: ${r.reason}`);
    process.exitCode = 1;
  } else {
    console.log(`Admin account ${email.toLowerCase()} is ready. Open this link within ${SETUP_TOKEN_TTL_HOURS} hours to choose its password (it works once):`);
    console.log(`  ${config.publicUrl}/setup?token=${r.token}`);
  }
} finally {
  await db.end();
}
