import { spawn } from 'node:child_process';

/**
 * Starts one worker process per job (`node <worker> <job as JSON>`), waits until every one has said
 * `ready`, then tells them all `go` at the same moment; answers what each printed after `ready`,
 * parsed as JSON, in the jobs' order. A worker that exits first fails the race and stops the others.
 */
export async function startTogether<T>(worker: string, jobs: object[]): Promise<T[]> {
  const children = jobs.map((job) => {
    const child = spawn(process.execPath, [worker, JSON.stringify(job)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let onReady: () => void;
    const ready = new Promise<void>((resolve) => (onReady = resolve));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.startsWith('ready\n')) onReady();
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const done = new Promise<T>((resolve, reject) => {
      child.on('close', (code) => {
        if (code !== 0) return reject(new Error(`worker exited with ${code}: ${stderr}`));
        try {
          resolve(JSON.parse(stdout.slice('ready\n'.length)) as T);
        } catch {
          reject(new Error(`worker printed no answer: ${stdout}\n${stderr}`));
        }
      });
    });
    return { child, ready: Promise.race([ready, done.then(() => undefined)]), done };
  });
  try {
    await Promise.all(children.map((c) => c.ready));
  } catch (error) {
    for (const { child } of children) child.kill();
    throw error;
  }
  for (const { child } of children) child.stdin.end('go\n');
  return Promise.all(children.map((c) => c.done));
}
