/**
 * What a column is for, read from its name (in any case: `content_hash`, `contentHash`,
 * `IPAddress`), its type, its comment and its length: one dictionary, one entry a meaning, each
 * with the values that look like a team's own (hashes as hex of the right length, addresses,
 * agents, providers, skewed amounts and counts, English sentences). Introspect's drafts read it;
 * nothing else decides a column's meaning.
 */

/** The Faker method of a text that no meaning names: an English word, never Latin. */
export const PLAIN_WORD = 'word.noun';

/** A draft JSON-Schema node (the keywords a meaning adds to the column's schema). */
export type MeaningNode = Record<string, unknown>;

/** What a column's meaning is read from. */
export interface ColumnClue {
  readonly name: string;
  /** The base type (`text`, `varchar`, `int4`, `numeric`, `timestamptz`, ...). */
  readonly baseType: string;
  /** `varchar(n)`: n. */
  readonly maxLength?: number;
  /** The column's comment (`COMMENT ON COLUMN`), if any. */
  readonly comment?: string;
  /** The table is the tenant root. */
  readonly root: boolean;
  /** The other columns of the table. */
  readonly siblings: readonly string[];
}

/** A meaning that applies to a column: its id and the keywords to draft. */
export interface ReadMeaning {
  readonly id: string;
  readonly node: MeaningNode;
  /** For numbers: the range the values fall in, and how skewed to its low end (1: uniform). */
  readonly range?: NumberRange;
  /**
   * Drafted even where the column has a default: a default `0` for a counter or a fixed status
   * would make every row alike, which no real table is.
   */
  readonly evenWithDefault: boolean;
}

type Kind = 'text' | 'integer' | 'number';

/** A range of numbers, skewed to its low end: a value is min + (max - min) * u^skew. */
export interface NumberRange {
  readonly min: number;
  readonly max: number;
  readonly skew: number;
}

interface Meaning {
  readonly id: string;
  readonly kinds: readonly Kind[];
  readonly test: (words: readonly string[], clue: ColumnClue) => boolean;
  readonly draft?: (clue: ColumnClue, words: readonly string[]) => MeaningNode;
  readonly range?: NumberRange;
  readonly evenWithDefault?: boolean;
}

const TEXT_TYPES = new Set(['text', 'varchar', 'bpchar', 'citext']);
const INTEGER_TYPES = new Set(['int2', 'int4', 'int8']);
const NUMBER_TYPES = new Set(['numeric', 'float4', 'float8', 'money']);

/**
 * The words of an identifier, lowercased: `contentHash` and `content_hash` -> [content, hash];
 * `IPAddress` -> [ip, address]; `sha256_digest` -> [sha256, digest].
 */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== '')
    .map((w) => w.toLowerCase());
}

const last = (words: readonly string[]) => words[words.length - 1] ?? '';
const has = (words: readonly string[], ...wanted: string[]) => wanted.some((w) => words.includes(w));
const endsWith = (words: readonly string[], ...tail: string[]) =>
  words.length >= tail.length && tail.every((w, i) => words[words.length - tail.length + i] === w);
const faker = (method: string): MeaningNode => ({ 'x-faker': method });
/** A text of exactly `length` characters from an alphabet (a regular expression class). */
const fixedPattern = (alphabet: string, length: number): MeaningNode => ({ pattern: `^[${alphabet}]{${length}}$`, minLength: length });

/** Siblings that make a table about AI calls (so `provider` and `model` name AI vendors and models). */
const AI_SIBLINGS = /prompt|completion|tokens?$|llm|model|embedding|agent/i;
const aiTable = (clue: ColumnClue) => clue.siblings.some((s) => s !== clue.name && AI_SIBLINGS.test(s));
const AI_PROVIDERS = ['openai', 'anthropic', 'google', 'mistral', 'cohere', 'azure-openai'];
const AI_PROVIDER_WEIGHTS = [40, 30, 12, 8, 4, 6];
const AI_MODELS = ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4', 'claude-haiku-4', 'gemini-2.5-pro', 'gemini-2.5-flash', 'mistral-large', 'o3-mini'];
const AI_MODEL_WEIGHTS = [22, 20, 20, 10, 8, 8, 6, 6];

