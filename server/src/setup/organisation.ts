// The organisation as customers meet it: its name, default language, time zone and portal branding
// (Admin → Settings). Read per request: one row, and a change applies at once.
import type { Queryable } from '../db/pool.js';
import type { PortalOrganisation } from '../contracts/views.js';

export async function organisationProfile(db: Queryable): Promise<PortalOrganisation> {
  const r = await db.query(`SELECT name, default_language, time_zone, branding FROM organisation_settings WHERE id`);
  const row = r.rows[0] ?? { name: '', default_language: 'en', time_zone: 'UTC', branding: {} };
  const b = (row.branding ?? {}) as { name?: string; colour?: string; logoUrl?: string };
  return {
    // the portal's own name wins over the organisation's; empty means the app's default title
    name: b.name?.trim() || row.name || '',
    language: row.default_language === 'fa' ? 'fa' : 'en',
    timeZone: row.time_zone || 'UTC',
    colour: b.colour ?? null,
    logoUrl: b.logoUrl ?? null,
  };
}
