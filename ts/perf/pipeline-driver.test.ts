// The throughput driver must keep feeding the pipeline what a NIC would: in particular the
// receiving port in every descriptor, which the pipeline overwrites after VLAN demux.
import { describe, expect, test } from '@jest/globals';
import { Stack } from '../engine/stack.js';
import { buildFrame } from '../net/build.js';
import { MAC, ip, topology } from '../../test/fixtures/topology.js';
import { PipelineDriver } from './pipeline-driver.js';

describe.each(['wasm', 'ts'] as const)('PipelineDriver (%s)', (engine) => {
  test('VLAN-tagged templates are forwarded batch after batch', () => {
    const s = new Stack(topology(), { engine, batch: 16 });
    const t = Array.from({ length: 4 }, (_, i) => buildFrame({ dstMac: MAC.wm0, srcMac: MAC.host100, vlan: 100, src: ip('10.100.0.5'), dst: Uint8Array.from([203, 0, 113, i + 1]), minFrame: 64 }));
    const d = new PipelineDriver(s, t, 1);
    expect(d.run(5)).toBe(80);
    const c = s.counters();
    expect(c['fast']! + c['normal']!).toBe(80);
    expect(c['drop']).toBe(0);
  });
});
