// `mpstack run` as a child process, for end-to-end tests and the links bench: started on a config,
// waited for until its control socket is up, driven with the CLI (its own XDG_RUNTIME_DIR, so it is
// found without --socket), stopped with SIGINT and its exit status and summary collected.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The built CLI: beside dist/bench/ when this runs built, under dist/ when it runs from source (jest). */
function cliPath(): string {
  for (const rel of ['../ts/cli/main.js', '../dist/ts/cli/main.js']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new Error('dist/ts/cli/main.js not found: run `npm run build`');
}

export const CLI = cliPath();
const exec = promisify(execFile);

export class RouterRun {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly env: NodeJS.ProcessEnv,
    readonly dir: string,
  ) {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      this.stdout += d;
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      this.stderr += d;
    });
    this.exited = new Promise((r) => child.on('exit', (code) => r(code)));
  }

  /** Starts `mpstack run --config <yaml> ARGS` and resolves once its control socket is listening. */
  static async start(yaml: string, args: string[] = []): Promise<RouterRun> {
    const dir = mkdtempSync(join(tmpdir(), 'mpstack-run-'));
    const env = { ...process.env, XDG_RUNTIME_DIR: dir };
    writeFileSync(join(dir, 'router.yaml'), yaml);
    const child = spawn(process.execPath, [CLI, 'run', '--config', join(dir, 'router.yaml'), ...args], { env });
    const r = new RouterRun(child, env, dir);
    const deadline = Date.now() + 15_000;
    while (!/control socket (\S+)/.test(r.stderr)) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`mpstack run did not come up: ${r.stderr}`);
      }
      await new Promise((res) => setTimeout(res, 20));
    }
    return r;
  }

  /** Runs `mpstack ARGS` against this instance; resolves with stdout, rejects with the CLI's stderr. */
  async cli(...args: string[]): Promise<string> {
    try {
      return (await exec(process.execPath, [CLI, ...args], { env: this.env, encoding: 'utf8' })).stdout;
    } catch (e) {
      const x = e as { stderr?: string; message: string };
      throw new Error(`mpstack ${args.join(' ')}: ${x.stderr || x.message}`);
    }
  }

  /**
   * SIGINT, then the exit status (SIGKILL after `ms`); its directory (config, control socket, files a
   * caller put there) goes with it, so test runs leave nothing in the temporary directory.
   */
  async stop(ms = 10_000): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) {
      rmSync(this.dir, { recursive: true, force: true });
      return this.child.exitCode;
    }
    this.child.kill('SIGINT');
    const t = setTimeout(() => this.child.kill('SIGKILL'), ms);
    const code = await this.exited;
    clearTimeout(t);
    rmSync(this.dir, { recursive: true, force: true });
    return code;
  }
}
