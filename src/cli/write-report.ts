import fs from 'node:fs';
import path from 'node:path';
import { renderReport, ReportFormat } from '../report';
import type { ValidationReport } from '../validate';
import { UsageError } from '../errors';

/** The format a report file's name asks for: `.xml` JUnit, `.json` JSON, anything else HTML. */
export function formatOfFile(file: string): ReportFormat {
  const ext = path.extname(file).toLowerCase();
  return ext === '.xml' ? 'junit' : ext === '.json' ? 'json' : 'html';
}

/**
 * Writes a rendered report to a file: into a temporary file beside it first, then renamed, so a
 * reader never sees half a report. The folder must exist.
 */
export function writeReportFile(file: string, report: ValidationReport, format: ReportFormat): string {
  const target = path.resolve(file);
  if (!fs.existsSync(path.dirname(target))) {
    throw new UsageError(`The folder of ${target} does not exist`, { hint: 'Create it, or name a report file in an existing folder.' });
  }
  const temporary = `${target}.tmp-${process.pid}`;
  fs.writeFileSync(temporary, renderReport(report, format));
  fs.renameSync(temporary, target);
  return target;
}
