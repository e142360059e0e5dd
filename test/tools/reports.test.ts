import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderHtml, renderJunit } from '../../src/report';
import { failingReport, HOSTILE, passingReport } from '../support/report-fixtures';
import { REPO_ROOT } from '../support/run-cli';

/**
 * Reports checked by the tools that read them: JUnit XML against an XSD of the format (xmllint),
 * HTML in a real headless Chromium (playwright-core). These tools are Debian packages
 * (libxml2-utils, chromium) that `.ci/run` installs; on a machine without them this suite says
 * so and is skipped, unless TENANTSEED_REQUIRE_TOOLS=1 (set by CI) makes their absence a failure.
 */
const XSD = path.join(REPO_ROOT, 'test', 'fixtures', 'junit', 'junit.xsd');
const CHROMIUM = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
const XMLLINT = spawnSync('xmllint', ['--version']).status === 0;
const REQUIRED = process.env.TENANTSEED_REQUIRE_TOOLS === '1';
const SCREENSHOTS = path.join(REPO_ROOT, 'test-output');

if (REQUIRED) {
  it('has the tools CI installs (xmllint, chromium)', () => {
    expect({ xmllint: XMLLINT, chromium: Boolean(CHROMIUM) }).toEqual({ xmllint: true, chromium: true });
  });
}

for (const [tool, present] of [['xmllint (apt libxml2-utils)', XMLLINT], ['chromium (apt chromium)', Boolean(CHROMIUM)]] as const) {
  if (!present) process.stderr.write(`\ntenantseed: ${tool} is not installed: its report tests are skipped (CI installs it).\n`);
}

(XMLLINT ? describe : describe.skip)('JUnit reports, validated against the JUnit XSD', () => {
  it.each([['passing', passingReport()], ['failing and skipped', failingReport()]])('are valid: %s', (_label, report) => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-junit-')), 'report.xml');
    fs.writeFileSync(file, renderJunit(report));
    const lint = spawnSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8' });
    expect(lint.stderr).toMatch(/validates/);
    expect(lint.status).toBe(0);
  });
});

(CHROMIUM ? describe : describe.skip)('HTML reports, in a real headless Chromium', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { chromium } = require('playwright-core') as typeof import('playwright-core');
  type Browser = import('playwright-core').Browser;
  let browser: Browser;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** Opens a report at a width, collecting console errors and requests. */
  async function open(report: ReturnType<typeof passingReport>, width: number) {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-html-')), 'report.html');
    fs.writeFileSync(file, renderHtml(report));
    const page = await browser.newPage({ viewport: { width, height: 844 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`file://${file}`);
    // Kept beside the screenshots, for a person (or CI's artifacts) to open.
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    fs.copyFileSync(file, path.join(SCREENSHOTS, `report-${report.ok ? 'passing' : 'failing'}.html`));
    return { page, errors, requests, file };
  }

  it('draws the chart and the failing check, shows a hostile tenant as text, logs no error and loads nothing', async () => {
    const { page, errors, requests, file } = await open(failingReport(), 390);
    expect(errors).toEqual([]);
    expect(requests).toEqual([`file://${file}`]);
    const bars = await page.locator('#tenant-chart rect.bar').evaluateAll((rects) => rects.map((r) => (r as unknown as { getBBox(): { width: number } }).getBBox().width));
    expect(bars.length).toBe(16);
    expect(Math.min(...bars)).toBeGreaterThan(0);
    await expect(page.locator('[data-check="isolation"][data-verdict="failed"]').isVisible()).resolves.toBe(true);
    await expect(page.locator('[data-check="row-counts"][data-verdict="skipped"]').isVisible()).resolves.toBe(true);
    expect(await page.locator('#isolation-grid td.bad').count()).toBe(2);
    expect(await page.getByText(HOSTILE).first().isVisible()).toBe(true);
    expect(await page.locator('script').count()).toBe(0);
    await page.close();
  });

  it.each([[1280], [390]])('puts the failed checks first, named in the banner, with expected and actual, at %i px without horizontal overflow', async (width) => {
    const { page } = await open(failingReport(), width);
    expect(await page.locator('#verdict').innerText()).toBe('Validation failed: 3 of 7 checks failed (schema, isolation, legacy-absorption), 1 could not run (row-counts; pass --allow-skip to accept that).');
    // The first sections are the checks that did not pass, before any that did; each is on screen below the banner.
    const verdicts = await page.locator('section.check').evaluateAll((s) => s.map((e) => e.getAttribute('data-verdict')));
    expect(verdicts.slice(0, 4).sort()).toEqual(['failed', 'failed', 'failed', 'skipped']);
    expect(verdicts.slice(4)).toEqual(['passed', 'passed', 'passed']);
    const legacy = page.locator('[data-check="legacy-absorption"] .cmp');
    expect(await legacy.isVisible()).toBe(true);
    expect(await legacy.innerText()).toBe('expected 40, actual 38');
    // Every check shows how long it ran.
    expect(await page.locator('section.check .time').allInnerTexts()).toEqual(expect.arrayContaining(['212 ms', '2.3 s', '36 ms', '4.1 s']));
    // The schema check failed users: no tick in its column, though the probes passed there.
    expect(await page.locator('#isolation-grid td.warn[data-failed-by="schema"]').count()).toBe(3);
    // Advice apart, grouped by rule, the accepted item with its reason.
    expect(await page.locator('#advice [data-rule="TS-K02"][data-accepted="true"] .reason').innerText()).toBe('accepted: e-mails are global <logins>');
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, `report-failing-${width}.png`), fullPage: true });
    await page.close();
  });

  it.each([[1280], [390]])('shows a passing report at %i px without horizontal overflow', async (width) => {
    const { page, errors } = await open(passingReport(), width);
    expect(errors).toEqual([]);
    expect(await page.locator('#verdict').innerText()).toBe('Validation passed: 7 checks passed.');
    expect(await page.locator('#isolation-grid td.ok').count()).toBe(8);
    expect(await page.locator('#isolation-grid td.warn, #isolation-grid td.bad').count()).toBe(0);
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, `report-passing-${width}.png`), fullPage: true });
    await page.close();
  });
});
