/**
 * MinIO's erasureSelfTest (cmd/erasure-coding.go), which MinIO runs at startup: input bytes
 * 0..255, one Split+Encode per (data, parity) with 4 ≤ data+parity < 16 and data ≥ total/2, then
 * XXH64 over (shard index byte, shard bytes) for every shard, and a ReconstructData of shard 0.
 * Golden values copied from MinIO (as reproduced by ec-ref selftest, 60/60).
 */
import { xxhash64 } from 'hash-wasm';
import { describe, expect, it } from 'vitest';
import { ReedSolomon } from '@strata/core/erasure';

const GOLDEN: Array<[string, string]> = [
  ['2+2', '23fb21be2496f5d3'],
  ['2+3', 'a5cd5600ba0d8e7c'],
  ['3+1', '60ab052148b010b4'],
  ['3+2', 'e64927daef76435a'],
  ['3+3', '672f6f242b227b21'],
  ['3+4', '0571e41ba23a6dc6'],
  ['4+1', '524eaa814d5d86e2'],
  ['4+2', '62b9552945504fef'],
  ['4+3', 'cbf9065ee053e518'],
  ['4+4', '09a07581dcd03da8'],
  ['4+5', 'bf2d27b55370113f'],
  ['5+1', '0f71031a01d70daf'],
  ['5+2', '8e5845859939d0f4'],
  ['5+3', '7ad9161acbb4c325'],
  ['5+4', 'c446b88830b4f800'],
  ['5+5', 'abf1573cc6f76165'],
  ['5+6', '7b5598a85045bfb8'],
  ['6+1', 'e2fc1e677cc7d872'],
  ['6+2', '7ed133de5ca6a58e'],
  ['6+3', '39ef92d0a74cc3c0'],
  ['6+4', '0cfc90052bc25d20'],
  ['6+5', '71c96f6baeef9c58'],
  ['6+6', '4b79056484883e4c'],
  ['6+7', 'b1a0e2427ac2dc1a'],
  ['7+1', '937ba2b7af467a22'],
  ['7+2', '5fd13a734d27d37a'],
  ['7+3', '3be2722d9b66912f'],
  ['7+4', '14c628e59011be3d'],
  ['7+5', 'cc3b39ad4c083b9f'],
  ['7+6', '45af361b7de7a4ff'],
  ['7+7', '456cc320cec8a6e6'],
  ['7+8', '1867a9f4db315b5c'],
  ['8+1', 'bc5756b9a9ade030'],
  ['8+2', 'dfd7d9d0b3e36503'],
  ['8+3', '72bb72c2cdbcf99d'],
  ['8+4', '03ba5e9b41bf07f0'],
  ['8+5', 'd7dabc15800f9d41'],
  ['8+6', '0b482a6169fd270f'],
  ['8+7', '50748e0099d657e8'],
  ['9+1', 'c77ae0144fcaeb6e'],
  ['9+2', '8a86c7dbebf27b68'],
  ['9+3', 'a64e3be6d6fe7e92'],
  ['9+4', '239b71c41745d207'],
  ['9+5', '2d0803094c5a86ce'],
  ['9+6', 'a3c2539b3af84874'],
  ['10+1', '7d30d91b89fcec21'],
  ['10+2', 'fa5af9aa9f1857a3'],
  ['10+3', '84bc4bda8af81f90'],
  ['10+4', '6c1cba8631de994a'],
  ['10+5', '4383e58a086cc1ac'],
  ['11+1', '04ed2929a2df690b'],
  ['11+2', 'ecd6f1b1399775c0'],
  ['11+3', 'c78cfbfc0dc64d01'],
  ['11+4', 'b2643390973702d6'],
  ['12+1', '3b2a88686122d082'],
  ['12+2', '0fd2f30a48a8e2e9'],
  ['12+3', 'd5ce58368ae90b13'],
  ['13+1', '9c88e2a9d1b8fff8'],
  ['13+2', '0cb8460aa4cf6613'],
  ['14+1', '78a28bbaec57996e'],
];

describe("MinIO's erasureSelfTest", () => {
  it.each(['js', 'wasm-simd', 'wasm-relaxed-simd'] as const)('reproduces all 60 golden values with the %s kernel', async (kernel) => {
    const data = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(GOLDEN).toHaveLength(60);
    for (const [config, golden] of GOLDEN) {
      const [d, p] = config.split('+').map(Number) as [number, number];
      const rs = new ReedSolomon(d, p, { kernel });
      const shards = rs.split(data);
      rs.encode(shards);
      const stream = Buffer.concat(shards.flatMap((s, i) => [Buffer.from([i]), Buffer.from(s)]));
      expect(await xxhash64(stream), config).toBe(golden);
      const first = shards[0]!.slice();
      const damaged: Array<Uint8Array | null> = [...shards];
      damaged[0] = null;
      rs.reconstructData(damaged);
      expect(Buffer.compare(damaged[0]!, first), `${config} reconstructData`).toBe(0);
    }
  });
});
