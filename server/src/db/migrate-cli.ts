import { migrate } from './migrate.js';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is required, e.g. postgres://postgres@127.0.0.1:5432/contacthub');
  process.exit(2);
}
migrate(url, { log: (m) => console.log(m) })
  .then((applied) => {
    console.log(applied.length ? `${applied.length} migration(s) applied` : 'database is up to date');
  })
  .catch((err) => {
    console.error(err.message);
    process.exit(1);
  });
