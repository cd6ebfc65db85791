/** The doctor's output: aligned text for people, or one JSON document for pipelines. */
import { atOrAbove, SEVERITIES, type Severity } from './finding.js';
import type { DoctorReport } from './runner.js';

export interface Verdict {
  threshold: Severity;
  counts: Record<Severity, number>;
  /** True when a finding at or above the threshold exists: the command then exits non-zero. */
  failed: boolean;
}

export function verdict(report: DoctorReport, threshold: Severity): Verdict {
  const counts = { high: 0, medium: 0, low: 0 };
  for (const finding of report.findings) counts[finding.severity]++;
  return { threshold, counts, failed: report.findings.some((finding) => atOrAbove(finding.severity, threshold)) };
}

export function asJson(report: DoctorReport, v: Verdict): string {
  return JSON.stringify({ tenants: report.tenants, threshold: v.threshold, failed: v.failed, counts: v.counts, findings: report.findings }, null, 2);
}

export function asText(report: DoctorReport, v: Verdict): string {
  const lines: string[] = [];
  const counted = SEVERITIES.map((s) => `${v.counts[s]} ${s}`).join(', ');
  lines.push(`gatehouse doctor: ${report.tenants.length} tenant(s) checked (${report.tenants.join(', ')}); ${report.findings.length} finding(s): ${counted}`);
  for (const group of ['*', ...report.tenants]) {
    const findings = report.findings.filter((finding) => finding.tenant === group);
    if (findings.length === 0) continue;
    lines.push('', group === '*' ? 'deployment' : `tenant ${group}`);
    for (const f of findings) {
      lines.push(`  ${f.severity.toUpperCase().padEnd(6)} ${f.target}: ${f.problem} [${f.reference}; ${f.check}]`);
      lines.push(`         fix: ${f.fix}`);
    }
  }
  lines.push('', v.failed ? `FAILED: findings at or above "${v.threshold}"` : `OK: no findings at or above "${v.threshold}"`);
  return lines.join('\n');
}
