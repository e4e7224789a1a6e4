import type { ChaosResult, RoundResult } from './harness.js';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** One line per round, printed as it finishes. Counts and timings only. */
export function roundLine(r: RoundResult): string {
  const verdict = r.problems.length === 0 ? 'ok' : `FAILED: ${r.problems.join('; ')}`;
  return `round ${String(r.round).padStart(2)}  kill ${r.target.padEnd(8)} at ${seconds(r.killAtMs).padStart(6)}  back in ${seconds(r.recoveryMs).padStart(6)}  `
    + `acknowledged ${String(r.acknowledged).padStart(5)}  lost ${String(r.lost)}  duplicated ${String(r.duplicated)}  `
    + `audit ${String(r.auditLeaves)} leaves ${r.auditVerified ? 'verified' : 'NOT verified'}  ${verdict}${r.detail ? `\n          ${r.detail}` : ''}`;
}

/** The final summary table. */
export function summaryTable(result: ChaosResult): string {
  const byTarget = (target: string) => result.rounds.filter((r) => r.target === target);
  const slowest = (target: string) => Math.max(0, ...byTarget(target).map((r) => r.recoveryMs));
  const rows: [string, string][] = [
    ['rounds', `${String(result.rounds.length)} (app ${String(byTarget('app').length)}, postgres ${String(byTarget('postgres').length)}, import ${String(byTarget('import').length)})`],
    ['seed', String(result.seed)],
    ['writes acknowledged', String(result.acknowledged)],
    ['requests', `${String(result.attempts)} (${String(result.failures)} failed and retried, ${String(result.abandoned)} writes given up)`],
    ['answers by status', Object.entries(result.statuses).map(([status, n]) => `${status === '0' ? 'no answer' : status}: ${String(n)}`).join(', ')],
    ['slowest 503', `${String(result.slowest503Ms)} ms`],
    ['feed rows imported', String(result.importedRows)],
    ['slowest recovery', `app ${seconds(slowest('app'))}, postgres ${seconds(slowest('postgres'))}, import ${seconds(slowest('import'))}`],
    ['lost', String(result.lost)],
    ['duplicated', String(result.duplicated)],
    ['audit verified', `${String(result.rounds.filter((r) => r.auditVerified).length)}/${String(result.rounds.length)} rounds`],
    ['time', seconds(result.durationMs)],
    ['result', result.ok ? 'PASS' : 'FAIL'],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`).join('\n');
}
