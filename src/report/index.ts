/**
 * Reports of the `igr` command: self-contained HTML pages with inline SVG plots drawn by a
 * small plot writer of our own (`svg.ts`, no dependency), written atomically.
 * - `writeVerificationReport(dir, reports, { command })` — `igr verify --report DIR`, for GD and
 *   for `--optimizer sgd|momentum|rk:<name>` (their headings and portraits: `optimizer.ts`)
 * - `writeSweepReport(dir, records, { command })` — `igr sweep --report DIR`
 * - `descentPaths` — GD and the modified flows from one start (phase portraits, the explorer)
 * (`cli.ts`, which compiles typed losses with mathjs, is imported by the commands directly, so
 * importing the library does not load mathjs.)
 */
export * from './svg.js';
export * from './contour.js';
export * from './html.js';
export * from './write.js';
export * from './paths.js';
export * from './phase.js';
export * from './verification.js';
export * from './sweep.js';
