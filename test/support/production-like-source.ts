import type pg from 'pg';

/**
 * Fills a database migrated with the shipped schema with "production-like" data, as a team's
 * production would hold it and tenantseed would never make it: whale and long-tail tenants
 * (users per tenant from 1 to ~300), skewed enums (few admins, most plans free), text columns
 * that are categorical only by their few values (audit actions), nulls, JSON with nested keys and
 * arrays of varied length, documents per project from a heavy-tailed law, dates skewed to
 * recent, people's names that repeat (150 of them, some common). Names, emails, slugs and titles carry the marker `zq` (`Zqcorp 7f3a`, `u12.zq...@`)
 * so a test can tell that none of them reached a generated database. Runs with `setseed`, so the
 * same data every time. Ends with ANALYZE: the statistics `introspect --learn-from` reads.
 */
export const PRODUCTION_LIKE_TENANTS = 60;

/**
 * The text columns this source fills from a handful of values (listed by a CHECK, or a few
 * repeated actions): the only ones whose values may reach a generated database.
 */
export const CATEGORICAL_TEXT_COLUMNS: readonly string[] = [
  'tenants.plan', 'tenants.status', 'users.role', 'content_blocks.type', 'content_blocks.status',
  'audit_logs.action', 'audit_logs.entity_type', 'platform_audit_logs.action',
];

