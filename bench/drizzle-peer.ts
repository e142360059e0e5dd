/**
 * The peer of `npm run bench -- --peers`: drizzle-seed (a tenant-unaware seeder) seeding
 * tenants, users and content blocks (the shipped schema's user-authored documents) of a migrated
 * database, in a process of its own: `node dist/bench/drizzle-peer.js TENANTS USERS_PER_TENANT
 * BLOCKS_PER_TENANT URL`. Prints `{ seconds, rows, peakRssMb }` as JSON.
 */
import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { seed } from 'drizzle-seed';

// The columns without a default; drizzle-seed leaves the others to the database.
const tenants = pgTable('tenants', { id: uuid('id').primaryKey(), slug: text('slug').notNull().unique(), name: text('name').notNull() });
const users = pgTable('users', {
  tenantId: uuid('tenant_id').notNull().references(() => tenants.id),
  id: uuid('id').primaryKey(),
  email: text('email').notNull(),
  name: text('name').notNull(),
  passwordHash: text('password_hash').notNull(),
});
// drizzle-seed picks a referenced value per column: it cannot keep (tenant_id, author_user_id)
// in one tenant, so the composite foreign key is dropped by the caller and the reference is
// declared on the id alone, as a team without composite keys would have it.
const contentBlocks = pgTable('content_blocks', {
  tenantId: uuid('tenant_id').notNull().references(() => tenants.id),
  id: uuid('id').primaryKey(),
  type: text('type').notNull(),
  slug: text('slug').notNull(),
  title: text('title').notNull(),
  authorUserId: uuid('author_user_id').references(() => users.id),
});

async function main(): Promise<void> {
  const [tenantCount, usersPerTenant, blocksPerTenant] = process.argv.slice(2, 5).map(Number);
  const pool = new pg.Pool({ connectionString: process.argv[5] });
  const db = drizzle(pool);
  const start = process.hrtime.bigint();
  await seed(db, { tenants, users, contentBlocks }, { seed: 1 }).refine((f) => ({
    // Slugs and types from the lists the schema's CHECKs allow.
    tenants: { count: tenantCount, columns: { slug: f.valuesFromArray({ values: Array.from({ length: tenantCount }, (_, i) => `tenant-${i + 1}`), isUnique: true }), name: f.companyName() } },
    users: { count: tenantCount * usersPerTenant, columns: { email: f.email(), name: f.fullName(), passwordHash: f.string() } },
    contentBlocks: {
      count: tenantCount * blocksPerTenant,
      columns: { type: f.valuesFromArray({ values: ['article', 'faq', 'snippet', 'policy', 'announcement'] }), slug: f.string({ isUnique: true }), title: f.loremIpsum() },
    },
  }));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await pool.end();
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(JSON.stringify({ seconds, rows: tenantCount * (1 + usersPerTenant + blocksPerTenant), peakRssMb }) + '\n');
}

main().catch((err) => {
  process.stderr.write(`drizzle-seed failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
