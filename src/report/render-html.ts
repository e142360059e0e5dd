import type { CheckResult, ValidationReport } from '../validate';
import { escapeMarkup as x } from './escape';
import { checkSummary, describeFinding, verdict } from './evidence';

/** Tenants drawn one bar each; the rest are summed up as the long tail. */
const TOP_TENANTS = 15;

const CSS = `
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1c2430;background:#f5f7fa}
main{max-width:960px;margin:0 auto;padding:16px}h1{font-size:1.4em;margin:.2em 0}h2{font-size:1.1em;margin:1.6em 0 .5em}
.banner{padding:12px 16px;border-radius:8px;color:#fff;font-weight:600}.banner.passed{background:#1f7a4d}.banner.failed{background:#b42318}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:12px 0}dl.meta dt{color:#5b6675}dl.meta dd{margin:0;word-break:break-all}
.check{background:#fff;border-radius:8px;padding:10px 12px;margin:8px 0;border-left:6px solid #8a94a3}
.check.passed{border-color:#1f7a4d}.check.failed{border-color:#b42318}.check.skipped{border-color:#b54708}
.badge{display:inline-block;font-size:.8em;font-weight:700;text-transform:uppercase;padding:1px 8px;border-radius:10px;color:#fff;margin-right:8px}
.badge.passed{background:#1f7a4d}.badge.failed{background:#b42318}.badge.skipped{background:#b54708}
.check ul{margin:6px 0 0;padding-left:20px}.hint{color:#5b6675;margin-top:6px}
table{border-collapse:collapse;background:#fff;border-radius:8px;overflow:hidden;width:100%}th,td{padding:5px 8px;border-bottom:1px solid #e4e8ee;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
.scroll{overflow-x:auto}.grid td{text-align:center}.grid .ok{color:#1f7a4d}.grid .bad{color:#b42318;font-weight:700}
svg{background:#fff;border-radius:8px;max-width:100%;height:auto}svg text{font:12px system-ui,"DejaVu Sans",sans-serif;fill:#1c2430}
.muted{color:#5b6675}figure{margin:0}
`;

function checkHtml(check: CheckResult, names: Map<string, string>): string {
  const v = verdict(check);
  const findings = check.details.findings.slice(0, 50).map((f) => `<li>${x(describeFinding(f.tenant ? { ...f, tenant: names.get(f.tenant) ?? f.tenant } : f))}</li>`).join('');
  const more = check.details.findings.length > 50 ? `<li class="muted">... and ${check.details.findings.length - 50} more</li>` : '';
  return `<section class="check ${v}" data-check="${x(check.name)}" data-verdict="${v}">
<div><span class="badge ${v}">${v}</span><strong>${x(check.name)}</strong></div>
<div>${x(checkSummary(check))}</div>${findings ? `<ul>${findings}${more}</ul>` : ''}${check.details.hint && v !== 'passed' ? `<div class="hint">What to do: ${x(check.details.hint)}</div>` : ''}
</section>`;
}

/** Advice apart from the checks: never a failure; accepted items with their reason. */
function adviceHtml(report: ValidationReport): string {
  if (report.advice.length === 0) return '<p class="muted" id="advice">No advice: the schema follows every design rule.</p>';
  const rows = report.advice.map((a) => `<tr data-rule="${x(a.rule)}"><td>${x(a.rule)}</td><td>${x(a.severity)}</td><td>${x(a.table ?? '')}</td><td>${x(a.message)}<div class="muted">fix: ${x(a.fix)}</div></td><td>${a.accepted !== undefined ? `accepted: ${x(a.accepted)}` : ''}</td></tr>`).join('');
  return `<p class="muted">Advice never fails validation; accept an item in "validate.accept" of tenantseed.config.json with a reason.</p>
<div class="scroll"><table id="advice"><tr><th>rule</th><th>severity</th><th>table</th><th>advice</th><th>accepted</th></tr>${rows}</table></div>`;
}

function number(n: number): string {
  return n.toLocaleString('en-US');
}

