import { describe, expect, it } from 'vitest';
import { formatEnode, parseEnode, OVERLAY_ERROR } from '../src/index.js';

const ID = 'a979fb575495b8d6db44f750317d0f4622bf4c2aa3365d6af7c284339968eef29b69ad0dce72a4d8db5ebb4968de0e3bec910127f134779fbcb0cb6d3331163c';

describe('enode URLs', () => {
  it('parses the devp2p example and formats it back', () => {
    const url = `enode://${ID}@10.3.58.6:30303?discport=30301`;
    const e = parseEnode(url);
    expect(e).toEqual({ id: ID, host: '10.3.58.6', port: 30303, discPort: 30301 });
    expect(formatEnode(e)).toBe(url);
  });

  it('normalises case, IPv6 brackets and a redundant discport', () => {
    expect(parseEnode(`enode://${ID.toUpperCase()}@[::1]:30303?discport=30303`)).toEqual({ id: ID, host: '::1', port: 30303 });
    expect(formatEnode({ id: ID, host: '::1', port: 1 })).toBe(`enode://${ID}@[::1]:1`);
    expect(parseEnode(`enode://${ID}@boot.example.org:443`).host).toBe('boot.example.org');
  });

  it('rejects malformed URLs with INVALID_ENODE', () => {
    for (const bad of [
      '',
      `enode://${ID}`,
      `enode://${ID.slice(2)}@1.2.3.4:1`,
      `enode://${ID}@1.2.3.4:70000`,
      `enode://${ID}@1.2.3.4:1?discport=99999`,
      `enode://${ID}@[zz::1]:1`,
      `enode://${ID}@bad_host!:1`,
      `enr://${ID}@1.2.3.4:1`,
    ]) {
      expect(() => parseEnode(bad)).toThrow(expect.objectContaining({ code: OVERLAY_ERROR.INVALID_ENODE }));
    }
    expect(() => formatEnode({ id: 'ab', host: '1.2.3.4', port: 1 })).toThrow(expect.objectContaining({ code: OVERLAY_ERROR.INVALID_ENODE }));
  });
});
