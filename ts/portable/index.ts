// mpstack's runtime-neutral entry: the forwarding core for Node, Deno, browsers and Web Workers.
//
//   import { loadWasm, createStack } from 'mpstack/portable';   // dist/ts/portable/index.js
//   await loadWasm(new URL('build/mpstack.wasm', base));       // or its bytes, or a fetch Response
//   const stack = createStack({ interfaces: [{ name: 'wm0', addresses: ['192.0.2.1/24'] }, ...], routes: [...] });
//   const results = stack.forward([{ data: frame, ifindex: 1 }], Date.now());
//
// Nothing reachable from here imports a Node module (test/runtimes/portable-imports.test.ts walks
// the import graph to keep it so). The bare specifiers are `yaml` and `zod` (config parsing): Node
// and Deno resolve them from node_modules; a page maps them with an import map (web/index.html).
// Everything under ts/stack/ needs no package at all, so Web Workers (no import maps) can load it.
import { parseConfig } from '../config/load.js';
import type { Config, FibBackend, HugePagesSetting } from '../config/schema.js';
import type { KernelImpl } from '../stack/kernels.js';
import { Stack } from '../stack/stack.js';
import { extraRoutes } from './extra-routes.js';

export { createMemory, loadWasm, loadedWasmModule, useWasmModule } from '../stack/wasm.js';
export { Stack, StackConfigError, type FrameResult, type RxFrame, type TxFrame } from '../stack/stack.js';
export { ConfigError, parseConfig } from '../config/load.js';
export type { Config } from '../config/schema.js';
export type { KernelImpl } from '../stack/kernels.js';
export { createRouter, Router, type CreateRouterOptions, type RouterFrame, type RouterPort } from './router.js';
export { MpRouter, type MpRouterOptions } from './router-mp.js';
export { RouterControl } from './router-control.js';
export { WORKER_HOST, hasWebWorkers } from './worker-host.js';
export type { Attachment, FramePort } from './adapters/frame-port.js';
export { attachV86, type V86Like } from './adapters/v86.js';
export { attachBroadcastChannel, v86ChannelName } from './adapters/broadcast-channel.js';
export {
  connectWebSocket,
  type WebSocketAttachment,
  type WebSocketCtor,
  type WebSocketLike,
  type WebSocketPortOptions,
} from './adapters/websocket.js';
export { attachFrameRings, FrameRing, type FrameRingAttachment } from './adapters/frame-ring.js';
export { UserError } from '../errors.js';

/** A configuration: YAML text as `mpstack forward --config` reads it, or the same as a plain object. */
export type ConfigInput = string | Record<string, unknown>;

export interface CreateStackOptions {
  /** 'wasm' (default) or 'ts', the TypeScript twin */
  engine?: KernelImpl;
  /** frames per batch (default 256) */
  batch?: number;
  fib?: FibBackend;
  /** routes in routes_file syntax (`203.0.113.0/24 via 198.51.100.254`), loaded with the config's */
  routes?: string;
  /** interface slots beyond the config's, for vlans created at run time (default 0; createRouter's 8) */
  spareInterfaces?: number;
  /** name used in error messages (default `<config>`) */
  name?: string;
  /**
   * transparent huge pages for the shared memory: 'auto' (on in Node on Linux with THP, else a no-op),
   * true (an error where unavailable), false; default: the config's engine.huge_pages ('auto')
   */
  hugePages?: HugePagesSetting;
}

/**
 * Parses and checks a configuration with the CLI's rules (an object goes through its JSON text,
 * which is YAML too, so errors name a line of that text and the field). `routes_file` is refused:
 * there may be no file system; give the table as `options.routes` instead.
 */
export function configFrom(input: ConfigInput, name = '<config>'): Config {
  const text = typeof input === 'string' ? input : JSON.stringify(input, null, 2);
  const cfg = parseConfig(text, name, '.');
  if (cfg.routesFile !== null)
    throw new Error(`${name}: routes_file needs a file system: pass the routes as text (createStack's options.routes)`);
  return cfg;
}

/** A single-CPU stack built from a configuration (see configFrom); the WASM engine needs loadWasm first outside Node. */
export function createStack(input: ConfigInput, options: CreateStackOptions = {}): Stack {
  const name = options.name ?? '<config>';
  const cfg = configFrom(input, name);
  return new Stack(cfg, {
    engine: options.engine ?? 'wasm',
    batch: options.batch,
    fib: options.fib,
    spareInterfaces: options.spareInterfaces,
    hugePages: options.hugePages,
    ...extraRoutes(cfg, options.routes, name),
  });
}
