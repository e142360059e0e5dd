import type { DraftNode } from './column-schema';

/**
 * The `newTenant` of a drafted profile: for `tenant add --slug acme`, an admin of the new tenant
 * named by the slug (`admin@acme.test`) in the first tenant table whose natural key is an email
 * column, so that the new tenant has a login one can name. Nothing for a schema without one.
 * It uses no `{name}` or `{template}`: those would make `--name` required or `--template` act,
 * and the draft cannot know what they would mean.
 *
 * @example
 * draftNewTenant(definitions) // { values: {}, rows: { users: [{ email: 'admin@{slug}.test' }] } }
 */
export function draftNewTenant(definitions: ReadonlyMap<string, DraftNode>): DraftNode {
  for (const [table, definition] of definitions) {
    const key = definition['x-natural-key'] as string | undefined;
    if (!definition['x-tenant-column'] || !key) continue;
    if ((definition['x-count'] as { default?: number } | undefined)?.default === 0) continue;
    const node = (definition.properties as Record<string, DraftNode> | undefined)?.[key];
    const faker = node?.['x-faker'];
    const isEmail = /e-?mail/i.test(key) || faker === 'internet.email' || node?.format === 'email';
    if (!node || !isEmail || node.pattern !== undefined || node.const !== undefined) continue;
    if (typeof node.maxLength === 'number' && node.maxLength < 'admin@.test'.length + 63) continue;
    return { values: {}, rows: { [table]: [{ [key]: 'admin@{slug}.test' }] } };
  }
  return { values: {}, rows: {} };
}
