// Real links in Node: opens the link an interface's config names (its `link:`, from driver: and the
// driver's block) over the interface's rings. Each driver is its own file.
import type { InterfaceConfig } from '../config/schema.js';
import { UserError } from '../errors.js';
import type { Link, LinkEvents } from '../machine/machine.js';
import type { LinkPortSpec } from '../machine/link-port.js';
import { openStreamLink } from './stream-link-node.js';
import { openTapLink } from './tap-link-node.js';
import { openWsLink } from './ws-link-node.js';
import { openUdpLink } from './udp-link-node.js';

export function openLink(
  ifc: InterfaceConfig,
  memory: WebAssembly.Memory,
  port: LinkPortSpec,
  events: LinkEvents,
): Promise<Link> {
  const l = ifc.link;
  if (!l) throw new UserError(`${ifc.name}: driver '${ifc.driver}' has no link settings`);
  switch (l.driver) {
    case 'tap':
      return openTapLink(ifc, l.device, memory, port, events);
    case 'websocket':
      return openWsLink(ifc, l, memory, port, events);
    case 'udp':
      return openUdpLink(ifc, l, memory, port, events);
    case 'stream':
      return openStreamLink(ifc, l, memory, port, events);
    case 'port':
      throw new UserError(
        `${ifc.name}: driver 'port' is a program's own port: createRouter(config, { cpus }) opens it, mpstack run cannot`,
      );
    default:
      throw new UserError(`${ifc.name}: driver '${ifc.driver}' is not available in this build`);
  }
}