/** Siblings that make a table about sign-ins through another service (so `provider` names one). */
const OAUTH_SIBLINGS = /provider_?account|oauth|refresh_?token|id_?token|access_?token|openid|sso/i;
const oauthTable = (clue: ColumnClue) => clue.siblings.some((s) => s !== clue.name && OAUTH_SIBLINGS.test(s));
const OAUTH_PROVIDERS = ['google', 'github', 'microsoft', 'apple', 'gitlab', 'okta'];
const OAUTH_PROVIDER_WEIGHTS = [45, 25, 15, 8, 4, 3];

const AUDIT_ACTIONS = ['user.login', 'user.logout', 'record.create', 'record.update', 'record.delete', 'member.invite', 'settings.update', 'api_key.create', 'export.download'];
const AUDIT_ACTION_WEIGHTS = [30, 8, 15, 25, 4, 3, 6, 2, 7];

/** The hex length of a digest named in the column: md5 32, sha1 40, sha512 128, else sha256's 64. */
function digestLength(words: readonly string[], maxLength?: number): number {
  const named = has(words, 'md5', 'etag') ? 32 : has(words, 'sha1') ? 40 : has(words, 'sha512') ? 128 : has(words, 'sha384') ? 96 : 64;
  return maxLength !== undefined && maxLength < named ? maxLength : named;
}

/** A skewed range: most values small, a few large (the shape of counts and amounts in real tables). */
const skewed = (min: number, max: number, skew = 3): NumberRange => ({ min, max, skew });

