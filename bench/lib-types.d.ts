// Minimal declarations for the two LPM libraries bench/lpm.ts compares against that ship no types
// (netmask and ipaddr.js ship their own). Only what the benchmark calls is declared.
declare module 'cidr-matcher' {
  class CIDRMatcher {
    constructor(classes?: string[]);
    addNetworkClass(cidr: string): void;
    contains(addr: string): boolean;
  }
  export = CIDRMatcher;
}

declare module 'longest-prefix-match' {
  class LongestPrefixMatch {
    constructor();
    addPrefix(prefix: string, payload: unknown): void;
    /** `prefix` must be in CIDR form ('a.b.c.d/32' for an address); returns the payloads of the longest match. */
    getMatch(prefix: string, all?: boolean): unknown[];
  }
  export = LongestPrefixMatch;
}