export const PRODUCTION_LIKE_SQL = `
SELECT setseed(0.42);
CREATE TEMP TABLE src_tenants AS
  SELECT i, gen_random_uuid() AS id,
    greatest(1, round(300 * power(i, -1.15)))::int AS users,
    greatest(1, round(60 * power(i, -0.9)))::int AS projects
  FROM generate_series(1, ${PRODUCTION_LIKE_TENANTS}) i;
INSERT INTO tenants (id, slug, name, plan, status, is_default, created_at, updated_at)
  SELECT id, 'zq-' || substr(md5(i::text), 1, 10), 'Zqcorp ' || substr(md5(i::text || 'n'), 1, 6),
    (ARRAY['free','starter','pro','enterprise'])[CASE WHEN r < 0.55 THEN 1 WHEN r < 0.80 THEN 2 WHEN r < 0.95 THEN 3 ELSE 4 END],
    (ARRAY['active','trial','suspended','cancelled'])[CASE WHEN s < 0.80 THEN 1 WHEN s < 0.90 THEN 2 WHEN s < 0.97 THEN 3 ELSE 4 END],
    false, c, c + (random() * 20) * interval '1 day'
  FROM (SELECT *, random() AS r, random() AS s, timestamptz '2026-11-30' - (power(random(), 0.7) * 900) * interval '1 day' AS c FROM src_tenants) t;
INSERT INTO tenant_configs (tenant_id, template_id, settings, created_at, updated_at)
  SELECT id, CASE WHEN random() < 0.2 THEN NULL ELSE (ARRAY['00000000-0000-0000-0001-000000000001','00000000-0000-0000-0001-000000000004'])[1 + (random() < 0.7)::int]::uuid END,
    jsonb_build_object('theme', jsonb_build_object('mode', 'dark', 'accent', md5(i::text)), 'limits', jsonb_build_object('seats', i * 3, 'storageGb', i),
      'features', to_jsonb(ARRAY['sso','audit'])) || CASE WHEN random() < 0.5 THEN jsonb_build_object('locale', 'en') ELSE '{}'::jsonb END,
    timestamptz '2026-11-30' - (random() * 400) * interval '1 day', timestamptz '2026-11-30' - (random() * 10) * interval '1 day'
  FROM src_tenants;
CREATE TEMP TABLE src_users AS
  SELECT t.id AS tenant_id, gen_random_uuid() AS id, n, t.i,
    CASE WHEN random() < 0.4 THEN 0 ELSE floor(1 + 6 * power(random(), 3))::int END AS blocks, floor(1 + 10 * power(random(), 2))::int AS logs
  FROM src_tenants t, generate_series(1, t.users) n;
INSERT INTO users (tenant_id, id, email, name, role, password_hash, is_active, last_login_at, created_at)
  SELECT tenant_id, id, 'u' || n || '.zq' || substr(md5(id::text), 1, 8) || '@zqmail.example', 'Zqname ' || floor(power(random(), 2) * 150)::int,
    CASE WHEN n = 1 OR r < 0.04 THEN 'admin' WHEN r < 0.80 THEN 'member' ELSE 'viewer' END,
    'zqhash$' || md5(id::text), random() < 0.9, CASE WHEN random() < 0.3 THEN NULL ELSE c + random() * (timestamptz '2026-11-30' - c) END, c
  FROM (SELECT *, random() AS r, timestamptz '2026-11-30' - (power(random(), 2) * 700) * interval '1 day' AS c FROM src_users) u;
CREATE TEMP TABLE src_projects AS
  SELECT t.id AS tenant_id, gen_random_uuid() AS id, n, t.i,
    floor(1 + 40 * power(random(), 3))::int AS documents
  FROM src_tenants t, generate_series(1, t.projects) n;
INSERT INTO projects (tenant_id, id, name, description, archived, created_at)
  SELECT tenant_id, id, 'Zqproject ' || substr(md5(id::text), 1, 8), CASE WHEN random() < 0.4 THEN NULL ELSE 'Zqdesc ' || md5(id::text) END,
    random() < 0.15, timestamptz '2026-11-30' - (power(random(), 1.5) * 600) * interval '1 day'
  FROM src_projects;
INSERT INTO documents (tenant_id, id, project_id, title, body, created_at, updated_at)
  SELECT tenant_id, gen_random_uuid(), id, 'Zqdoc ' || substr(md5(id::text || d), 1, 8), 'Zqbody ' || md5(d::text || id::text), c, c + g * 30 * interval '1 day'
  FROM (SELECT p.*, d, random() AS g, timestamptz '2026-11-30' - (power(random(), 1.3) * 500) * interval '1 day' AS c
    FROM src_projects p, generate_series(1, p.documents) d) x;
INSERT INTO content_blocks (tenant_id, id, type, slug, title, body, tags, version, status, author_user_id, metadata, created_at, updated_at)
  SELECT tenant_id, gen_random_uuid(),
    (ARRAY['article','faq','snippet','policy','announcement'])[CASE WHEN r < 0.5 THEN 1 WHEN r < 0.75 THEN 2 WHEN r < 0.9 THEN 3 WHEN r < 0.97 THEN 4 ELSE 5 END],
    'zq-' || substr(md5(id::text || k), 1, 12), 'Zqtitle ' || substr(md5(id::text || k || 't'), 1, 10), 'Zqtext ' || md5(k::text || id::text),
    to_jsonb((ARRAY['zqtag1','zqtag2','zqtag3','zqtag4','zqtag5','zqtag6'])[1:tags]),
    1 + floor(power(v, 4) * 8)::int,
    (ARRAY['draft','published','archived'])[CASE WHEN s < 0.2 THEN 1 WHEN s < 0.9 THEN 2 ELSE 3 END],
    CASE WHEN a < 0.15 THEN NULL ELSE id END,
    jsonb_build_object('seo', jsonb_build_object('title', 'Zqseo ' || k, 'score', round((v * 100)::numeric, 1)), 'wordCount', floor(g * 3000)::int)
      || CASE WHEN a > 0.7 THEN jsonb_build_object('reviewedBy', jsonb_build_object('team', 'zqteam', 'at', c::text)) ELSE '{}'::jsonb END,
    c, c + g * 30 * interval '1 day'
  FROM (SELECT u.*, k, random() AS r, random() AS s, random() AS v, random() AS a, random() AS g, floor(power(random(), 2) * 7)::int AS tags,
      timestamptz '2026-11-30' - (power(random(), 1.8) * 800) * interval '1 day' AS c
    FROM src_users u, generate_series(1, u.blocks) k) x;
INSERT INTO audit_logs (tenant_id, id, actor_user_id, action, entity_type, entity_id, details, created_at)
  SELECT tenant_id, gen_random_uuid(), CASE WHEN a < 0.1 THEN NULL ELSE id END,
    (ARRAY['user.login','document.update','document.create','user.invite','settings.change','api_key.create'])[CASE WHEN r < 0.45 THEN 1 WHEN r < 0.7 THEN 2 WHEN r < 0.85 THEN 3 WHEN r < 0.93 THEN 4 WHEN r < 0.98 THEN 5 ELSE 6 END],
    (ARRAY['user','document','tenant_config','api_key'])[CASE WHEN r < 0.45 THEN 1 WHEN r < 0.85 THEN 2 WHEN r < 0.98 THEN 3 ELSE 4 END],
    CASE WHEN e < 0.25 THEN NULL ELSE gen_random_uuid() END,
    jsonb_build_object('ip', '10.0.' || k || '.1', 'agent', jsonb_build_object('name', 'zqbrowser', 'version', k)),
    timestamptz '2026-11-30' - (power(c, 2.5) * 365) * interval '1 day'
  FROM (SELECT u.*, k, random() AS r, random() AS a, random() AS e, random() AS c FROM src_users u, generate_series(1, u.logs) k) x;
INSERT INTO tenant_api_keys (tenant_id, id, name, prefix, key_hash, scopes, created_by_user_id, expires_at, last_used_at, revoked_at, created_at)
  SELECT tenant_id, gen_random_uuid(), 'Zqkey ' || substr(md5(id::text), 1, 6), 'zq_' || substr(md5(id::text || 'p'), 1, 8), md5(id::text) || md5(id::text || 'h'),
    to_jsonb((ARRAY['read','write','admin','billing'])[1:1 + floor(power(g, 2) * 4)::int]),
    id, CASE WHEN a < 0.5 THEN NULL ELSE c + 365 * interval '1 day' END,
    CASE WHEN b < 0.35 THEN NULL ELSE c + g * 60 * interval '1 day' END,
    CASE WHEN e < 0.85 THEN NULL ELSE c + e * 90 * interval '1 day' END, c
  FROM (SELECT u.*, random() AS a, random() AS b, random() AS e, random() AS g, timestamptz '2026-11-30' - (random() * 500) * interval '1 day' AS c
    FROM src_users u WHERE u.n <= 3) x;
INSERT INTO platform_audit_logs (action, details, created_at)
  SELECT (ARRAY['tenant.create','tenant.suspend','platform.deploy'])[CASE WHEN r < 0.7 THEN 1 WHEN r < 0.8 THEN 2 ELSE 3 END],
    jsonb_build_object('by', 'zqops'), timestamptz '2026-11-30' - random() * 300 * interval '1 day'
  FROM (SELECT random() AS r FROM generate_series(1, 400)) x;
ANALYZE;
`;

/** Fills a database that `tenantseed migrate latest` built (shipped schema) with the production-like data. */
export async function fillProductionLikeSource(client: pg.ClientBase): Promise<void> {
  await client.query(PRODUCTION_LIKE_SQL);
}
