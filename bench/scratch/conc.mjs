import fs from 'node:fs';
import { loadTemplates, openLibrary } from '../src/seed.mjs';
import { createStream, check } from '../src/workload.mjs';
const tpl = await loadTemplates();
const dir='/tmp/pt/c'; fs.rmSync(dir,{recursive:true,force:true}); fs.mkdirSync(dir,{recursive:true});
fs.copyFileSync(tpl.libFile, dir+'/l.db');
const lib = openLibrary(dir+'/l.db');
const s = createStream(tpl.codes, 9);
for (const conc of [1, 50, 1, 50]) {
  const t = performance.now(); let n = 0;
  await Promise.all(Array.from({ length: conc }, async () => { while (performance.now() - t < 2000) { const v = s.next(); check(await lib.tracker.recordTrack(v.input), v, 'lib'); s.confirm(v); n++; } }));
  console.log('concurrency', conc, (n / (performance.now() - t) * 1000).toFixed(0), 'tracks/s');
}
