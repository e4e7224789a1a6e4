import cliProgress from 'cli-progress';

/** Reports progress of a long job: (stage, done, total). */
export type ProgressReporter = (stage: string, done: number, total: number) => void;

/**
 * A progress bar on stderr for long CLI jobs (seeding, imports, de-duplication). On a terminal it
 * redraws in place with a rate and an estimate; in CI logs it prints a line every 10%.
 */
export function cliProgressBar(): { report: ProgressReporter; stop(): void } {
  const interactive = process.stderr.isTTY;
  let bar: cliProgress.SingleBar | undefined;
  let stage = '';
  let lastDecile = -1;
  let startedAt = Date.now();
  return {
    report(currentStage, done, total) {
      if (interactive) {
        if (currentStage !== stage) {
          bar?.stop();
          stage = currentStage;
          startedAt = Date.now();
          bar = new cliProgress.SingleBar(
            { format: `${currentStage.padEnd(12)} [{bar}] {percentage}% | {value}/{total} | {rate}/s | eta {eta_formatted}`, stream: process.stderr, hideCursor: true, etaBuffer: 50 },
            cliProgress.Presets.shades_classic,
          );
          bar.start(total, 0, { rate: 0 });
        }
        bar?.update(done, { rate: Math.round(done / Math.max(0.001, (Date.now() - startedAt) / 1000)) });
        return;
      }
      if (currentStage !== stage) {
        stage = currentStage;
        lastDecile = -1;
      }
      const decile = total === 0 ? 10 : Math.floor((done / total) * 10);
      if (decile > lastDecile) {
        lastDecile = decile;
        process.stderr.write(`${currentStage}: ${done}/${total} (${total === 0 ? 100 : Math.floor((done / total) * 100)}%)\n`);
      }
    },
    stop() {
      bar?.stop();
    },
  };
}
