/**
 * Home Assistant's MQTT discovery rules, written from its documentation, to hold discovery messages against:
 * - https://www.home-assistant.io/integrations/mqtt/ : the discovery topic
 *   `<discovery_prefix>/<component>/[<node_id>/]<object_id>/config` (ids of [a-zA-Z0-9_-], a supported
 *   component), the payload (a JSON object; an empty retained payload removes the entity), the supported
 *   abbreviations (payload, device and origin), the origin block (name required; sw_version, support_url),
 *   the availability options (a list of {topic (required), payload_available, payload_not_available,
 *   value_template}, not together with availability_topic; availability_mode all|any|latest), the naming
 *   (`default_entity_id` such as `sensor.test`; `object_id` is gone from the abbreviation list and deprecated);
 * - https://www.home-assistant.io/integrations/sensor.mqtt/ and /binary_sensor.mqtt/ : the options of
 *   each (state_topic required; `device` only with `unique_id`, identified by identifiers or connections,
 *   configuration_url http://, https:// or homeassistant://; `options` a non-empty list with device_class
 *   `enum` and neither state_class nor unit_of_measurement; a sensor's entity_category only `diagnostic`);
 * - https://www.home-assistant.io/integrations/sensor/#device-class and binary_sensor/#device-class: the
 *   device classes; https://developers.home-assistant.io/docs/core/entity/sensor#available-state-classes.
 * Unknown keys are errors here (Home Assistant ignores them, which hides a misspelt option).
 */

/** Components MQTT discovery supports (the discovery topic's <component>), and `device` for device discovery. */
export const COMPONENTS = new Set([
  'alarm_control_panel', 'binary_sensor', 'button', 'camera', 'climate', 'cover', 'device_automation', 'device_tracker', 'event', 'fan',
  'humidifier', 'image', 'lawn_mower', 'light', 'lock', 'notify', 'number', 'scene', 'select', 'sensor', 'siren', 'switch', 'tag', 'text',
  'update', 'vacuum', 'valve', 'water_heater', 'device',
]);

