/**
 * The meta-schemas: what a definition file and a profile file must look like. Checked with ajv
 * before anything else runs, so that a mistake is reported with its file and JSON pointer.
 */

/**
 * A PostgreSQL identifier exactly as the catalog spells it (`pg_class.relname`,
 * `pg_attribute.attname`): any text without a NUL, case kept, quoted wherever tenantseed writes
 * SQL (`"tenantId"`, `user`, `"größe"`, `a "b"`). PostgreSQL keeps at most 63 bytes of UTF-8;
 * ajv counts characters, so the byte limit is checked when definitions load.
 */
export const IDENTIFIER_SCHEMA = {
  type: 'string', minLength: 1, maxLength: 63, pattern: '^[^\\u0000]+$',
  description: 'A PostgreSQL identifier as the catalog spells it (any case, reserved words, spaces, quotes, non-ASCII), at most 63 bytes of UTF-8.',
};
const identifier = IDENTIFIER_SCHEMA;

/**
 * `x-ref`: the referenced table and column. The string `"table.column"` is split at the dot
 * that names a defined table and one of its columns; when names themselves hold dots and more
 * than one split fits, the object form says it without doubt.
 */
const reference = {
  oneOf: [
    { type: 'string', pattern: '^[^\\u0000]+\\.[^\\u0000]+$', description: '"table.column"' },
    {
      type: 'object', required: ['table', 'column'], additionalProperties: false,
      properties: { table: identifier, column: identifier },
      description: '{"table": ..., "column": ...}: for names that hold a dot',
    },
  ],
};

const generatorSpec = {
  oneOf: [
    { const: 'uuid' },
    { const: 'cuid' },
    {
      type: 'object', required: ['faker'], additionalProperties: false,
      properties: {
        faker: { type: 'string', pattern: '^[a-zA-Z]+\\.[a-zA-Z0-9]+$' },
        repeat: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 2, maxItems: 2 },
        separator: { type: 'string' },
        case: { enum: ['lower', 'upper', 'slug'] },
      },
    },
    {
      type: 'object', required: ['template'], additionalProperties: false,
      properties: { template: { type: 'string' }, parts: { type: 'object', additionalProperties: { $ref: '#/$defs/generator' } } },
    },
    {
      type: 'object', required: ['date'], additionalProperties: false,
      properties: {
        date: {
          type: 'object', additionalProperties: false,
          properties: {
            daysBefore: { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2 },
            after: {
              description: 'A date column of the row this one follows (up to maxDays later), or several: the first of them with a value (ended_at after last_activity_at, else started_at).',
              anyOf: [identifier, { type: 'array', items: identifier, minItems: 1 }],
            },
            maxDays: { type: 'number', minimum: 0 },
            strict: { type: 'boolean', description: 'With "after": always later, never equal (a CHECK (b > a)).' },
            gaps: {
              type: 'array', items: { type: 'number' }, minItems: 2,
              description: 'With "after": the days from the earlier date as quantiles (0%, 5%, ..., 100%; what introspect --learn-from reads of a source) in place of maxDays.',
            },
            window: {
              type: 'array', items: { type: 'number', minimum: 0, maximum: 1 }, minItems: 2,
              description: 'With "after": the date as a share of the time from the earlier date to the reference date, as quantiles (0%, 5%, ..., 100%), in place of maxDays and gaps: a last_login_at anywhere between created_at and now (introspect --learn-from drafts it where the source\'s gaps grow with the time left).',
            },
            byRank: {
              type: 'object', required: ['earlier', 'later'], additionalProperties: false,
              description: 'With one "after" column: this date at the rank the row\'s earlier date has in "earlier" (its distribution), read from "later" (this column\'s), '
                + 'never before the earlier date; both as "distribution" holds them, in days before the reference date. In place of maxDays, gaps and window: '
                + 'both columns then follow their learned distributions (introspect --learn-from drafts it where it read both).',
              properties: { earlier: { $ref: '#/$defs/rankDistribution' }, later: { $ref: '#/$defs/rankDistribution' } },
            },
          },
        },
      },
    },
    {
      type: 'object', required: ['integer'], additionalProperties: false,
      properties: { integer: { type: 'array', items: { type: 'integer' }, minItems: 2, maxItems: 2 }, skew: { $ref: '#/$defs/skew' } },
    },
    {
      type: 'object', required: ['number'], additionalProperties: false,
      properties: {
        number: { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2 }, decimals: { type: 'integer', minimum: 0, maximum: 10 }, skew: { $ref: '#/$defs/skew' },
      },
    },
    {
      type: 'object', required: ['password'], additionalProperties: false,
      properties: { password: { type: 'object', additionalProperties: false, properties: { plaintextField: { type: 'string' } } } },
    },
    {
      type: 'object', required: ['token'], additionalProperties: false,
      properties: {
        token: {
          type: 'object', required: ['group', 'part'], additionalProperties: false,
          properties: { group: { type: 'string' }, part: { enum: ['prefix', 'sha256'] }, prefix: { type: 'string', pattern: '^[a-z0-9_]{0,8}$' } },
        },
      },
    },
    { type: 'object', required: ['const'], additionalProperties: false, properties: { const: true } },
    {
      type: 'object', required: ['row'], additionalProperties: false,
      properties: { row: { type: 'object', additionalProperties: false, properties: { start: { type: 'integer' } } } },
    },
    {
      type: 'object', required: ['sum'], additionalProperties: false,
      properties: { sum: { type: 'array', items: identifier, minItems: 1, description: 'The sum of these numeric columns of the row (made first).' } },
    },
    {
      type: 'object', required: ['distribution'], additionalProperties: false,
      properties: {
        distribution: {
          type: 'object', additionalProperties: false,
          description: 'A distribution as a database\'s statistics hold it (what introspect --learn-from writes): values shared by many rows '
            + 'with their shares, the rest spread evenly over equal-frequency buckets. For a date or date-time column, the bounds and '
            + 'common values are days before the profile\'s reference date.',
          properties: {
            bounds: { type: 'array', items: { type: 'number' }, minItems: 2, description: 'Bounds of equal-frequency buckets, in order (PostgreSQL\'s histogram_bounds).' },
            common: {
              type: 'array', description: 'Values shared by many rows: [value, share of the non-null values]; the buckets take the rest.',
              items: { type: 'array', prefixItems: [{ type: 'number' }, { type: 'number', minimum: 0, maximum: 1 }], minItems: 2, maxItems: 2 },
            },
            decimals: { type: 'integer', minimum: 0, maximum: 10, description: 'Digits kept after the decimal point of a number (default 2).' },
          },
        },
      },
    },
  ],
};

