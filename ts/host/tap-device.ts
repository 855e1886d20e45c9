// A Linux TAP device through libc (koffi: no compiled add-on of our own): open /dev/net/tun, attach with
// ioctl(TUNSETIFF) as IFF_TAP | IFF_NO_PI (Ethernet frames, no packet-information header), non-blocking.
// TUNSETIFF creates the device when no device of that name exists, or attaches to a persistent one
// (`ip tuntap add mode tap NAME`). Once attached the descriptor keeps working if the device moves to
// another network namespace; when the device is deleted, reads fail with EBADFD (the link went away).
import { existsSync, openSync, closeSync, constants } from 'node:fs';
import koffi from 'koffi';
import { UserError } from '../errors.js';

const TUNSETIFF = 0x400454ca;
const IFF_TAP = 0x0002;
const IFF_NO_PI = 0x1000;
const IFF_MULTI_QUEUE = 0x0100;
const IFNAMSIZ = 16;

export const EAGAIN = 11;
export const EBADFD = 77;
export const EIO = 5;

interface Libc {
  ioctl(fd: number, req: number, ifr: Uint8Array): number;
  socket(domain: number, type: number, proto: number): number;
  close(fd: number): number;
  read(fd: number, buf: Uint8Array, n: number): number;
  write(fd: number, buf: Uint8Array, n: number): number;
}

let libc: Libc | null = null;

/** libc's calls, loaded once per thread. */
export function tapLibc(): Libc {
  if (libc) return libc;
  const lib = koffi.load('libc.so.6');
  libc = {
    ioctl: lib.func('int ioctl(int fd, unsigned long req, _Inout_ uint8_t *ifr)') as Libc['ioctl'],
    socket: lib.func('int socket(int domain, int type, int proto)') as Libc['socket'],
    close: lib.func('int close(int fd)') as Libc['close'],
    read: lib.func('long read(int fd, _Out_ uint8_t *buf, unsigned long n)') as Libc['read'],
    write: lib.func('long write(int fd, const uint8_t *buf, unsigned long n)') as Libc['write'],
  };
  return libc;
}

/** The last libc call's errno on this thread. */
export function errno(): number {
  return koffi.errno();
}

/** Whether a network device of this name exists in this thread's network namespace. */
export function deviceExists(name: string): boolean {
  return existsSync(`/sys/class/net/${name}`);
}

/**
 * Opens the TAP device `name` (created if missing) for the interface `ifname`; returns its
 * non-blocking descriptor. Fails with a UserError naming both and the reason.
 */
export function openTap(ifname: string, name: string, multiQueue = false): number {
  if (Buffer.byteLength(name) >= IFNAMSIZ || !/^[A-Za-z0-9_.-]+$/.test(name))
    throw new UserError(
      `${ifname}: tap device name '${name}' is not a Linux interface name (up to 15 of A-Z a-z 0-9 _ . -)`,
    );
  let fd: number;
  try {
    fd = openSync('/dev/net/tun', constants.O_RDWR | constants.O_NONBLOCK);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === 'ENOENT'
        ? '/dev/net/tun does not exist (no TUN/TAP support here: modprobe tun, or run the container with --device /dev/net/tun)'
        : e.code === 'EACCES' || e.code === 'EPERM'
          ? 'no permission to open /dev/net/tun (run as root or with CAP_NET_ADMIN)'
          : `cannot open /dev/net/tun: ${e.message}`;
    throw new UserError(`${ifname}: tap ${name}: ${why}`);
  }
  const ifr = new Uint8Array(40);
  ifr.set(Buffer.from(name, 'latin1'));
  new DataView(ifr.buffer).setUint16(IFNAMSIZ, IFF_TAP | IFF_NO_PI | (multiQueue ? IFF_MULTI_QUEUE : 0), true);
  if (tapLibc().ioctl(fd, TUNSETIFF, ifr) < 0) {
    const e = errno();
    closeSync(fd);
    const why =
      e === 1
        ? 'no permission to create or attach it (needs CAP_NET_ADMIN)'
        : e === 16
          ? 'it is busy (another process has it open, or it is a TUN device, or its queue settings differ)'
          : e === 22
            ? 'the kernel refused the settings (an existing device of that name that is not a TAP?)'
            : `ioctl(TUNSETIFF) failed with errno ${e}`;
    throw new UserError(`${ifname}: tap ${name}: ${why}`);
  }
  return fd;
}

const SIOCSIFMTU = 0x8922;
const AF_INET = 2;
const SOCK_DGRAM = 2;

/**
 * Sets the device's MTU (SIOCSIFMTU on a socket, as `ip link set NAME mtu N`): the host side of the
 * link then sends no frame larger than the router's interface takes. Returns the errno, 0 when set.
 */
export function setDeviceMtu(name: string, mtu: number): number {
  const c = tapLibc();
  const s = c.socket(AF_INET, SOCK_DGRAM, 0);
  if (s < 0) return errno();
  const ifr = new Uint8Array(40);
  ifr.set(Buffer.from(name, 'latin1'));
  new DataView(ifr.buffer).setInt32(IFNAMSIZ, mtu, true);
  const r = c.ioctl(s, SIOCSIFMTU, ifr) < 0 ? errno() : 0;
  c.close(s);
  return r;
}

export function closeTap(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}
