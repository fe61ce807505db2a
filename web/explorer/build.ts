/** `npm run build:explorer`: writes dist/explorer/index.html (one self-contained file). */
import { statSync } from 'node:fs';
import { buildExplorer } from '../../src/report/explorer-build.js';

const out = await buildExplorer(process.argv[2]);
console.log(`explorer: wrote ${out} (${(statSync(out).size / 1024).toFixed(0)} KiB)`);