/** Rows per tenant: the largest tenants one bar each, the long tail as one bar, log scale when sizes differ a lot. */
function tenantChart(tenants: readonly { name: string; rows: number }[]): string {
  if (tenants.length === 0) return '<p class="muted">No tenant rows.</p>';
  const top = tenants.slice(0, TOP_TENANTS);
  const tail = tenants.slice(TOP_TENANTS);
  const bars = [...top.map((t) => ({ label: t.name, rows: t.rows, tail: false })),
    ...(tail.length ? [{ label: `${tail.length} other tenants (total)`, rows: tail.reduce((s, t) => s + t.rows, 0), tail: true }] : [])];
  const max = Math.max(...bars.map((b) => b.rows), 1);
  const min = Math.max(Math.min(...bars.map((b) => b.rows)), 1);
  const log = max / min > 50;
  const scale = (n: number) => (log ? Math.log10(Math.max(n, 1)) / Math.log10(max) : n / max);
  // Narrow enough that a phone shows it near its natural size.
  const labelWidth = 150;
  const width = 460;
  const barArea = width - labelWidth - 62;
  const rowHeight = 22;
  const height = bars.length * rowHeight + 30;
  const rects = bars.map((b, i) => {
    const y = 10 + i * rowHeight;
    const w = Math.max(2, Math.round(scale(b.rows) * barArea));
    const label = b.label.length > 22 ? `${b.label.slice(0, 21)}…` : b.label;
    return `<text x="${labelWidth - 8}" y="${y + 14}" text-anchor="end">${x(label)}</text>`
      + `<rect class="bar" x="${labelWidth}" y="${y + 2}" width="${w}" height="${rowHeight - 6}" rx="3" fill="${b.tail ? '#8a94a3' : '#2e6fd8'}"><title>${x(b.label)}: ${number(b.rows)} rows</title></rect>`
      + `<text x="${labelWidth + w + 6}" y="${y + 14}">${number(b.rows)}</text>`;
  }).join('');
  const caption = `${log ? 'Logarithmic scale. ' : ''}The ${top.length} largest of ${tenants.length} tenants${tail.length ? `, then the other ${tail.length} summed` : ''}.`;
  // The long tail: every tenant's rows, largest to smallest.
  const points = tenants.map((t, i) => `${(i / Math.max(1, tenants.length - 1)) * 440 + 10},${90 - scale(t.rows) * 80}`).join(' ');
  return `<figure><svg id="tenant-chart" role="img" aria-label="Rows per tenant" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">${rects}</svg>
<svg id="tenant-tail" role="img" aria-label="Rows of every tenant, largest first" viewBox="0 0 460 100" width="460" height="100"><polyline points="${points}" fill="none" stroke="#2e6fd8" stroke-width="2"/><text x="10" y="98" class="muted">every tenant, largest first${log ? ' (log scale)' : ''}</text></svg>
<figcaption class="muted">${x(caption)}</figcaption></figure>`;
}

/** Isolation results as a grid: the probed tenants against the tenant tables. */
function isolationGrid(report: ValidationReport, names: Map<string, string>): string {
  const check = report.checks.find((c) => c.name === 'isolation');
  const tenants = (check?.details.tenants as string[] | undefined) ?? [];
  const tables = check?.details.tables ?? [];
  if (!check || check.skipped || tenants.length === 0 || tables.length === 0) return `<p class="muted">${x(check ? checkSummary(check) : 'The isolation check did not run.')}</p>`;
  const failing = (tenant: string | undefined, table: string) => check.details.findings.filter((f) => f.table === table && f.tenant === tenant);
  const cell = (problems: readonly unknown[]) => (problems.length === 0 ? '<td class="ok" title="isolated">✓</td>' : `<td class="bad" title="${x((problems as { message: string }[]).map((p) => p.message).join('; '))}">✗</td>`);
  const head = `<tr><th>tenant</th>${tables.map((t) => `<th>${x(t)}</th>`).join('')}</tr>`;
  const rows = tenants.map((t) => `<tr><th>${x(names.get(t) ?? t)}</th>${tables.map((table) => cell(failing(t, table))).join('')}</tr>`).join('');
  const none = `<tr><th>no tenant set</th>${tables.map((table) => cell(failing(undefined, table))).join('')}</tr>`;
  return `<div class="scroll"><table class="grid" id="isolation-grid">${head}${rows}${none}</table></div>`;
}

