// Interface names: the rule the config and the routes_file share.
//
// A name is a lower-case driver-ish stem and a unit number, as BSD names them (wm0, vioif1, vlan100):
// [a-z][a-z0-9]*[0-9], at most IFNAME_MAX characters. The trailing digit is what tells a name from
// a keyword in a route line (`dev via` is refused, `dev wm0` is not), and the length is NetBSD's
// IFNAMSIZ (16) less the NUL.

export const IFNAME_MAX = 15;

function isLower(c: number): boolean {
  return c >= 0x61 && c <= 0x7a;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** True if the ASCII bytes b[start, end) are a valid interface name. Allocates nothing. */
export function isIfNameBytes(b: Uint8Array, start: number, end: number): boolean {
  const n = end - start;
  if (n < 2 || n > IFNAME_MAX || !isLower(b[start]!) || !isDigit(b[end - 1]!)) return false;
  for (let p = start + 1; p < end - 1; p++) if (!isLower(b[p]!) && !isDigit(b[p]!)) return false;
  return true;
}

/** True if s is a valid interface name. */
export function isIfName(s: string): boolean {
  const n = s.length;
  if (n < 2 || n > IFNAME_MAX || !isLower(s.charCodeAt(0)) || !isDigit(s.charCodeAt(n - 1))) return false;
  for (let p = 1; p < n - 1; p++) if (!isLower(s.charCodeAt(p)) && !isDigit(s.charCodeAt(p))) return false;
  return true;
}
