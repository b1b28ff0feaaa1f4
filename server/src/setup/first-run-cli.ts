// Run by `npm start` outside demo mode: while nobody can administer the hub, print the first-run link.
import { loadConfigOrExit } from '../config.js';
import { createPool } from '../db/pool.js';
import { SETUP_TOKEN_TTL_HOURS } from './first-admin.js';
import { issueFirstRunLink } from './first-run.js';

const config = loadConfigOrExit();
const db = createPool(config.databaseUrl, 2);
try {
  const link = await issueFirstRunLink(db);
  if (link) {
    console.log(`[contact-hub] No admin yet. Open this link within ${SETUP_TOKEN_TTL_HOURS} hours to name the organisation and create the first admin (it works once):`);
    console.log(`[contact-hub]   ${config.publicUrl}/setup?token=${link.token}`);
  }
} finally {
  await db.end();
}