/** The x- keywords a column (or a nested JSONB schema) may carry. */
export const COLUMN_KEYWORDS = ['x-generate', 'x-faker', 'x-ref', 'x-unique', 'x-weights', 'x-null-probability', 'x-collide', 'x-ref-one-of', 'x-distinct-from', 'x-first-row', 'x-spread', 'x-per-parent'] as const;
/** The x- keywords of a table definition's top level. */
export const TABLE_KEYWORDS = [
  'x-table', 'x-tenant-root', 'x-global', 'x-tenant-column', 'x-tenant-via', 'x-primary-key', 'x-unique-keys', 'x-natural-key', 'x-count', 'x-legacy', 'x-existing-rows', 'x-fixed-rows',
  'x-foreign-keys', 'x-checks',
] as const;

export const DEFINITION_META_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'tenantseed:definition',
  type: 'object',
  required: ['x-table', 'x-primary-key', 'type', 'properties'],
  properties: {
    $schema: { const: 'https://json-schema.org/draft/2020-12/schema' },
    type: { const: 'object' },
    'x-table': identifier,
    'x-tenant-root': { type: 'boolean' },
    'x-global': { type: 'boolean', description: 'Shared by every tenant on purpose (countries, plans, templates): validate lets the application role read it without isolation.' },
    'x-tenant-column': {
      ...identifier,
      description: 'The column that holds the tenant id, on every tenant table (not on the x-tenant-root table): any name, '
        + 'with or without a foreign key to the root. Row-level security compares it with tenancy.setting; tenantseed fills it with '
        + 'the tenant\'s id. Introspect keeps it when it drafts again, over what it would infer.',
    },
    'x-tenant-via': {
      ...identifier,
      description: 'For a table without a tenant column: the referencing column (x-ref or x-ref-one-of) whose parent row gives the tenant, '
        + 'through one table or several (chat_messages -> agent_sessions -> a tenant table). Generated rows reference parents of one tenant.',
    },
    'x-primary-key': {
      type: 'array', items: identifier, minItems: 1, uniqueItems: true,
      description: 'The primary key as the catalog has it: the tenant column first, or one column unique across tenants. '
        + 'The id column (what x-ref points at, what tenantseed makes) is the one column besides the tenant\'s of this key, '
        + 'else of the first such x-unique-keys entry, else its last column.',
    },
    'x-unique-keys': {
      type: 'array', items: { type: 'array', items: identifier, minItems: 1, uniqueItems: true },
      description: 'Unique constraints over several columns; (tenant, user_id) beside a key (tenant, user_id, email) makes user_id the id column.',
    },
    'x-natural-key': identifier,
    'x-foreign-keys': {
      type: 'array',
      description: 'Foreign keys that x-ref cannot say: over several columns ((tenant, user_id, email) to user_emails keyed so), '
        + 'or to parent columns other than its id. Each row copies the columns of one existing row of the parent, of the same tenant, '
        + 'so the tuple exists. The tenant column may be listed (paired with the parent\'s) or left out; the other columns take no x-ref.',
      items: {
        type: 'object', additionalProperties: false, required: ['columns', 'table', 'references'],
        properties: {
          columns: { type: 'array', items: identifier, minItems: 1, uniqueItems: true },
          table: identifier,
          references: { type: 'array', items: identifier, minItems: 1 },
        },
      },
    },
    'x-checks': {
      type: 'object', minProperties: 1,
      description: 'CHECK constraints tenantseed cannot read as rules (a function call, `code % 7 = 3`, several columns), '
        + 'by constraint name: the expression as PostgreSQL prints it. Before rows go into the database or into files, PostgreSQL '
        + 'evaluates each expression on the drawn rows (one SELECT per batch); a row that breaks one is drawn again with its next '
        + 'key (keyed and deterministic), a bounded number of times, else the load stops naming the table, constraint and expression.',
      additionalProperties: { type: 'string', minLength: 1 },
    },
    'x-count': {
      type: 'object', additionalProperties: false, required: ['default'],
      properties: { default: { type: 'integer', minimum: 0 }, scale: { type: 'boolean' } },
    },
    'x-legacy': { type: 'boolean' },
    'x-existing-rows': {
      type: 'array', items: { type: 'object' },
      description: 'Rows the migrations made (a default tenant, a template at a fixed UUID, countries): referenced, never generated. '
        + 'Recorded with every column (introspect writes them so), reset of a schema another tool migrates puts them back from the record, byte for byte.',
    },
    'x-fixed-rows': { type: 'array', items: { type: 'object' } },
    properties: { type: 'object', minProperties: 1, propertyNames: identifier, additionalProperties: { $ref: '#/$defs/column' } },
    required: { type: 'array', items: { type: 'string' } },
    additionalProperties: { const: false },
  },
  patternProperties: {
    [`^x-(?!(${TABLE_KEYWORDS.map((k) => k.slice(2)).join('|')})$)`]: { not: {}, description: 'unknown x- keyword' },
  },
  $defs: {
    generator: generatorSpec,
    rankDistribution: {
      type: 'object', additionalProperties: false, minProperties: 1,
      properties: {
        bounds: { type: 'array', items: { type: 'number' }, minItems: 2 },
        common: { type: 'array', items: { type: 'array', prefixItems: [{ type: 'number' }, { type: 'number', minimum: 0, maximum: 1 }], minItems: 2, maxItems: 2 } },
      },
    },
    skew: {
      type: 'number', exclusiveMinimum: 0, maximum: 10,
      description: 'How far values lean to the low end of the range: min + (max - min) * u^skew; 1 is uniform, 3 makes most values small (counts, sizes, amounts)',
    },
    column: {
      type: 'object',
      properties: {
        'x-generate': { $ref: '#/$defs/generator' },
        'x-faker': { type: 'string', pattern: '^[a-zA-Z]+\\.[a-zA-Z0-9]+$' },
        'x-ref': reference,
        'x-unique': { enum: ['tenant', 'global'] },
        'x-weights': { type: 'array', items: { type: 'number', minimum: 0 }, minItems: 1 },
        'x-null-probability': { type: 'number', minimum: 0, maximum: 1 },
        'x-collide': { type: 'boolean' },
        'x-distinct-from': {
          type: 'array', items: identifier, minItems: 1, uniqueItems: true,
          description: 'With x-ref: other reference columns of the row to the same table; this one picks a different row than theirs when the tenant has enough rows (a ticket\'s created_by, assigned_to and resolved_by: three people, not one uuid three times).',
        },
        'x-first-row': {
          description: 'The value of the first row of each tenant (the one owner of a workspace); give it weight 0 in x-weights so that no other row takes it.',
        },
        'x-spread': {
          type: 'boolean',
          description: 'Draw the null decision and the value (enum weights, a distribution) at evenly spread points (a Kronecker sequence over the rows of a tenant) '
            + 'instead of independently: even a few rows then follow the weights, x-null-probability and distribution closely. Point i depends on row i alone.',
        },
        'x-per-parent': {
          type: 'array', items: { type: 'number', minimum: 0 }, minItems: 2,
          description: 'On an x-ref column: children per parent as quantiles at evenly spaced probabilities (0%, 5%, ..., 100%; parents with none count). '
            + 'Each parent of a tenant takes a weight from them (at an evenly spread point) and the tenant\'s rows are shared out in proportion, '
            + 'so a few parents hold most rows as in the source. Raising a count moves rows between parents.',
        },
        'x-ref-one-of': {
          type: 'object', required: ['discriminator', 'targets'], additionalProperties: false,
          description: 'A polymorphic reference: the table is chosen by the value of the discriminator column of the same row; the id column of that table is referenced.',
          properties: {
            discriminator: identifier,
            targets: { type: 'object', minProperties: 1, additionalProperties: identifier, description: 'discriminator value -> table' },
          },
        },
        properties: { type: 'object', additionalProperties: { $ref: '#/$defs/column' } },
        items: { $ref: '#/$defs/column' },
      },
      patternProperties: {
        [`^x-(?!(${COLUMN_KEYWORDS.map((k) => k.slice(2)).join('|')})$)`]: { not: {}, description: 'unknown x- keyword' },
      },
    },
  },
};

