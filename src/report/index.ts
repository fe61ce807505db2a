/**
 * Reports of the `igr` command, as strings: self-contained HTML pages with inline SVG plots drawn
 * by a small plot writer of our own (`svg.ts`, no dependency). Everything exported here is
 * browser-safe (it is part of `import 'igr'`):
 * - `renderVerificationReport(reports, { command })` — the page of `igr verify --report DIR`, for
 *   GD and for `--optimizer sgd|momentum|rk:<name>` (their headings and portraits: `optimizer.ts`)
 * - `renderSweepReport(records, { command })` — the page of `igr sweep --report DIR`
 * - `descentPaths` — GD and the modified flows from one start (phase portraits, the explorer)
 * - `renderTruncationReport`, `renderTrackingReport` — the pages of `igr verify --truncation` and
 *   `igr verify --principal` with `--report DIR`
 * Writing the pages to disk (`write.ts`) and the command's helpers (`cli.ts`, which compiles typed
 * losses with mathjs) need Node: they are exported from `igr/node` (`src/node/index.ts`).
 */
export * from './svg.js';
export * from './contour.js';
export * from './html.js';
export * from './paths.js';
export * from './phase.js';
export * from './verification.js';
export * from './sweep.js';
export * from './truncation.js';
