/**
 * `npm run bench`: the benchmark suite. Scenarios (fuzzy find, signpost view, audited reads, feed
 * import, de-duplication, audit verify) arrive with the capabilities they measure; see
 * docs/BENCHMARKS.md. Each will report ratios measured side by side in one run.
 */
const scenarios: { name: string; run: () => Promise<void> }[] = [];

if (scenarios.length === 0) {
  console.log('No benchmark scenarios yet: they arrive with the child index, the audit and matching (docs/BENCHMARKS.md).');
}
for (const scenario of scenarios) {
  console.log(`\n== ${scenario.name}`);
  await scenario.run();
}