const partialRow = { type: 'object', propertyNames: { type: 'string' } };

export const PROFILE_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'tenantseed:profile',
  type: 'object',
  additionalProperties: false,
  required: ['seed', 'referenceDate', 'tenants', 'counts'],
  properties: {
    $schema: { type: 'string' },
    description: { type: 'string' },
    seed: { type: 'integer', minimum: 0, maximum: 4294967295 },
    referenceDate: { type: 'string', format: 'date-time' },
    locale: {
      type: 'string', pattern: '^[a-z]{2,3}(_[A-Za-z]+)*$',
      description: 'The Faker locale of generated names, places, companies and text (de, fr, pt_BR, ...; default en). Values Faker has no data for in that locale are English.',
    },
    protected: { type: 'boolean' },
    collisions: { type: 'boolean' },
    passwords: { type: 'array', items: { type: 'string', minLength: 8 }, minItems: 1, uniqueItems: true },
    tenants: {
      type: 'object', additionalProperties: false,
      properties: {
        named: {
          type: 'array',
          items: {
            type: 'object',
            description: 'The tenant row\'s values beside "scale" and "rows"; or {"values": {...}, "scale", "rows"} when the tenant table has a column named scale, rows or values.',
            properties: {
              scale: { type: 'number', exclusiveMinimum: 0 },
              rows: { type: 'object', additionalProperties: { type: 'array', items: partialRow } },
            },
          },
        },
        generated: { type: 'integer', minimum: 0 },
        sizes: {
          type: 'array', minItems: 1,
          items: {
            type: 'object', additionalProperties: false, required: ['share', 'scale'],
            properties: { share: { type: 'number', exclusiveMinimum: 0, maximum: 1 }, scale: { type: 'number', exclusiveMinimum: 0 } },
          },
        },
      },
    },
    newTenant: {
      type: 'object', additionalProperties: false,
      properties: {
        values: partialRow,
        rows: { type: 'object', additionalProperties: { type: 'array', items: partialRow } },
      },
    },
    counts: { type: 'object', additionalProperties: { type: 'integer', minimum: 0 } },
    perTenant: {
      type: 'object',
      description: 'Rows per tenant of a table as quantiles at evenly spaced probabilities (0%, 5%, ..., 100%; what introspect --learn-from writes). '
        + 'Each generated tenant has one point of an evenly spread sequence, the same for every table (a whale tenant is large in every table), '
        + 'and gets the quantile at that point (none where a parent it must reference has none); named tenants too (at least their named rows). Replaces "counts" and "sizes" for the tables it names.',
      additionalProperties: { type: 'array', items: { type: 'number', minimum: 0 }, minItems: 2 },
    },
    legacy: { type: 'object', additionalProperties: { type: 'integer', minimum: 0 } },
    withoutTenant: {
      type: 'object',
      description: 'Rows with no tenant on purpose (platform admins in users), by table: their tenant column is NULL, they are in no tenant\'s counts or fixtures, and only rows without a tenant reference them. A table with an x-tenant-column that is nullable.',
      additionalProperties: {
        oneOf: [
          { type: 'integer', minimum: 0, description: 'How many rows of the table have no tenant.' },
          {
            type: 'object', additionalProperties: false,
            properties: {
              count: { type: 'integer', minimum: 0, description: 'How many rows of the table have no tenant (at least as many as "rows"; default: as many as "rows").' },
              values: { ...partialRow, description: 'Values every row without a tenant takes (for example {"role": "platform_admin"}); the rest is drawn from the definition.' },
              rows: { type: 'array', items: partialRow, description: 'Named rows without a tenant, first: tests reach them by their natural key (fixtures.row, fixtures.user).' },
            },
          },
        ],
      },
    },
  },
};
