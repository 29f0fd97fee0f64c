import path from 'node:path';
import fs from 'node:fs';
import { loadTemplates, openLibrary, openTwin } from '../src/seed.mjs';
import { createStream, check } from '../src/workload.mjs';
const tpl = await loadTemplates();
const dir='/tmp/pt/p2'; fs.rmSync(dir,{recursive:true,force:true}); fs.mkdirSync(dir,{recursive:true});
fs.copyFileSync(tpl.libFile, dir+'/l.db'); fs.copyFileSync(tpl.twinFile, dir+'/t.db');
const lib = openLibrary(dir+'/l.db'); const tw = openTwin(dir+'/t.db'); if (process.env.CACHE) { lib.raw.pragma('cache_size=-'+process.env.CACHE); tw.db.pragma('cache_size=-'+process.env.CACHE); }
const mode = process.argv[2] || 'single';
const s1 = createStream(tpl.codes, 1), s2 = createStream(tpl.codes, 1);
for (let r = 0; r < 3; r++) {
let t=performance.now(); let n=0;
if (mode==='single') { while (performance.now()-t < 2000) { const v=s1.next(); check(await lib.tracker.recordTrack(v.input), v, 'lib'); s1.confirm(v); n++; } }
else { while (performance.now()-t < 2000) { const b=Array.from({length:1000},()=>s1.next()); await lib.tracker.recordTracks(b.map(v=>v.input)); b.forEach(v=>s1.confirm(v)); n+=1000; } }
const lr = n/(performance.now()-t)*1000;
t=performance.now(); n=0;
if (mode==='single') { while (performance.now()-t < 2000) { const v=s2.next(); tw.twin.recordTrack(v.input); s2.confirm(v); n++; } }
else { while (performance.now()-t < 2000) { const b=Array.from({length:1000},()=>s2.next()); tw.twin.recordTracks(b.map(v=>v.input)); b.forEach(v=>s2.confirm(v)); n+=1000; } }
const tr = n/(performance.now()-t)*1000;
console.log(mode, 'lib', lr.toFixed(0), 'twin', tr.toFixed(0), 'ratio', (lr/tr).toFixed(2));
}
