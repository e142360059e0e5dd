export { renderJunit } from './render-junit';
export { renderHtml } from './render-html';
export { renderFidelityHtml } from './render-fidelity-html';
export { escapeMarkup, escapeTerminal } from './escape';
export { describeFinding, checkSummary, verdict, verdictLine, failuresFirst, formatDuration, reusedLine } from './evidence';

import type { ValidationReport } from '../validate';
import { renderHtml } from './render-html';
import { renderJunit } from './render-junit';

/** The formats a report is rendered in. */
export type ReportFormat = 'json' | 'junit' | 'html';
export const REPORT_FORMATS: readonly ReportFormat[] = ['json', 'junit', 'html'];

/**
 * Renders one report model in a format: JSON (the model itself), JUnit XML or HTML.
 *
 * @example
 * fs.writeFileSync('report.html', renderReport(report, 'html'));
 */
export function renderReport(report: ValidationReport, format: ReportFormat): string {
  switch (format) {
    case 'json':
      return JSON.stringify(report) + '\n';
    case 'junit':
      return renderJunit(report);
    case 'html':
      return renderHtml(report);
  }
}