function legacyTable(report: ValidationReport, names: Map<string, string>): string {
  const check = report.checks.find((c) => c.name === 'legacy-absorption');
  const ledger = (check?.details.ledger as Array<{ table: string; tenant: string; rows: number }> | undefined) ?? [];
  if (ledger.length === 0) return `<p class="muted">${x(check ? checkSummary(check) : 'The legacy-absorption check did not run.')}</p>`;
  return `<table><tr><th>legacy table</th><th>absorbed by</th><th class="n">rows</th></tr>${ledger.map((l) => `<tr><td>${x(l.table)}</td><td>${x(names.get(l.tenant) ?? l.tenant)}</td><td class="n">${number(l.rows)}</td></tr>`).join('')}</table>`;
}

/**
 * A validation report as one self-contained HTML page (inline CSS and SVG, no script, no
 * network: its Content-Security-Policy forbids loading anything), readable on a phone: the
 * database, environment, stamp, fingerprint and time; every check with its verdict and
 * evidence; rows per table; a chart of rows per tenant (the largest and the long tail, log
 * scale where sizes differ a lot); isolation as a tenants x tables grid; the absorbed legacy
 * rows. Everything taken from the database is escaped.
 *
 * @example
 * fs.writeFileSync('validation.html', renderHtml(report));
 */
export function renderHtml(report: ValidationReport): string {
  const c = report.context;
  const names = new Map((c?.tenants ?? []).map((t) => [t.id, t.name]));
  const failed = report.checks.filter((check) => !check.ok).length;
  const status = report.ok ? 'passed' : 'failed';
  const title = `tenantseed validation${c ? `: ${c.environment}` : ''}`;
  const meta = c ? [
    ['database', c.database], ['environment', c.environment],
    ['stamp', c.stamp ? `${c.stamp.environment} (by ${c.stamp.stampedBy}, ${c.stamp.stampedAt})` : 'none'],
    ['fingerprint', c.fingerprint ?? 'none (not seeded by tenantseed)'],
    ...(c.seed !== undefined ? [['seed', `${c.seed} (generator v${c.generatorVersion})`]] : []),
    ['validated at', c.generatedAt],
  ] : [];
  const tables = c?.tables ?? [];
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${x(title)}</title><style>${CSS}</style></head>
<body><main>
<h1>${x(title)}</h1>
<div class="banner ${status}" id="verdict">${report.ok ? `Validation passed: ${report.checks.length} checks` : `Validation failed: ${failed} of ${report.checks.length} checks`}</div>
${meta.length ? `<dl class="meta">${meta.map(([k, v]) => `<dt>${x(k)}</dt><dd>${x(v)}</dd>`).join('')}</dl>` : ''}
<h2>Checks</h2>
<p class="muted" id="acted-as">Probes acted as ${x(report.actedAs.application)} (the application role); the data was read as ${x(report.actedAs.reader)}.</p>
${[...report.checks.filter((check) => !check.ok), ...report.checks.filter((check) => check.ok)].map((check) => checkHtml(check, names)).join('\n')}
<h2>Advice</h2>
${adviceHtml(report)}
<h2>Rows per table</h2>
${tables.length ? `<table id="rows-per-table"><tr><th>table</th><th class="n">rows</th></tr>${tables.map((t) => `<tr><td>${x(t.table)}</td><td class="n">${number(t.rows)}</td></tr>`).join('')}</table>` : '<p class="muted">Not collected.</p>'}
<h2>Rows per tenant</h2>
${tenantChart(c?.tenants ?? [])}
<h2>Isolation: tenants x tables</h2>
${isolationGrid(report, names)}
<h2>Legacy rows absorbed</h2>
${legacyTable(report, names)}
</main></body></html>
`;
}
