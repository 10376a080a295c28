// The agent config's ipvs and telemetry sections (vipgate format): defaults, mapping, errors naming the field.
import { describe, expect, it } from 'vitest';
import { parseAgentConfig } from '../../../src/agent/config/load.js';
import { ConfigError } from '../../../src/config/error.js';
import { BASE_CONFIG } from './build.js';

const parse = (extra: string) => parseAgentConfig(`${BASE_CONFIG}${extra}`, 'test');

describe('agent config: ipvs and telemetry', () => {
  const IPVS_DEFAULTS = { enabled: false, interface: 'vipgate-ipvs0', strictArp: true, stateFile: '/run/vipgate/ipvs-state.json', procSys: '/proc/sys', resyncSeconds: 30 };

  it('both off unless asked (ipvs keeps its settings: a disabled agent still finds its record to undo)', () => {
    const c = parse('');
    expect(c.ipvs).toEqual(IPVS_DEFAULTS);
    expect(c.telemetry).toBeUndefined();
  });

  it('ipvs: enabled with the default interface, strict ARP, record, /proc/sys and resync, or as written', () => {
    expect(parse('ipvs: { enabled: true }\n').ipvs).toEqual({ ...IPVS_DEFAULTS, enabled: true });
    expect(parse('ipvs: { enabled: true, interface: lb0, strictArp: false, stateFile: /var/lib/vipgate/ipvs.json, procSys: /host/proc/sys, resyncSeconds: 5 }\n').ipvs)
      .toEqual({ enabled: true, interface: 'lb0', strictArp: false, stateFile: '/var/lib/vipgate/ipvs.json', procSys: '/host/proc/sys', resyncSeconds: 5 });
    expect(parse('ipvs: { enabled: false, interface: lb0 }\n').ipvs).toEqual({ ...IPVS_DEFAULTS, interface: 'lb0' });
  });

  it('ipvs: a relative state file or /proc/sys, or a resync out of 1..3600 s, names the field', () => {
    expect(() => parse('ipvs: { stateFile: ipvs.json }\n')).toThrow(/ipvs\.stateFile.*absolute path/);
    expect(() => parse('ipvs: { procSys: proc }\n')).toThrow(/ipvs\.procSys.*absolute path/);
    expect(() => parse('ipvs: { resyncSeconds: 0 }\n')).toThrow(/ipvs\.resyncSeconds/);
  });

  it('a bad interface name or broker URL is refused with its field named', () => {
    expect(() => parse('ipvs: { enabled: true, interface: "much-too-long-name0" }\n')).toThrow(ConfigError);
    expect(() => parse('ipvs: { enabled: true, interface: "much-too-long-name0" }\n')).toThrow(/ipvs\.interface/);
    expect(() => parse('telemetry: { url: "http://broker" }\n')).toThrow(/telemetry\.url.*mqtt:\/\//);
  });

  it('telemetry: the router\'s broker fields plus the agent\'s interval', () => {
    expect(parse('telemetry: { url: "mqtt://192.168.10.254:1883", username: node, password: pw }\n').telemetry).toEqual({
      url: 'mqtt://192.168.10.254:1883', site: 'home', username: 'node', password: 'pw', queueLimit: 10_000, intervalMs: 1000,
    });
  });
});
