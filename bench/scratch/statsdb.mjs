import fs from 'node:fs';
import { loadTemplates } from '../src/seed.mjs';
import { statsSqlite } from '../src/cases/stats.mjs';
fs.mkdirSync('/tmp/pt/statsdir', { recursive: true });
const env = { dir: '/tmp/pt/statsdir', statsSeconds: 0, templates: await loadTemplates() };
const r = await statsSqlite.run(env);
for (const [k, v] of Object.entries(r)) console.log(k, Object.entries(v).map(([n, x]) => `${n}:${x.ms.toFixed(2)}`).join(' '));
