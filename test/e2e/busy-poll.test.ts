// Busy polling (engine.busy_poll_us, `run --busy-poll`): two Linux hosts in namespaces behind TAP
// links, the router's one CPU spinning after its work and reading the TAP devices itself. Ping and a
// TCP transfer of several megabytes (its hash checked) must work, and the links' counters must show
// frames the CPU took by polling (rx-polled), not only those its RX threads or read-backs placed;
// the RX threads pause while the CPU polls their devices and read again once its window has closed.
// The API refuses a bad value as the CLI does.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Host, describeWithHosts } from './hosts.js';
import { RouterRun } from '../../bench/router-run.js';
import { parseConfig } from '../../ts/config/load.js';
import { NodeMachine } from '../../ts/host/host-node.js';

const tag = `${process.pid % 100000}`;
const DEV = [`mppa${tag}`, `mppb${tag}`];
const NS = [`hpoll-h1-${tag}`, `hpoll-h2-${tag}`];

const CONFIG = `
interfaces:
  - name: wm0
    driver: tap
    tap: ${DEV[0]}
    addresses: [10.94.1.1/24]
  - name: wm1
    driver: tap
    tap: ${DEV[1]}
    addresses: [10.94.2.1/24]
`;

// a TCP server that sends N pseudo-random bytes as fast as it can, then their SHA-256 on a line
const SERVER = `
const net = require('node:net'), crypto = require('node:crypto');
const body = crypto.randomBytes(8 * 1024 * 1024);
const sha = crypto.createHash('sha256').update(body).digest('hex');
net.createServer((s) => { s.end(Buffer.concat([body, Buffer.from('\\n' + sha)])); }).listen(9090, '0.0.0.0', () => console.log('ready'));
`;
const CLIENT = `
const net = require('node:net'), crypto = require('node:crypto');
const parts = [];
net.connect(9090, process.argv[2]).on('data', (d) => parts.push(d)).on('end', () => {
  const all = Buffer.concat(parts), body = all.subarray(0, all.length - 65);
  console.log(JSON.stringify({ bytes: body.length, sha: crypto.createHash('sha256').update(body).digest('hex'), want: all.subarray(all.length - 64).toString() }));
}).on('error', (e) => { console.error(e.message); process.exit(1); });
`;

test('the API refuses a busy poll that is not an integer of µs from 0 to 1000000', async () => {
  const cfg = parseConfig('interfaces:\n  - { name: wm0 }\n', 'mp.yaml', '/tmp');
  for (const bad of [-1, 1.5, 1_000_001])
    await expect(NodeMachine.start(cfg, { cpus: 1, engine: 'ts', busyPollUs: bad })).rejects.toThrow(
      `busy poll must be an integer from 0 to 1000000 µs, not ${bad}`,
    );
});

/** The sum of `key=N` over every interface's link counters (`mpstack ifconfig`). */
async function linkCounter(router: RouterRun, key: string): Promise<number> {
  const out = await router.cli('ifconfig');
  return [...out.matchAll(new RegExp(`\\b${key}=(\\d+)`, 'g'))].reduce((n, m) => n + Number(m[1]), 0);
}

describeWithHosts('busy polling: Linux hosts through TAP links, the CPU reading the devices', ['ping'], () => {
  let router: RouterRun;
  let h1: Host;
  let h2: Host;
  let server: ChildProcess | undefined;

  beforeAll(async () => {
    router = await RouterRun.start(CONFIG, ['--cpus', '1', '--busy-poll', '20000']);
    h1 = Host.attach({ ns: NS[0]!, dev: DEV[0]!, v4: '10.94.1.2/24', gw4: '10.94.1.1' });
    h2 = Host.attach({ ns: NS[1]!, dev: DEV[1]!, v4: '10.94.2.2/24', gw4: '10.94.2.1' });
  }, 30_000);

  afterAll(async () => {
    server?.kill('SIGKILL');
    await router?.stop();
    h1?.delete();
    h2?.delete();
  });

  test('ping crosses it, and frames were taken by polling', async () => {
    const before = await linkCounter(router, 'rx-polled');
    // 10 ms apart: each request arrives within the 20 ms window the CPU spins after the last reply
    expect(await h1.run('ping', ['-c', '50', '-i', '0.01', '-W', '2', h2.address])).toMatch(/50 received/);
    expect(await linkCounter(router, 'rx-polled')).toBeGreaterThan(before);
  }, 30_000);

  test('the RX threads stop watching while the CPU polls, and watch again when its window ends', async () => {
    const paused = await linkCounter(router, 'rx-pauses');
    // within the window: a device the CPU polls wakes its RX thread once, which then stops watching it.
    // The thread wakes ~50 µs after a frame arrives and a spinning CPU usually has read it by then, so
    // the requests come in bursts of 32 (ping's preload): the CPU reads one frame a system call, and the
    // thread finds the device still readable while the poller word is set
    expect(await h1.run('ping', ['-c', '256', '-i', '0.01', '-l', '32', '-W', '2', h2.address])).toMatch(
      /256 received/,
    );
    expect(await linkCounter(router, 'rx-pauses')).toBeGreaterThan(paused);
    // 200 ms apart: each request comes after the 20 ms window closed, to a sleeping CPU; only the RX
    // thread reads it, so it is lost if the thread was not re-armed when the window ended
    const threadRead = async () =>
      (await linkCounter(router, 'rx-frames')) -
      (await linkCounter(router, 'rx-direct')) -
      (await linkCounter(router, 'rx-polled'));
    const read = await threadRead();
    expect(await h1.run('ping', ['-c', '5', '-i', '0.2', '-W', '1', h2.address])).toMatch(/5 received/);
    expect(await threadRead()).toBeGreaterThanOrEqual(read + 5);
  }, 30_000);

  test('a TCP transfer of 8 MiB arrives intact', async () => {
    writeFileSync(`${router.dir}/server.js`, SERVER);
    writeFileSync(`${router.dir}/client.js`, CLIENT);
    server = spawn('ip', ['netns', 'exec', NS[1]!, process.execPath, `${router.dir}/server.js`]);
    await new Promise<void>((res, rej) => {
      server!.stdout!.on('data', (d: Buffer) => {
        if (d.toString().includes('ready')) res();
      });
      server!.once('exit', (c) => rej(new Error(`server exited ${c}`)));
    });
    const polled = await linkCounter(router, 'rx-polled');
    const r = JSON.parse(await h1.run(process.execPath, [`${router.dir}/client.js`, h2.address], 60_000)) as {
      bytes: number;
      sha: string;
      want: string;
    };
    expect(r.bytes).toBe(8 * 1024 * 1024);
    expect(r.sha).toBe(r.want);
    expect(await linkCounter(router, 'rx-polled')).toBeGreaterThan(polled);
  }, 90_000);

  test('SIGINT stops it cleanly: exit 0, every frame and cluster accounted for', async () => {
    expect(await router.stop()).toBe(0);
    expect(router.stdout).toMatch(/accounting: .*: ok/);
    expect(router.stdout).toMatch(/buffers: \d+ clusters, each found once/);
  }, 30_000);
});