/** The dictionary, in order: the first meaning whose test holds is the column's. */
export const COLUMN_MEANINGS: readonly Meaning[] = [
  { id: 'password', kinds: ['text'], test: (w) => has(w, 'password', 'passwd'), draft: () => ({ 'x-generate': { password: {} } }) },
  {
    // No row number: first and last names and a domain are enumerable, so a unique column draws
    // them without repetition (across tenants too): `gerald.tillman@colorful-crocodile.biz`.
    id: 'email', kinds: ['text'], test: (w) => has(w, 'email', 'mail'),
    draft: () => ({
      format: 'email',
      'x-generate': { template: '{first}.{last}@{domain}', parts: { first: { faker: 'person.firstName', case: 'slug' }, last: { faker: 'person.lastName', case: 'slug' }, domain: { faker: 'internet.domainName', case: 'lower' } } },
    }),
  },
  {
    id: 'digest', kinds: ['text'],
    test: (w) => has(w, 'hash', 'checksum', 'digest', 'sha256', 'sha1', 'sha512', 'sha384', 'md5', 'etag', 'fingerprint') && !has(w, 'algorithm', 'algo', 'type', 'method'),
    draft: (clue, w) => fixedPattern('0-9a-f', digestLength(w, clue.maxLength)),
  },
  {
    id: 'key-prefix', kinds: ['text'], test: (w) => last(w) === 'prefix' && has(w, 'key', 'token', 'secret'),
    draft: (clue) => ({ pattern: `^[a-z]{2}_[a-z0-9]{${Math.max(1, Math.min(8, (clue.maxLength ?? 11) - 3))}}$` }),
  },
  {
    id: 'secret-token', kinds: ['text'],
    test: (w) => has(w, 'token', 'secret', 'nonce', 'salt') || endsWith(w, 'api', 'key') || endsWith(w, 'access', 'key') || endsWith(w, 'private', 'key'),
    draft: (clue) => fixedPattern('A-Za-z0-9_-', clue.maxLength !== undefined && clue.maxLength < 43 ? clue.maxLength : 43),
  },
  { id: 'user-agent', kinds: ['text'], test: (w) => endsWith(w, 'user', 'agent') || has(w, 'useragent') || last(w) === 'ua', draft: () => faker('internet.userAgent') },
  {
    id: 'ip-address', kinds: ['text'],
    test: (w) => has(w, 'ip', 'ipv4', 'ipaddr') || endsWith(w, 'remote', 'addr') || endsWith(w, 'remote', 'address'),
    draft: (_c, w) => faker(has(w, 'ipv6') ? 'internet.ipv6' : 'internet.ipv4'),
  },
  { id: 'avatar-url', kinds: ['text'], test: (w) => ['avatar', 'photo', 'picture'].includes(last(w)) || endsWith(w, 'avatar', 'url') || endsWith(w, 'profile', 'image'), draft: () => faker('image.avatar') },
  { id: 'image-url', kinds: ['text'], test: (w) => ['image', 'logo', 'icon', 'thumbnail', 'banner', 'cover'].includes(last(w)) || (has(w, 'image', 'logo', 'icon', 'thumbnail') && has(w, 'url')), draft: () => faker('image.url') },
  { id: 'url', kinds: ['text'], test: (w) => has(w, 'url', 'uri', 'href', 'website', 'homepage') || last(w) === 'link', draft: () => faker('internet.url') },
  { id: 'domain', kinds: ['text'], test: (w) => has(w, 'domain', 'hostname') || last(w) === 'host', draft: () => faker('internet.domainName') },
  { id: 'mime-type', kinds: ['text'], test: (w) => has(w, 'mime', 'mimetype') || endsWith(w, 'content', 'type') || endsWith(w, 'media', 'type'), draft: () => faker('system.mimeType') },
  { id: 'file-name', kinds: ['text'], test: (w) => has(w, 'filename') || endsWith(w, 'file', 'name') || endsWith(w, 'original', 'name'), draft: () => faker('system.fileName') },
  { id: 'file-path', kinds: ['text'], test: (w) => has(w, 'filepath', 'path') || endsWith(w, 'storage', 'key'), draft: () => faker('system.filePath') },
  { id: 'currency', kinds: ['text'], test: (w) => has(w, 'currency'), draft: () => faker('finance.currencyCode') },
  {
    id: 'oauth-provider', kinds: ['text'], test: (w, clue) => (last(w) === 'provider' || endsWith(w, 'provider', 'id') || endsWith(w, 'provider', 'name')) && oauthTable(clue),
    draft: () => ({ enum: OAUTH_PROVIDERS, 'x-weights': OAUTH_PROVIDER_WEIGHTS }),
  },
  {
    id: 'ai-provider', kinds: ['text'], test: (w, clue) => (last(w) === 'provider' || endsWith(w, 'provider', 'id') || endsWith(w, 'provider', 'name')) && aiTable(clue),
    draft: () => ({ enum: AI_PROVIDERS, 'x-weights': AI_PROVIDER_WEIGHTS }),
  },
  {
    id: 'ai-model', kinds: ['text'], test: (w, clue) => (last(w) === 'model' || endsWith(w, 'model', 'name') || endsWith(w, 'model', 'id')) && aiTable(clue),
    draft: () => ({ enum: AI_MODELS, 'x-weights': AI_MODEL_WEIGHTS }),
  },
  { id: 'vendor', kinds: ['text'], test: (w) => has(w, 'provider', 'vendor', 'supplier', 'manufacturer', 'brand'), draft: () => faker('company.name') },
  { id: 'first-name', kinds: ['text'], test: (w) => endsWith(w, 'first', 'name') || endsWith(w, 'given', 'name') || has(w, 'firstname'), draft: () => faker('person.firstName') },
  { id: 'last-name', kinds: ['text'], test: (w) => endsWith(w, 'last', 'name') || endsWith(w, 'family', 'name') || has(w, 'surname', 'lastname'), draft: () => faker('person.lastName') },
  {
    id: 'person-name', kinds: ['text'],
    test: (w) => endsWith(w, 'full', 'name') || endsWith(w, 'display', 'name') || endsWith(w, 'contact', 'name') || endsWith(w, 'owner', 'name') || (w.length === 1 && w[0] === 'author'),
    draft: () => faker('person.fullName'),
  },
  { id: 'username', kinds: ['text'], test: (w) => has(w, 'username', 'login') || endsWith(w, 'user', 'name') || (w.length === 1 && w[0] === 'handle'), draft: () => faker('internet.username') },
  {
    id: 'company-name', kinds: ['text'],
    test: (w) => (w.length === 1 && ['company', 'organization', 'organisation', 'client'].includes(w[0])) || endsWith(w, 'company', 'name') || endsWith(w, 'customer', 'name'),
    draft: () => faker('company.name'),
  },
  {
    id: 'name', kinds: ['text'], test: (w) => w.length === 1 && w[0] === 'name',
    draft: (clue) => faker(clue.root ? 'company.name' : clue.siblings.some((s) => /e?mail/i.test(s)) ? 'person.fullName' : 'commerce.productName'),
  },
  { id: 'title', kinds: ['text'], test: (w) => ['title', 'subject', 'headline'].includes(last(w)), draft: () => faker('company.catchPhrase') },
  { id: 'phone', kinds: ['text'], test: (w) => has(w, 'phone', 'mobile', 'fax', 'telephone'), draft: () => faker('phone.number') },
  { id: 'city', kinds: ['text'], test: (w) => last(w) === 'city', draft: () => faker('location.city') },
  { id: 'country-code', kinds: ['text'], test: (w) => endsWith(w, 'country', 'code') || endsWith(w, 'country', 'iso'), draft: () => faker('location.countryCode') },
  { id: 'country', kinds: ['text'], test: (w) => last(w) === 'country' || endsWith(w, 'country', 'name'), draft: () => faker('location.country') },
  { id: 'street-address', kinds: ['text'], test: (w) => has(w, 'street') || (last(w) === 'address' && !has(w, 'email', 'ip', 'mac')) || endsWith(w, 'address', 'line', '1') || endsWith(w, 'address', '1'), draft: () => faker('location.streetAddress') },
  { id: 'postal-code', kinds: ['text'], test: (w) => has(w, 'zip', 'zipcode', 'postcode', 'postal'), draft: () => faker('location.zipCode') },
  {
    id: 'region', kinds: ['text'], test: (w, clue) => ['state', 'province', 'region'].includes(last(w)) && clue.siblings.some((s) => /city|country|street|zip|postal/i.test(s) || /^(postal_?|street_?|mailing_?|billing_?|shipping_?)?address(_?line)?_?1?$/i.test(s)),
    draft: () => faker('location.state'),
  },
  // A text status, role, plan or priority without a CHECK or an enum type: labels most schemas
  // use, skewed as real tables are (most rows active, few admins, most plans free).
  { id: 'status', kinds: ['text'], test: (w) => ['status', 'state'].includes(last(w)), draft: () => ({ enum: ['active', 'pending', 'inactive', 'archived'], 'x-weights': [70, 15, 10, 5] }), evenWithDefault: true },
  { id: 'role', kinds: ['text'], test: (w) => last(w) === 'role', draft: () => ({ enum: ['member', 'admin', 'viewer'], 'x-weights': [75, 8, 17] }), evenWithDefault: true },
  { id: 'plan', kinds: ['text'], test: (w) => ['plan', 'tier'].includes(last(w)), draft: () => ({ enum: ['free', 'starter', 'pro', 'enterprise'], 'x-weights': [55, 25, 15, 5] }), evenWithDefault: true },
  { id: 'priority', kinds: ['text'], test: (w) => last(w) === 'priority', draft: () => ({ enum: ['low', 'medium', 'high', 'urgent'], 'x-weights': [30, 45, 20, 5] }), evenWithDefault: true },
  { id: 'time-zone', kinds: ['text'], test: (w) => has(w, 'timezone', 'tz') || endsWith(w, 'time', 'zone'), draft: () => faker('location.timeZone') },
  {
    id: 'cron', kinds: ['text'], test: (w) => has(w, 'cron', 'crontab'),
    draft: () => ({ 'x-generate': { template: '{minute} {hour} * * {weekday}', parts: { minute: { integer: [0, 59] }, hour: { integer: [0, 23] }, weekday: { integer: [0, 6] } } } }),
  },
  {
    // An audit log's action: what happened to what, skewed to the everyday (sign-ins, edits).
    id: 'action', kinds: ['text'], test: (w) => ['action', 'event', 'activity'].includes(last(w)) || endsWith(w, 'event', 'type') || endsWith(w, 'event', 'name'),
    draft: () => ({ enum: AUDIT_ACTIONS, 'x-weights': AUDIT_ACTION_WEIGHTS }),
  },
  { id: 'colour', kinds: ['text'], test: (w) => has(w, 'color', 'colour'), draft: () => faker('color.human') },
  {
    id: 'description', kinds: ['text'], test: (w) => ['description', 'summary', 'bio', 'about', 'excerpt', 'abstract'].includes(last(w)),
    draft: () => faker('commerce.productDescription'),
  },
  {
    id: 'free-text', kinds: ['text'],
    test: (w) => ['body', 'content', 'notes', 'note', 'comment', 'comments', 'message', 'text', 'reason', 'feedback', 'prompt', 'response', 'answer', 'question', 'reply', 'details'].includes(last(w)),
    draft: () => ({ 'x-generate': { faker: 'hacker.phrase', repeat: [1, 3], separator: ' ' } }),
  },
  { id: 'slug', kinds: ['text'], test: (w) => ['slug', 'code', 'key', 'handle', 'subdomain'].includes(last(w)), draft: () => ({ 'x-generate': { template: '{word}-{row}', parts: { word: { faker: PLAIN_WORD, case: 'slug' } } } }) },
  // Numbers: the range is the meaning's; the column's CHECKs and type narrow it (see column-schema).
  {
    id: 'percentage', kinds: ['integer', 'number'], test: (w) => has(w, 'percent', 'percentage', 'pct'),
    range: { min: 0, max: 100, skew: 1 }, evenWithDefault: true,
  },
  { id: 'ratio', kinds: ['number'], test: (w) => has(w, 'ratio', 'probability', 'share'), range: { min: 0, max: 1, skew: 1 }, evenWithDefault: true },
  { id: 'rating', kinds: ['integer', 'number'], test: (w) => has(w, 'rating', 'stars'), range: { min: 1, max: 5, skew: 0.5 }, evenWithDefault: true },
  { id: 'age', kinds: ['integer'], test: (w) => w.length === 1 && w[0] === 'age', range: { min: 18, max: 90, skew: 1.5 } },
  {
    id: 'ai-tokens', kinds: ['integer'], test: (w) => last(w) === 'tokens' || endsWith(w, 'token', 'count'),
    range: skewed(1, 8000, 2.5), evenWithDefault: true,
  },
  {
    id: 'byte-size', kinds: ['integer'], test: (w) => has(w, 'bytes') || endsWith(w, 'file', 'size') || (last(w) === 'size' && has(w, 'file', 'attachment', 'upload', 'blob')),
    range: skewed(512, 50_000_000, 4), evenWithDefault: true,
  },
  {
    id: 'duration', kinds: ['integer', 'number'], test: (w) => has(w, 'ms', 'millis', 'milliseconds', 'latency', 'duration', 'elapsed'),
    range: skewed(5, 60_000, 3), evenWithDefault: true,
  },
  {
    // What one AI call costs, in dollars: cents, rarely a few dollars (not $662 for 890 tokens).
    id: 'ai-cost', kinds: ['number'], test: (w, clue) => has(w, 'cost', 'price', 'spend', 'usd', 'amount') && aiTable(clue),
    range: skewed(0, 2, 4), evenWithDefault: true,
  },
  {
    id: 'money-cents', kinds: ['integer'], test: (w) => has(w, 'cents', 'pence') || (has(w, 'amount', 'price', 'cost', 'total', 'fee') && has(w, 'minor')),
    range: skewed(0, 500_000, 3), evenWithDefault: true,
  },
  {
    id: 'money', kinds: ['integer', 'number'],
    test: (w) => has(w, 'amount', 'price', 'cost', 'balance', 'fee', 'revenue', 'subtotal', 'tax', 'spend', 'spent', 'budget', 'salary', 'usd', 'eur', 'gbp', 'mrr', 'arr') || (last(w) === 'total' && !has(w, 'tokens', 'count')),
    range: skewed(0, 5_000, 3), evenWithDefault: true,
  },
  {
    id: 'count', kinds: ['integer'],
    test: (w) => ['count', 'counter', 'attempts', 'retries', 'views', 'clicks', 'hits', 'uses', 'visits', 'downloads', 'likes', 'seats', 'quantity', 'qty'].includes(last(w))
      || (w[0] === 'num' && w.length > 1) || endsWith(w, 'retry', 'count'),
    range: skewed(0, 200, 3), evenWithDefault: true,
  },
];