/** The documented payload abbreviations (abbreviation → option). */
const ABBREVIATIONS: Record<string, string> = {
  act_t: 'action_topic', act_tpl: 'action_template', atype: 'automation_type', aux_cmd_t: 'aux_command_topic', aux_stat_t: 'aux_state_topic',
  aux_stat_tpl: 'aux_state_template', av_tones: 'available_tones', avty: 'availability', avty_mode: 'availability_mode', avty_t: 'availability_topic',
  avty_tpl: 'availability_template', away_mode_cmd_t: 'away_mode_command_topic', away_mode_stat_t: 'away_mode_state_topic',
  away_mode_stat_tpl: 'away_mode_state_template', b_tpl: 'blue_template', bri_cmd_t: 'brightness_command_topic', bri_cmd_tpl: 'brightness_command_template',
  bri_scl: 'brightness_scale', bri_stat_t: 'brightness_state_topic', bri_tpl: 'brightness_template', bri_val_tpl: 'brightness_value_template',
  clr_temp_cmd_tpl: 'color_temp_command_template', clr_temp_cmd_t: 'color_temp_command_topic', clr_temp_k: 'color_temp_kelvin',
  clr_temp_stat_t: 'color_temp_state_topic', clr_temp_tpl: 'color_temp_template', clr_temp_val_tpl: 'color_temp_value_template',
  clrm_stat_t: 'color_mode_state_topic', clrm_val_tpl: 'color_mode_value_template', cmd_off_tpl: 'command_off_template', cmd_on_tpl: 'command_on_template',
  cmd_t: 'command_topic', cmd_tpl: 'command_template', cmps: 'components', cod_arm_req: 'code_arm_required', cod_dis_req: 'code_disarm_required',
  cod_trig_req: 'code_trigger_required', cont_type: 'content_type', curr_temp_t: 'current_temperature_topic', curr_temp_tpl: 'current_temperature_template',
  def_ent_id: 'default_entity_id', dev: 'device', dev_cla: 'device_class', dir_cmd_t: 'direction_command_topic', dir_cmd_tpl: 'direction_command_template',
  dir_stat_t: 'direction_state_topic', dir_val_tpl: 'direction_value_template', dsp_prc: 'display_precision', e: 'encoding', en: 'enabled_by_default',
  ent_cat: 'entity_category', ent_pic: 'entity_picture', evt_typ: 'event_types', exp_aft: 'expire_after', fanspd_lst: 'fan_speed_list', flsh: 'flash',
  flsh_tlng: 'flash_time_long', flsh_tsht: 'flash_time_short', fx_cmd_t: 'effect_command_topic', fx_cmd_tpl: 'effect_command_template',
  fx_list: 'effect_list', fx_stat_t: 'effect_state_topic', fx_tpl: 'effect_template', fx_val_tpl: 'effect_value_template',
  fan_mode_cmd_t: 'fan_mode_command_topic', fan_mode_cmd_tpl: 'fan_mode_command_template', fan_mode_stat_t: 'fan_mode_state_topic',
  fan_mode_stat_tpl: 'fan_mode_state_template', frc_upd: 'force_update', g_tpl: 'green_template', hs_cmd_t: 'hs_command_topic',
  hs_cmd_tpl: 'hs_command_template', hs_stat_t: 'hs_state_topic', hs_val_tpl: 'hs_value_template', ic: 'icon', img_e: 'image_encoding',
  img_t: 'image_topic', init: 'initial', hum_cmd_t: 'target_humidity_command_topic', hum_cmd_tpl: 'target_humidity_command_template',
  hum_stat_t: 'target_humidity_state_topic', hum_state_tpl: 'target_humidity_state_template', json_attr: 'json_attributes',
  json_attr_t: 'json_attributes_topic', json_attr_tpl: 'json_attributes_template', l_ver_t: 'latest_version_topic', l_ver_tpl: 'latest_version_template',
  lrst_t: 'last_reset_topic', lrst_val_tpl: 'last_reset_value_template', max: 'max', max_hum: 'max_humidity', max_k: 'max_kelvin', max_mirs: 'max_mireds',
  max_temp: 'max_temp', migr_discvry: 'migrate_discovery', min: 'min', min_hum: 'min_humidity', min_k: 'min_kelvin', min_mirs: 'min_mireds',
  min_temp: 'min_temp', mode: 'mode', mode_cmd_t: 'mode_command_topic', mode_cmd_tpl: 'mode_command_template', mode_stat_t: 'mode_state_topic',
  mode_stat_tpl: 'mode_state_template', modes: 'modes', name: 'name', o: 'origin', off_dly: 'off_delay', on_cmd_type: 'on_command_type', ops: 'options',
  opt: 'optimistic', osc_cmd_t: 'oscillation_command_topic', osc_cmd_tpl: 'oscillation_command_template', osc_stat_t: 'oscillation_state_topic',
  osc_val_tpl: 'oscillation_value_template', p: 'platform', pct_cmd_t: 'percentage_command_topic', pct_cmd_tpl: 'percentage_command_template',
  pct_stat_t: 'percentage_state_topic', pct_val_tpl: 'percentage_value_template', pl: 'payload', pl_arm_away: 'payload_arm_away',
  pl_arm_custom_b: 'payload_arm_custom_bypass', pl_arm_home: 'payload_arm_home', pl_arm_nite: 'payload_arm_night', pl_arm_vacation: 'payload_arm_vacation',
  pl_avail: 'payload_available', pl_cln_sp: 'payload_clean_spot', pl_cls: 'payload_close', pl_dir_fwd: 'payload_direction_forward',
  pl_dir_rev: 'payload_direction_reverse', pl_disarm: 'payload_disarm', pl_home: 'payload_home', pl_inst: 'payload_install', pl_loc: 'payload_locate',
  pl_lock: 'payload_lock', pl_not_avail: 'payload_not_available', pl_not_home: 'payload_not_home', pl_off: 'payload_off', pl_on: 'payload_on',
  pl_open: 'payload_open', pl_osc_off: 'payload_oscillation_off', pl_osc_on: 'payload_oscillation_on', pl_paus: 'payload_pause', pl_prs: 'payload_press',
  pl_ret: 'payload_return_to_base', pl_rst: 'payload_reset', pl_rst_hum: 'payload_reset_humidity', pl_rst_mode: 'payload_reset_mode',
  pl_rst_pct: 'payload_reset_percentage', pl_rst_pr_mode: 'payload_reset_preset_mode', pl_stop: 'payload_stop', pl_stop_tilt: 'payload_stop_tilt',
  pl_stpa: 'payload_start_pause', pl_strt: 'payload_start', pl_toff: 'payload_turn_off', pl_ton: 'payload_turn_on', pl_trig: 'payload_trigger',
  pl_unlk: 'payload_unlock', pos: 'reports_position', pos_clsd: 'position_closed', pos_open: 'position_open', pr_mode_cmd_t: 'preset_mode_command_topic',
  pr_mode_cmd_tpl: 'preset_mode_command_template', pr_mode_stat_t: 'preset_mode_state_topic', pr_mode_val_tpl: 'preset_mode_value_template',
  pr_modes: 'preset_modes', ptrn: 'pattern', r_tpl: 'red_template', rel_s: 'release_summary', rel_u: 'release_url', ret: 'retain',
  rgb_cmd_t: 'rgb_command_topic', rgb_cmd_tpl: 'rgb_command_template', rgb_stat_t: 'rgb_state_topic', rgb_val_tpl: 'rgb_value_template',
  rgbw_cmd_t: 'rgbw_command_topic', rgbw_cmd_tpl: 'rgbw_command_template', rgbw_stat_t: 'rgbw_state_topic', rgbw_val_tpl: 'rgbw_value_template',
  rgbww_cmd_t: 'rgbww_command_topic', rgbww_cmd_tpl: 'rgbww_command_template', rgbww_stat_t: 'rgbww_state_topic', rgbww_val_tpl: 'rgbww_value_template',
  send_cmd_t: 'send_command_topic', send_if_off: 'send_if_off', set_fan_spd_t: 'set_fan_speed_topic', set_pos_t: 'set_position_topic',
  set_pos_tpl: 'set_position_template', pos_t: 'position_topic', pos_tpl: 'position_template', spd_rng_min: 'speed_range_min',
  spd_rng_max: 'speed_range_max', src_type: 'source_type', stat_cla: 'state_class', stat_closing: 'state_closing', stat_clsd: 'state_closed',
  stat_jam: 'state_jammed', stat_locked: 'state_locked', stat_locking: 'state_locking', stat_off: 'state_off', stat_on: 'state_on', stat_open: 'state_open',
  stat_opening: 'state_opening', stat_stopped: 'state_stopped', stat_unlocked: 'state_unlocked', stat_unlocking: 'state_unlocking', stat_t: 'state_topic',
  stat_tpl: 'state_template', stat_val_tpl: 'state_value_template', step: 'step', stype: 'subtype', sug_dsp_prc: 'suggested_display_precision',
  sup_clrm: 'supported_color_modes', sup_dur: 'support_duration', sup_vol: 'support_volume_set', sup_feat: 'supported_features',
  swing_mode_cmd_t: 'swing_mode_command_topic', swing_mode_cmd_tpl: 'swing_mode_command_template', swing_mode_stat_t: 'swing_mode_state_topic',
  swing_mode_stat_tpl: 'swing_mode_state_template', t: 'topic', temp_cmd_t: 'temperature_command_topic', temp_cmd_tpl: 'temperature_command_template',
  temp_hi_cmd_t: 'temperature_high_command_topic', temp_hi_cmd_tpl: 'temperature_high_command_template', temp_hi_stat_t: 'temperature_high_state_topic',
  temp_hi_stat_tpl: 'temperature_high_state_template', temp_lo_cmd_t: 'temperature_low_command_topic', temp_lo_cmd_tpl: 'temperature_low_command_template',
  temp_lo_stat_t: 'temperature_low_state_topic', temp_lo_stat_tpl: 'temperature_low_state_template', temp_stat_t: 'temperature_state_topic',
  temp_stat_tpl: 'temperature_state_template', temp_unit: 'temperature_unit', tilt_clsd_val: 'tilt_closed_value', tilt_cmd_t: 'tilt_command_topic',
  tilt_cmd_tpl: 'tilt_command_template', tilt_max: 'tilt_max', tilt_min: 'tilt_min', tilt_opnd_val: 'tilt_opened_value', tilt_opt: 'tilt_optimistic',
  tilt_status_t: 'tilt_status_topic', tilt_status_tpl: 'tilt_status_template', tit: 'title', trns: 'transition', uniq_id: 'unique_id',
  unit_of_meas: 'unit_of_measurement', url_t: 'url_topic', url_tpl: 'url_template', val_tpl: 'value_template', whit_cmd_t: 'white_command_topic',
  whit_scl: 'white_scale', xy_cmd_t: 'xy_command_topic', xy_cmd_tpl: 'xy_command_template', xy_stat_t: 'xy_state_topic', xy_val_tpl: 'xy_value_template',
};
const DEVICE_ABBREVIATIONS: Record<string, string> = {
  cu: 'configuration_url', cns: 'connections', ids: 'identifiers', name: 'name', mf: 'manufacturer', mdl: 'model', mdl_id: 'model_id',
  hw: 'hw_version', sw: 'sw_version', sa: 'suggested_area', sn: 'serial_number',
};
const ORIGIN_ABBREVIATIONS: Record<string, string> = { name: 'name', sw: 'sw_version', url: 'support_url' };

