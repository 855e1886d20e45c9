// The throughput driver must keep feeding the pipeline what a NIC would: in particular the
// receiving port in every descriptor, which the pipeline overwrites after VLAN demux.
import { describe, expect, test } from '@jest/globals';
import { Stack } from '../stack/stack.js';
import { buildFrame } from '../packet/build.js';
import { MAC, ip, topology } from '../../test/fixtures/topology.js';
import { PipelineDriver } from './pipeline-driver.js';

describe.each(['wasm', 'ts'] as const)('PipelineDriver (%s)', (engine) => {
  test('VLAN-tagged templates are forwarded batch after batch', () => {
    const s = new Stack(topology(), { engine, batch: 16 });
    const t = Array.from({ length: 4 }, (_, i) =>
      buildFrame({
        dstMac: MAC.wm0,
        srcMac: MAC.host100,
        vlan: 100,
        src: ip('10.100.0.5'),
        dst: Uint8Array.from([203, 0, 113, i + 1]),
        minFrame: 64,
      }),
    );
    const d = new PipelineDriver(s, t, 1);
    expect(d.run(5)).toBe(80);
    const c = s.counters();
    expect(c['fast']! + c['normal']!).toBe(80);
    expect(c['drop']).toBe(0);
  });
});

describe('gen_fill with variable-length slots (len 0)', () => {
  test("WASM and TS copy each slot's own length and set PD_LEN and PD_RXIF alike", () => {
    const mems = (['wasm', 'ts'] as const).map((engine) => {
      const s = new Stack(topology(), { engine, batch: 8 });
      const { k, L } = s;
      const dv = new DataView(k.memory.buffer);
      const u8 = new Uint8Array(k.memory.buffer);
      const cpu = L.cpu[0]!;
      const tmpl = cpu.clusters + 8 * 2176;
      [60, 61, 1000, 77].forEach((len, j) => {
        dv.setUint32(tmpl + j * 1088, len, true);
        for (let b = 0; b < len; b++) u8[tmpl + j * 1088 + 4 + b] = (j * 31 + b) & 255;
      });
      for (let i = 0; i < 8; i++) dv.setUint32(cpu.pd + i * 32, cpu.clusters + i * 2176 + 64, true);
      expect(k.gen_fill(cpu.ctx, 8, tmpl, 1088, 4, 0, 2, 1)).toBe(2);
      expect(Array.from({ length: 8 }, (_, i) => dv.getUint16(cpu.pd + i * 32 + 4, true))).toEqual([
        1000, 77, 60, 61, 1000, 77, 60, 61,
      ]);
      return u8.slice(cpu.pd, cpu.clusters + 8 * 2176);
    });
    expect(Buffer.compare(mems[0]!, mems[1]!)).toBe(0);
  });
});