/** Where a comment settles a meaning by itself ("SHA-256 of the body", "client IP"). */
const COMMENT_MEANINGS: readonly [RegExp, string][] = [
  [/\bsha-?256\b|\bmd5\b|\bsha-?1\b|\bhex digest\b|\bchecksum\b/i, 'digest'],
  [/\bip address\b|\bclient ip\b/i, 'ip-address'],
  [/\buser[- ]agent\b/i, 'user-agent'],
  [/\burl\b/i, 'url'],
  [/\bmime type\b/i, 'mime-type'],
  [/\bcurrency\b/i, 'currency'],
];

function kindOf(baseType: string): Kind | undefined {
  if (TEXT_TYPES.has(baseType)) return 'text';
  if (INTEGER_TYPES.has(baseType)) return 'integer';
  if (NUMBER_TYPES.has(baseType)) return 'number';
  return undefined;
}

/**
 * The meaning of a column (the first of the dictionary that applies to its type), or undefined.
 * A comment that names a meaning wins over the name.
 *
 * @example
 * readColumnMeaning({ name: 'contentHash', baseType: 'text', root: false, siblings: [] })
 * // { id: 'digest', node: { pattern: '^[0-9a-f]{64}$', minLength: 64 }, evenWithDefault: false }
 */
export function readColumnMeaning(clue: ColumnClue): ReadMeaning | undefined {
  const kind = kindOf(clue.baseType);
  if (!kind) return undefined;
  const words = nameWords(clue.name);
  const applicable = COLUMN_MEANINGS.filter((m) => m.kinds.includes(kind));
  const byComment = clue.comment ? COMMENT_MEANINGS.find(([re]) => re.test(clue.comment!))?.[1] : undefined;
  const meaning = (byComment ? applicable.find((m) => m.id === byComment) : undefined) ?? applicable.find((m) => m.test(words, clue));
  if (!meaning) return undefined;
  const node = meaning.draft ? meaning.draft(clue, words) : {};
  return { id: meaning.id, node, ...(meaning.range ? { range: meaning.range } : {}), evenWithDefault: meaning.evenWithDefault ?? false };
}