const DEVICE_KEYS = new Set([...Object.values(DEVICE_ABBREVIATIONS), 'via_device']);
const ORIGIN_KEYS = new Set(Object.values(ORIGIN_ABBREVIATIONS));
const AVAILABILITY_KEYS = new Set(['topic', 'payload_available', 'payload_not_available', 'value_template']);

const COMMON = ['availability', 'availability_mode', 'availability_template', 'availability_topic', 'default_entity_id', 'device', 'device_class',
  'enabled_by_default', 'encoding', 'entity_category', 'entity_picture', 'expire_after', 'force_update', 'icon', 'json_attributes_template',
  'json_attributes_topic', 'name', 'origin', 'payload_available', 'payload_not_available', 'platform', 'qos', 'state_topic', 'unique_id', 'value_template', '~'];
/** The options of the components vipgate announces. */
const OPTIONS: Record<string, ReadonlySet<string>> = {
  sensor: new Set([...COMMON, 'last_reset_value_template', 'options', 'suggested_display_precision', 'state_class', 'unit_of_measurement']),
  binary_sensor: new Set([...COMMON, 'off_delay', 'payload_off', 'payload_on']),
};
const REQUIRED: Record<string, readonly string[]> = { sensor: ['state_topic'], binary_sensor: ['state_topic'] };

