import type { ColumnFidelity, CountFidelity, FidelityReport } from '../validate';
import { escapeMarkup as x } from './escape';

/**
 * The fidelity report (`tenantseed compare --reporter html`) as one self-contained page, in the
 * validation report's style: a banner, then per column a row with its distance and a small chart
 * (bars of categories, or the two CDFs of a number or date), then rows per tenant and children
 * per parent as quantiles side by side.
 */
const CSS = `
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1c2430;background:#f5f7fa}
main{max-width:1060px;margin:0 auto;padding:16px}h1{font-size:1.4em;margin:.2em 0}h2{font-size:1.1em;margin:1.6em 0 .5em}
.banner{padding:12px 16px;border-radius:8px;color:#fff;font-weight:600}.banner.passed{background:#1f7a4d}.banner.failed{background:#b42318}
table{border-collapse:collapse;background:#fff;border-radius:8px;overflow:hidden;width:100%}th,td{padding:5px 8px;border-bottom:1px solid #e4e8ee;text-align:left;vertical-align:middle}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}.ok{color:#1f7a4d}.bad{color:#b42318;font-weight:700}.muted{color:#5b6675}
svg{background:#fff}svg text{font:10px system-ui,"DejaVu Sans",sans-serif;fill:#1c2430}.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}
`;
const SOURCE = '#2e6fd8';
const TARGET = '#e07b00';

const fixed = (n: number, digits = 3) => n.toFixed(digits);
const verdict = (ok: boolean) => `<span class="${ok ? 'ok' : 'bad'}">${ok ? 'ok' : 'off'}</span>`;

/** Side-by-side bars of the categories' shares, source then generated. */
function categoryChart(c: NonNullable<ColumnFidelity['tvd']>): string {
  const values = [...new Set([...c.source, ...c.target].map((v) => JSON.stringify(v.value)))].slice(0, 12);
  const width = 16 + values.length * 34;
  const bar = (share: number, i: number, side: number, color: string) => {
    const h = Math.round(share * 60);
    return `<rect x="${8 + i * 34 + side * 13}" y="${66 - h}" width="12" height="${h}" fill="${color}"><title>${x(`${side === 0 ? 'source' : 'generated'} ${fixed(share)}`)}</title></rect>`;
  };
  const shareOf = (list: readonly { value: unknown; frequency: number }[], key: string) => list.find((v) => JSON.stringify(v.value) === key)?.frequency ?? 0;
  const bars = values.map((key, i) => `${bar(shareOf(c.source, key), i, 0, SOURCE)}${bar(shareOf(c.target, key), i, 1, TARGET)}<text x="${8 + i * 34}" y="78">${x(JSON.parse(key).toString().slice(0, 6))}</text>`).join('');
  return `<svg width="${width}" height="82" role="img" aria-label="categories">${bars}</svg>`;
}

/** The two CDFs as lines. */
function cdfChart(c: NonNullable<ColumnFidelity['ks']>): string {
  const line = (ys: readonly number[], color: string) => `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${ys.map((y, i) => `${4 + i * 4},${64 - y * 60}`).join(' ')}"/>`;
  return `<svg width="172" height="68" role="img" aria-label="cumulative distributions">${line(c.source, SOURCE)}${line(c.target, TARGET)}</svg>`;
}

function columnRow(c: ColumnFidelity): string {
  const distance = c.tvd ? `TVD ${fixed(c.tvd.value)} ${verdict(c.tvd.ok)}` : c.ks ? `KS ${fixed(c.ks.value)} ${verdict(c.ks.ok)}` : '<span class="muted">-</span>';
  const chart = c.tvd ? categoryChart(c.tvd) : c.ks ? cdfChart(c.ks) : '';
  return `<tr data-column="${x(`${c.table}.${c.column}`)}" data-ok="${c.ok}"><td>${x(c.table)}.${x(c.column)}</td><td>${x(c.kind)}</td><td class="n">${fixed(c.nullFraction.source)} / ${fixed(c.nullFraction.target)} ${verdict(c.nullFraction.ok)}</td><td>${distance}</td><td>${chart}</td></tr>`;
}

function countRows(counts: readonly CountFidelity[]): string {
  if (counts.length === 0) return '<p class="muted">None read.</p>';
  const head = counts[0].compared.map((q) => `<th class="n">${x(q.label)}</th>`).join('');
  const rows = counts.map((c) => `<tr data-count="${x(c.name)}" data-ok="${c.ok}"><td>${x(c.name)}</td>${c.compared.map((q) => `<td class="n ${q.ok ? 'ok' : 'bad'}">${q.source} / ${q.target}</td>`).join('')}<td>${verdict(c.ok)}</td></tr>`).join('');
  return `<table><tr><th>name</th>${head}<th></th></tr>${rows}</table>`;
}

/**
 * Renders a fidelity report as HTML.
 *
 * @example
 * fs.writeFileSync('fidelity.html', renderFidelityHtml(report));
 */
export function renderFidelityHtml(report: FidelityReport): string {
  const off = report.columns.filter((c) => !c.ok).length + report.rowsPerTenant.filter((c) => !c.ok).length + report.childrenPerParent.filter((c) => !c.ok).length;
  const title = `Fidelity of ${report.target.database} to ${report.source.database}`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${x(title)}</title><style>${CSS}</style></head><body><main>
<h1>${x(title)}</h1>
<div class="banner ${report.ok ? 'passed' : 'failed'}" id="verdict">${report.ok ? 'The generated data follows the source' : `${off} distribution(s) off the limits`}: TVD &le; ${report.limits.tvd}, KS &le; ${report.limits.ks}, null fractions within ${report.limits.nullFraction}, quantiles within ${report.limits.quantile * 100}%</div>
<p class="legend"><span style="background:${SOURCE}"></span>source (${x(report.source.database)}, read as ${x(report.source.role)}) <span style="background:${TARGET}"></span>generated (${x(report.target.database)})</p>
<h2>Columns (${report.columns.length})</h2>
<table><tr><th>column</th><th>kind</th><th class="n">nulls source / generated</th><th>distance</th><th>chart</th></tr>${report.columns.map(columnRow).join('')}</table>
<h2>Rows per tenant (source / generated)</h2>${countRows(report.rowsPerTenant)}
<h2>Children per parent (source / generated)</h2>${countRows(report.childrenPerParent)}
${report.notCompared.length > 0 ? `<h2>Not compared</h2><ul>${report.notCompared.map((n) => `<li>${x(n)}</li>`).join('')}</ul>` : ''}
</main></body></html>
`;
}