/** How common each kind of enum label is in real tables: few admins and owners, many members. */
const LABEL_WEIGHTS: readonly [RegExp, number][] = [
  [/^(super_?admin|uber_?admin|platform_?admin|root|system|god)$/i, 1],
  [/^(owner|admin|administrator|billing_?admin)$/i, 6],
  [/^(manager|editor|maintainer|moderator|lead)$/i, 14],
  [/^(member|user|staff|employee|agent|standard|contributor)$/i, 60],
  [/^(viewer|guest|read_?only|readonly|observer|auditor)$/i, 20],
  [/^(active|enabled|open|published|completed|complete|succeeded|success|approved|paid|delivered|done|resolved|closed|sent|live)$/i, 60],
  [/^(pending|draft|in_?progress|processing|queued|scheduled|trialing|trial|review|in_?review|waiting|new|running)$/i, 15],
  [/^(inactive|disabled|archived|expired|cancell?ed|canceled|refunded|paused|on_?hold)$/i, 6],
  [/^(failed|failure|error|errored|deleted|suspended|banned|blocked|rejected|declined|timed_?out|timeout|fraud)$/i, 3],
  [/^(free|basic|starter|hobby|personal)$/i, 55],
  [/^(pro|professional|team|business|growth|plus|standard_plan)$/i, 30],
  [/^(enterprise|premium|ultimate|custom)$/i, 8],
];