const SENSOR_DEVICE_CLASSES = new Set(['absolute_humidity', 'apparent_power', 'aqi', 'area', 'atmospheric_pressure', 'battery', 'blood_glucose_concentration',
  'carbon_dioxide', 'carbon_monoxide', 'current', 'data_rate', 'data_size', 'date', 'distance', 'duration', 'energy', 'energy_distance', 'energy_storage',
  'enum', 'frequency', 'gas', 'humidity', 'illuminance', 'irradiance', 'moisture', 'monetary', 'nitrogen_dioxide', 'nitrogen_monoxide', 'nitrous_oxide',
  'ozone', 'ph', 'pm1', 'pm10', 'pm25', 'power_factor', 'power', 'precipitation', 'precipitation_intensity', 'pressure', 'reactive_power',
  'signal_strength', 'sound_pressure', 'speed', 'sulphur_dioxide', 'temperature', 'timestamp', 'volatile_organic_compounds',
  'volatile_organic_compounds_parts', 'voltage', 'volume', 'volume_flow_rate', 'volume_storage', 'water', 'weight', 'wind_direction', 'wind_speed']);
const BINARY_SENSOR_DEVICE_CLASSES = new Set(['battery', 'battery_charging', 'carbon_monoxide', 'cold', 'connectivity', 'door', 'garage_door', 'gas',
  'heat', 'light', 'lock', 'moisture', 'motion', 'moving', 'occupancy', 'opening', 'plug', 'power', 'presence', 'problem', 'running', 'safety',
  'smoke', 'sound', 'tamper', 'update', 'vibration', 'window']);
const STATE_CLASSES = new Set(['measurement', 'measurement_angle', 'total', 'total_increasing']);
const DURATION_UNITS = new Set(['d', 'h', 'min', 's', 'ms', 'µs']);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const TOPIC = /^([^/#+]+)\/([a-z_]+)\/(?:([a-zA-Z0-9_-]+)\/)?([a-zA-Z0-9_-]+)\/config$/;

/** Expand abbreviations; a key written both ways, or unknown to `table`, is a problem. */
function expand(o: Obj, table: Record<string, string>, where: string, problems: string[]): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) {
    const full = table[k] ?? k;
    if (full in out) problems.push(`${where}${full} is given twice (abbreviated and in full)`);
    out[full] = v;
  }
  return out;
}

function checkDevice(d: unknown, problems: string[]): void {
  if (!isObj(d)) { problems.push('device must be a mapping'); return; }
  const dev = expand(d, DEVICE_ABBREVIATIONS, 'device.', problems);
  for (const k of Object.keys(dev)) if (!DEVICE_KEYS.has(k)) problems.push(`device.${k} is not a device option`);
  const ids = dev.identifiers;
  if (ids === undefined && dev.connections === undefined) problems.push('device needs identifiers or connections');
  if (ids !== undefined && typeof ids !== 'string' && !(Array.isArray(ids) && ids.length > 0 && ids.every((x) => typeof x === 'string'))) problems.push('device.identifiers must be a string or a list of strings');
  for (const k of ['name', 'manufacturer', 'model', 'sw_version', 'via_device']) if (dev[k] !== undefined && typeof dev[k] !== 'string') problems.push(`device.${k} must be a string`);
  if (dev.configuration_url !== undefined && !/^(https?|homeassistant):\/\/./.test(String(dev.configuration_url))) problems.push('device.configuration_url must be http://, https:// or homeassistant://');
}

