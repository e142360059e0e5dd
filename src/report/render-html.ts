import type { Advice, CheckResult, Finding, ValidationReport } from '../validate';
import { escapeMarkup as x } from './escape';
import { checkSummary, failuresByTable, failuresFirst, formatDuration, hasComparison, reusedLine, verdict, verdictLine } from './evidence';

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
table{border-collapse:collapse;background:#fff;border-radius:8px;overflow:hidden;width:100%}th,td{padding:5px 8px;border-bottom:1px solid #e4e8ee;text-align:left}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.scroll{overflow-x:auto}.grid td{text-align:center}.grid .ok{color:#1f7a4d}.grid .bad{color:#b42318;font-weight:700}
svg{background:#fff;border-radius:8px;max-width:100%;height:auto}svg text{font:12px system-ui,"DejaVu Sans",sans-serif;fill:#1c2430}
.muted{color:#5b6675}figure{margin:0}
.check-head{display:flex;flex-wrap:wrap;align-items:baseline;gap:4px 8px}.check-head .time{margin-left:auto;color:#5b6675;font-size:.85em;font-variant-numeric:tabular-nums}
.check li,.advice li{overflow-wrap:anywhere}.cmp{display:inline-block;white-space:nowrap;margin-left:4px;padding:0 6px;border-radius:4px;background:#fdecea;font-variant-numeric:tabular-nums}
.cmp b{font-weight:700}.grid .warn{color:#b54708;font-weight:700}th.warn{color:#b54708}
.advice{background:#fff;border-radius:8px;padding:10px 12px;margin:8px 0;border-left:6px solid #2e6fd8}.advice.accepted{border-color:#8a94a3}
.sev{display:inline-block;font-size:.8em;font-weight:700;padding:1px 8px;border-radius:10px;background:#e4e8ee;margin-right:6px}.sev.high{background:#fdecea;color:#b42318}.sev.medium{background:#fef0c7;color:#93370d}
.advice h3{font-size:1em;margin:0 0 4px}.reason{color:#1f7a4d}
#verdict ul{margin:6px 0 0;padding-left:20px;font-weight:400}
`;

/** One finding: where, what, expected against actual side by side, example keys. */
function findingHtml(f: Finding, names: Map<string, string>): string {
  const where = [f.table, f.tenant ? `tenant ${names.get(f.tenant) ?? f.tenant}` : ''].filter(Boolean).join(', ');
  const compared = hasComparison(f) ? ` <span class="cmp">expected <b class="expected">${x(f.expected)}</b>, actual <b class="actual">${x(f.actual)}</b></span>` : '';
  return `<li>${x(where ? `${where}: ` : '')}${x(f.message)}${compared}${f.examples?.length ? ` ${x(`(e.g. ${f.examples.join(', ')})`)}` : ''}</li>`;
}

function checkHtml(check: CheckResult, names: Map<string, string>): string {
  const v = verdict(check);
  const findings = check.details.findings.slice(0, 50).map((f) => findingHtml(f, names)).join('');
  const more = check.details.findings.length > 50 ? `<li class="muted">... and ${check.details.findings.length - 50} more</li>` : '';
  const time = check.durationMs !== undefined ? `<span class="time" title="how long the check ran">${formatDuration(check.durationMs)}</span>` : '';
  return `<section class="check ${v}" data-check="${x(check.name)}" data-verdict="${v}">
<div class="check-head"><span class="badge ${v}">${v}</span><strong>${x(check.name)}</strong>${time}</div>
<div>${x(checkSummary(check))}</div>${findings ? `<ul>${findings}${more}</ul>` : ''}${check.details.hint && v !== 'passed' ? `<div class="hint">What to do: ${x(check.details.hint)}</div>` : ''}
</section>`;
}

/** One rule's items: the message, and for accepted ones the reason given. */
function adviceRuleHtml(items: readonly Advice[], accepted: boolean): string {
  const first = items[0];
  const list = items.slice(0, 30).map((a) => `<li>${x(a.table ? `${a.table}: ` : '')}${x(a.message)}${accepted ? ` <span class="reason">accepted: ${x(a.accepted)}</span>` : ''}</li>`).join('');
  const more = items.length > 30 ? `<li class="muted">... and ${items.length - 30} more</li>` : '';
  return `<section class="advice${accepted ? ' accepted' : ''}" data-rule="${x(first.rule)}" data-severity="${x(first.severity)}"${accepted ? ' data-accepted="true"' : ''}>
<h3><span class="sev ${x(first.severity)}">${x(first.severity)}</span>${x(first.rule)} ${x(first.title)} (${items.length})</h3>
<ul>${list}${more}</ul>${accepted ? '' : `<div class="hint">Why: ${x(first.why)}</div><div class="hint">Fix: ${x(first.fix)}</div>`}</section>`;
}

/** Advice apart from the checks, grouped by rule: never a failure; open items first, then the accepted ones with their reasons. */
function adviceHtml(report: ValidationReport): string {
  if (report.advice.length === 0) return '<p class="muted" id="advice">No advice: the schema follows every design rule.</p>';
  const groups = (accepted: boolean) => {
    const items = report.advice.filter((a) => (a.accepted !== undefined) === accepted);
    return [...new Set(items.map((a) => a.rule))].map((rule) => adviceRuleHtml(items.filter((a) => a.rule === rule), accepted)).join('\n');
  };
  const open = report.advice.filter((a) => a.accepted === undefined).length;
  const accepted = report.advice.length - open;
  return `<div id="advice"><p class="muted">${report.advice.length} item(s), ${accepted} accepted. Advice never fails validation; accept an item in "validate.accept" of tenantseed.config.json with a reason.</p>
${groups(false)}${accepted ? `\n<h3 id="accepted-advice">Accepted (${accepted})</h3>\n${groups(true)}` : ''}</div>`;
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
  // A table another check failed (the schema check: RLS not enabled, say) gets no tick, whatever the probes saw.
  const elsewhere = failuresByTable(report, 'isolation');
  const doubt = (table: string) => (elsewhere.get(table) ?? []).map((e) => `${e.check}: ${e.finding.message}`).join('; ');
  const cell = (problems: readonly Finding[], table: string) => {
    if (problems.length > 0) return `<td class="bad" title="${x(problems.map((p) => p.message).join('; '))}">✗</td>`;
    if (elsewhere.has(table)) return `<td class="warn" data-failed-by="${x([...new Set(elsewhere.get(table)!.map((e) => e.check))].join(' '))}" title="${x(`isolated in this probe, but ${doubt(table)}`)}">!</td>`;
    return '<td class="ok" title="isolated">✓</td>';
  };
  const head = `<tr><th>tenant</th>${tables.map((t) => `<th${elsewhere.has(t) ? ` class="warn" title="${x(doubt(t))}"` : ''}>${x(t)}${elsewhere.has(t) ? ' !' : ''}</th>`).join('')}</tr>`;
  const rows = tenants.map((t) => `<tr><th>${x(names.get(t) ?? t)}</th>${tables.map((table) => cell(failing(t, table), table)).join('')}</tr>`).join('');
  const none = `<tr><th>no tenant set</th>${tables.map((table) => cell(failing(undefined, table), table)).join('')}</tr>`;
  const failedTables = tables.filter((t) => elsewhere.has(t));
  const legend = `<p class="muted">✓ isolated; ✗ the probe failed${failedTables.length ? `; ! the probe passed, but another check failed the table (${x(failedTables.map((t) => `${t}: ${[...new Set(elsewhere.get(t)!.map((e) => e.check))].join(', ')}`).join('; '))})` : ''}.</p>`;
  return `<div class="scroll"><table class="grid" id="isolation-grid">${head}${rows}${none}</table></div>\n${legend}`;
}

function legacyTable(report: ValidationReport, names: Map<string, string>): string {
  const check = report.checks.find((c) => c.name === 'legacy-absorption');
  const ledger = (check?.details.ledger as Array<{ table: string; tenant: string; rows: number }> | undefined) ?? [];
  if (ledger.length === 0) return `<p class="muted">${x(check ? checkSummary(check) : 'The legacy-absorption check did not run.')}</p>`;
  // Expected (the ledger) against actual (the rows the default tenant holds now), where the check found them apart.
  const actual = (l: { table: string; tenant: string }) => check?.details.findings.find((f) => f.table === l.table && f.tenant === l.tenant && hasComparison(f))?.actual;
  const row = (l: { table: string; tenant: string; rows: number }) => {
    const now = actual(l);
    return `<tr${now !== undefined ? ' class="differs"' : ''}><td>${x(l.table)}</td><td>${x(names.get(l.tenant) ?? l.tenant)}</td><td class="n">${number(l.rows)}</td>`
      + `<td class="n">${now !== undefined ? `<span class="cmp">${x(typeof now === 'number' ? number(now) : now)}</span>` : number(l.rows)}</td></tr>`;
  };
  return `<div class="scroll"><table id="legacy-ledger"><tr><th>legacy table</th><th>absorbed by</th><th class="n">expected (ledger)</th><th class="n">actual</th></tr>${ledger.map(row).join('')}</table></div>`;
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
<div class="banner ${status}" id="verdict">${x(verdictLine(report))}</div>
${meta.length ? `<dl class="meta">${meta.map(([k, v]) => `<dt>${x(k)}</dt><dd>${x(v)}</dd>`).join('')}</dl>` : ''}
<h2>Checks</h2>
<p class="muted" id="acted-as">Probes acted as ${x(report.actedAs.application)} (the application role); the data was read as ${x(report.actedAs.reader)}.</p>
${report.reused ? `<p class="muted" id="reused">${x(reusedLine(report.reused))}</p>\n` : ''}${failuresFirst(report.checks).map((check) => checkHtml(check, names)).join('\n')}
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
