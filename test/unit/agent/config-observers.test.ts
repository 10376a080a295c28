// The agent config's ipvs and telemetry sections (vipgate format): defaults, mapping, errors naming the field.
import { describe, expect, it } from 'vitest';
import { parseAgentConfig } from '../../../src/agent/config/load.js';
import { ConfigError } from '../../../src/config/error.js';
import { BASE_CONFIG } from './build.js';

const parse = (extra: string) => parseAgentConfig(`${BASE_CONFIG}${extra}`, 'test');

describe('agent config: ipvs and telemetry', () => {
  it('both off unless asked', () => {
    const c = parse('');
    expect(c.ipvs).toBeUndefined();
    expect(c.telemetry).toBeUndefined();
  });

  it('ipvs: enabled with the default interface and strict ARP, or as written', () => {
    expect(parse('ipvs: { enabled: true }\n').ipvs).toEqual({ interface: 'vipgate-ipvs0', strictArp: true });
    expect(parse('ipvs: { enabled: true, interface: lb0, strictArp: false }\n').ipvs).toEqual({ interface: 'lb0', strictArp: false });
    expect(parse('ipvs: { enabled: false, interface: lb0 }\n').ipvs).toBeUndefined();
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