function checkAvailability(c: Obj, problems: string[]): void {
  if (c.availability !== undefined && c.availability_topic !== undefined) problems.push('availability and availability_topic must not be used together');
  if (c.availability !== undefined) {
    if (!Array.isArray(c.availability) || c.availability.length === 0) problems.push('availability must be a non-empty list');
    else {
      for (const a of c.availability) {
        if (!isObj(a)) { problems.push('availability entries are mappings'); continue; }
        const e = expand(a, ABBREVIATIONS, 'availability.', problems);
        if (typeof e.topic !== 'string' || e.topic === '') problems.push('availability.topic is required');
        for (const k of Object.keys(e)) if (!AVAILABILITY_KEYS.has(k)) problems.push(`availability.${k} is not an availability option`);
      }
    }
  }
  if (c.availability_mode !== undefined && !['all', 'any', 'latest'].includes(String(c.availability_mode))) problems.push('availability_mode must be all, any or latest');
}

/** What is wrong with one discovery message (topic and payload as published); empty: Home Assistant takes it. */
export function discoveryProblems(topic: string, payload: string, prefix = 'homeassistant'): string[] {
  const problems: string[] = [];
  const m = TOPIC.exec(topic);
  if (!m || m[1] !== prefix) return [`topic ${topic} is not ${prefix}/<component>/[<node_id>/]<object_id>/config`];
  const component = m[2]!;
  if (!COMPONENTS.has(component)) return [`${component} is not a component MQTT discovery supports`];
  if (payload === '') return [];
  let raw: unknown;
  try { raw = JSON.parse(payload); } catch { return ['the payload is not JSON']; }
  if (!isObj(raw)) return ['the payload must be a JSON object'];
  const c = expand(raw, ABBREVIATIONS, '', problems);
  const known = OPTIONS[component];
  if (!known) return [`no schema here for ${component}`];
  for (const k of Object.keys(c)) if (!known.has(k)) problems.push(`${k} is not a ${component} option${k === 'object_id' ? ' (deprecated: use default_entity_id)' : ''}`);
  for (const k of REQUIRED[component] ?? []) if (typeof c[k] !== 'string' || c[k] === '') problems.push(`${k} is required`);
  if (c.platform !== undefined) problems.push('platform belongs to device discovery payloads only');
  if (c.device !== undefined) {
    checkDevice(c.device, problems);
    if (typeof c.unique_id !== 'string') problems.push('device needs unique_id');
  }
  if (c.origin !== undefined) {
    if (!isObj(c.origin)) problems.push('origin must be a mapping');
    else {
      const o = expand(c.origin, ORIGIN_ABBREVIATIONS, 'origin.', problems);
      if (typeof o.name !== 'string' || o.name === '') problems.push('origin.name is required');
      for (const k of Object.keys(o)) if (!ORIGIN_KEYS.has(k)) problems.push(`origin.${k} is not an origin option`);
    }
  }
  if (c.default_entity_id !== undefined && !new RegExp(`^${component}\\.[a-z0-9_]+$`).test(String(c.default_entity_id))) {
    problems.push(`default_entity_id ${String(c.default_entity_id)} is not ${component}.<lower-case object id>`);
  }
  checkAvailability(c, problems);
  const classes = component === 'sensor' ? SENSOR_DEVICE_CLASSES : BINARY_SENSOR_DEVICE_CLASSES;
  if (c.device_class !== undefined && c.device_class !== null && !classes.has(String(c.device_class))) problems.push(`device_class ${String(c.device_class)} is not a ${component} device class`);
  if (component === 'sensor') {
    if (c.state_class !== undefined && !STATE_CLASSES.has(String(c.state_class))) problems.push(`state_class ${String(c.state_class)} is not a state class`);
    if (c.options !== undefined) {
      if (!Array.isArray(c.options) || c.options.length === 0 || !c.options.every((x) => typeof x === 'string')) problems.push('options must be a non-empty list of strings');
      if (c.device_class !== 'enum') problems.push('options need device_class enum');
      if (c.state_class !== undefined || c.unit_of_measurement !== undefined) problems.push('options exclude state_class and unit_of_measurement');
    }
    if (c.device_class === 'enum' && c.options === undefined) problems.push('device_class enum needs options');
    if (c.device_class === 'duration' && !DURATION_UNITS.has(String(c.unit_of_measurement))) problems.push('a duration needs a time unit');
    if (c.entity_category !== undefined && c.entity_category !== 'diagnostic') problems.push('a sensor\'s entity_category can only be diagnostic');
  }
  return problems;
}
