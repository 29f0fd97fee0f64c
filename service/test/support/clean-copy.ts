import { spawn, type ChildProcess } from 'node:child_process';

export { makeCleanCopy, repoRoot } from '../../../test/support/clean-copy.js';

/** The environment of a started service: ours minus anything that would configure it by accident. */
export function serviceEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const base = { ...process.env };
  for (const name of [
    'PORT',
    'HOST',
    'DATABASE_URL',
    'PROMO_SALT',
    'NODE_ENV',
    'WX_APPID',
    'WX_SECRET',
    'WXACODE_DIR',
    'WXACODE_BASE_URL',
    'WX_API_BASE',
    'WXACODE_PER_MINUTE',
    'ADMIN_TOKEN',
    'TRUST_PROXY',
    'REWARDS',
  ]) {
    delete base[name];
  }
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete base[name];
    else base[name] = value;
  }
  base.npm_config_update_notifier = 'false';
  return base;
}

export interface Started {
  child: ChildProcess;
  /** The URL of the start-up line. */
  url: string;
  /** The pid of the serving Node process (from the start-up line). */
  pid: number;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns `command` in `cwd` and waits for the service's start-up line. */
export function startService(
  cwd: string,
  command: string[],
  env: Record<string, string | undefined>,
  timeoutMs = 120_000,
): Promise<Started> {
  const child = spawn(command[0], command.slice(1), { cwd, env: serviceEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start-up line within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const line = /promo-track listening on (http:\/\/\S+) \(.*pid (\d+)\)/.exec(output);
      if (line) {
        clearTimeout(timer);
        resolve({ child, url: line[1], pid: Number(line[2]), output: () => output, exited });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code ?? signal}) before the start-up line:\n${output}`));
    });
  });
}

/** Runs `command` to its end: exit code and all output. */
export function runToEnd(
  cwd: string,
  command: string[],
  env: Record<string, string | undefined>,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(command[0], command.slice(1), { cwd, env: serviceEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}