/**
 * Weights for the labels of an enum-like column (status, role, plan, tier, type): real tables
 * are skewed, not uniform. Undefined when no label is recognised (left uniform).
 *
 * @example
 * enumWeights('role', ['admin', 'member', 'viewer']) // [6, 60, 20]
 */
export function enumWeights(column: string, labels: readonly unknown[]): number[] | undefined {
  const words = nameWords(column);
  if (!has(words, 'role', 'status', 'state', 'plan', 'tier', 'level', 'permission', 'kind', 'type', 'stage', 'access')) return undefined;
  let known = 0;
  const weights = labels.map((label) => {
    const hit = typeof label === 'string' ? LABEL_WEIGHTS.find(([re]) => re.test(label)) : undefined;
    if (hit) known++;
    return hit ? hit[1] : 10;
  });
  return known === 0 ? undefined : weights;
}

/**
 * The label of a role column that one row per tenant holds (`owner`: a workspace has one), if
 * the column is a role and names one.
 *
 * @example
 * oncePerTenant('role', ['OWNER', 'ADMIN', 'MEMBER']) // 'OWNER'
 */
export function oncePerTenant(column: string, labels: readonly unknown[]): string | undefined {
  if (!has(nameWords(column), 'role')) return undefined;
  return labels.find((l): l is string => typeof l === 'string' && /^(owner|account_?owner|workspace_?owner|primary_?owner)$/i.test(l));
}

