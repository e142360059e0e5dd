import { lazyTenantList } from '../../../src/generate/tenant-list';
import { buildPlan } from '../../../src/generate';
import { loadDefinitions, loadProfile } from '../../../src/definitions';
import { shippedProjectConfig } from '../../../src/config';

const make = (i: number) => ({ index: i, key: `#${i}`, hash: i * 7, scale: 1, id: `id-${i}` });

describe('a plan\'s tenant list', () => {
  it('reads like an array: length, indices, iteration, spread and array methods', () => {
    const list = lazyTenantList(5, make);
    expect(list.length).toBe(5);
    expect(list[3]).toEqual(make(3));
    expect(list[5]).toBeUndefined();
    expect([...list].map((t) => t.key)).toEqual(['#0', '#1', '#2', '#3', '#4']);
    expect(list.map((t) => t.index)).toEqual([0, 1, 2, 3, 4]);
    expect(list.filter((t) => t.index % 2 === 0).length).toBe(3);
    expect(list.find((t) => t.key === '#4')?.id).toBe('id-4');
    expect(list.reduce((sum, t) => sum + t.index, 0)).toBe(10);
    expect(Array.isArray(list)).toBe(true);
    expect(Object.keys(list)).toEqual(['0', '1', '2', '3', '4']);
  });

  it('cannot be changed, and makes a tenant only when it is read', () => {
    let made = 0;
    const list = lazyTenantList(100_000_000, (i) => { made++; return make(i); });
    expect(list.length).toBe(100_000_000);
    expect(list[99_999_999].key).toBe('#99999999');
    expect(made).toBe(1);
    expect(() => { (list as unknown as unknown[])[0] = 1; }).toThrow(TypeError);
    expect(() => { (list as unknown as unknown[]).push(1); }).toThrow(TypeError);
  });

  it('gives a plan the same tenants as before it was lazy (ids, keys, size classes)', () => {
    const project = shippedProjectConfig();
    const plan = buildPlan({ definitions: loadDefinitions(project.definitions), profile: loadProfile(project.environments, 'development'), tenants: 40 });
    const again = buildPlan({ definitions: loadDefinitions(project.definitions), profile: loadProfile(project.environments, 'development'), tenants: 40 });
    expect(plan.tenants.map((t) => ({ ...t }))).toEqual(again.tenants.map((t) => ({ ...t })));
    expect(new Set(plan.tenants.map((t) => t.id)).size).toBe(40);
    expect(plan.tenants.slice(0, 2).map((t) => t.key)).toEqual(['acme', 'globex']);
  });
});
