// mpstack's Node entry (`import … from 'mpstack'`): everything of the runtime-neutral core
// (`mpstack/core`, ts/portable/index.ts) plus what needs Node: the multi-CPU machine on worker
// threads, config and capture files, the control socket. The public API is what this file and the
// core export; everything else under dist/ is internal and may change (see the README's "Public API").
//
// It sits at the top of the layers with the CLI, since it gathers every layer's public names.
export * from './portable/index.js';
import type { ConfigInput } from './portable/index.js';
import { createRouter as createRouterAnywhere, type CreateRouterOptions, type Router } from './portable/router.js';
import type { MpRouter } from './portable/router-mp.js';
import { NODE_HOST } from './host/host-node.js';
export { ControlPlane, localDataplane, parseRouteKey, parseRouteLine } from './control/control-plane.js';
export type { Dataplane, InterruptControl, MachineStats, RouteKey } from './control/control-plane.js';
export type {
  BrconfigEntry,
  IfconfigEntry,
  IntrctlListResult,
  NetstatIResult,
  NetstatMResult,
  NetstatSResult,
  RouteEntry,
} from './control/types.js';
export { UserError, isUserError } from './errors.js';
export { loadConfig } from './config/files.js';
export { readCapture, readCaptureFile, PcapWriter, CaptureError } from './io/capture.js';
export { NodeMachine } from './host/host-node.js';
export type { MpOptions, Vector } from './machine/machine.js';
export { startControlServer, type ControlServer } from './host/control-server.js';
export { ControlClient } from './host/control-client.js';

/**
 * createRouter of `mpstack/core`, with Node's worker threads for the multi-CPU mode
 * (`{ cpus: N }`): the same router, its CPUs on worker_threads (and real links available).
 */
export async function createRouter(
  config: ConfigInput,
  options: CreateRouterOptions & { cpus: number },
): Promise<MpRouter>;
export async function createRouter(config: ConfigInput, options?: CreateRouterOptions): Promise<Router>;
export async function createRouter(config: ConfigInput, options: CreateRouterOptions = {}): Promise<Router | MpRouter> {
  return createRouterAnywhere(config, { ...options, host: options.host ?? NODE_HOST });
}