/** Boolean flags that are rarely true (`is_admin`) or rarely false (`is_active`). */
export function booleanWeights(column: string): { enum: [boolean, boolean]; 'x-weights': [number, number] } | undefined {
  const words = nameWords(column);
  if (has(words, 'admin', 'superuser', 'staff', 'deleted', 'archived', 'banned', 'blocked', 'suspended', 'locked', 'test', 'internal', 'default', 'system')) {
    return { enum: [true, false], 'x-weights': [5, 95] };
  }
  if (has(words, 'active', 'enabled', 'verified', 'confirmed', 'visible', 'published')) return { enum: [true, false], 'x-weights': [90, 10] };
  return undefined;
}

/** The words of a timestamp's name without its suffix: `updated_at` -> `updated`, `lastActivityAt` -> `last activity`. */
function timestampStem(name: string): string {
  return nameWords(name).filter((w) => !['at', 'on', 'date', 'time', 'ts', 'timestamp'].includes(w)).join(' ');
}

/**
 * The order of a row's timestamps, as their names imply it: each rule names the timestamps it
 * follows, nearest first (an `ended_at` follows `last_activity_at` where the table has one, else
 * `started_at`, else `created_at`), and how many days after it may fall at most. A rule only
 * names stems of rules listed before it, so no order is circular (a unit test checks).
 */
export const TIMESTAMP_ORDER: readonly { readonly later: readonly string[]; readonly after: readonly string[]; readonly maxDays: number }[] = [
  { later: ['updated', 'modified', 'changed', 'edited'], after: ['created', 'inserted'], maxDays: 30 },
  { later: ['issued', 'sent', 'invited', 'requested', 'submitted', 'received', 'scheduled', 'queued'], after: ['created', 'inserted'], maxDays: 3 },
  { later: ['started', 'start', 'began', 'starts'], after: ['scheduled', 'queued', 'created', 'inserted'], maxDays: 3 },
  { later: ['last activity', 'last seen', 'last used', 'last active', 'last login', 'last message'], after: ['started', 'start', 'opened', 'began', 'created', 'inserted'], maxDays: 7 },
  {
    later: ['ended', 'end', 'ends', 'finished', 'completed', 'closed', 'resolved', 'stopped'],
    after: ['last activity', 'last seen', 'last active', 'started', 'start', 'opened', 'began', 'created', 'inserted'], maxDays: 7,
  },
  { later: ['expires', 'expiry', 'expiration', 'expired', 'valid until', 'valid to'], after: ['issued', 'valid from', 'starts', 'started', 'created'], maxDays: 365 },
  { later: ['accepted', 'joined', 'confirmed', 'verified', 'activated', 'declined'], after: ['invited', 'sent', 'requested', 'created'], maxDays: 14 },
  { later: ['published', 'approved'], after: ['submitted', 'created'], maxDays: 30 },
  { later: ['delivered'], after: ['sent', 'created'], maxDays: 1 },
  { later: ['read'], after: ['delivered', 'sent', 'created'], maxDays: 3 },
  { later: ['processed', 'handled', 'answered', 'replied', 'responded'], after: ['received', 'requested', 'submitted', 'created'], maxDays: 3 },
  { later: ['paid', 'settled', 'refunded'], after: ['issued', 'billed', 'created'], maxDays: 30 },
  { later: ['deleted', 'archived', 'revoked', 'cancelled', 'canceled', 'disabled'], after: ['updated', 'created'], maxDays: 30 },
];

/**
 * The timestamps of a row that a timestamp follows, as their names imply (TIMESTAMP_ORDER):
 * among `others` (the table's other timestamps, wherever they stand), the nearest it follows,
 * the ones it follows when that one is null (`then`, nearest first), and how many days later it
 * may fall at most; undefined when its name implies no order.
 *
 * @example
 * orderedAfter('endedAt', ['id', 'startedAt', 'lastActivityAt']) // { column: 'lastActivityAt', then: ['startedAt'], maxDays: 7 }
 */
export function orderedAfter(column: string, others: readonly string[]): { column: string; then: string[]; maxDays: number } | undefined {
  const rule = TIMESTAMP_ORDER.find((r) => r.later.includes(timestampStem(column)));
  if (!rule) return undefined;
  const found = rule.after.flatMap((wanted) => others.filter((o) => o !== column && timestampStem(o) === wanted).slice(0, 1));
  return found.length === 0 ? undefined : { column: found[0], then: found.slice(1), maxDays: rule.maxDays };
}
