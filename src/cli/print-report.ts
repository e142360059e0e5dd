import type { ValidationReport } from '../validate';
import { describeFinding, escapeTerminal as t, failuresFirst, reusedLine, verdictLine } from '../report';
import type { CliIO } from './output';

/**
 * Prints a validation report as a readable table: the failed checks first, each with its
 * evidence (expected against actual where a finding compares them), and a last line that names them.
 */
export function printReport(io: CliIO, report: ValidationReport): void {
  for (const check of failuresFirst(report.checks)) {
    const mark = check.skipped ? 'skip' : check.ok ? 'ok  ' : 'FAIL';
    io.stdout.write(`${mark}  ${check.name.padEnd(20)} ${t(check.skipped ? `skipped: ${check.skipped}` : check.details.summary)}\n`);
    if (check.ok) continue;
    for (const f of check.details.findings.slice(0, 20)) io.stdout.write(`      ${t(describeFinding(f))}\n`);
    if (check.details.findings.length > 20) io.stdout.write(`      ... and ${check.details.findings.length - 20} more\n`);
    if (check.details.hint) io.stdout.write(`      what to do: ${t(check.details.hint)}\n`);
  }
  printAdvice(io, report);
  io.stdout.write(`Acted as ${t(report.actedAs.application)} (the application role) for the probes; read the data as ${t(report.actedAs.reader)}.\n`);
  if (report.reused) io.stdout.write(`${reusedLine(report.reused)}\n`);
  io.stdout.write(`${verdictLine(report)}\n`);
}

/** Advice, grouped by rule: never a failure; accepted items with their reason. */
function printAdvice(io: CliIO, report: ValidationReport): void {
  if (report.advice.length === 0) return;
  const accepted = report.advice.filter((a) => a.accepted !== undefined).length;
  io.stdout.write(`Advice (${report.advice.length} item(s)${accepted ? `, ${accepted} accepted` : ''}; never fails validation; accept one with a reason in "validate.accept" of tenantseed.config.json):\n`);
  for (const rule of [...new Set(report.advice.map((a) => a.rule))]) {
    const items = report.advice.filter((a) => a.rule === rule);
    io.stdout.write(`  ${rule} ${items[0].title} (${items[0].severity})\n`);
    for (const a of items.slice(0, 10)) {
      io.stdout.write(`      ${a.accepted !== undefined ? 'accepted: ' : ''}${t(`${a.table ? `${a.table}: ` : ''}${a.message}`)}${a.accepted !== undefined ? ` (${t(a.accepted)})` : ''}\n`);
    }
    if (items.length > 10) io.stdout.write(`      ... and ${items.length - 10} more\n`);
    io.stdout.write(`      fix: ${t(items[0].fix)}\n`);
  }
}
