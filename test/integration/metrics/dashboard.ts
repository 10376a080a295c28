/**
 * What a Grafana dashboard (JSON model) asks Prometheus: every panel target's `expr` (rows' nested panels
 * included) and every query variable's `label_values(...)`, and the metric names a PromQL expression uses
 * (identifiers that are neither functions, keywords, label names in grouping clauses, strings nor Grafana
 * variables).
 */
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export interface DashboardQuery { readonly panel: string; readonly expr: string }

export function dashboardQueries(dashboard: unknown): DashboardQuery[] {
  if (!isObj(dashboard)) throw new Error('a dashboard is a JSON object');
  const out: DashboardQuery[] = [];
  const panels = (ps: unknown[]): void => {
    for (const p of ps.filter(isObj)) {
      for (const t of list(p.targets).filter(isObj)) if (typeof t.expr === 'string') out.push({ panel: String(p.title ?? '?'), expr: t.expr });
      panels(list(p.panels));
    }
  };
  panels(list(dashboard.panels));
  for (const v of list(isObj(dashboard.templating) ? dashboard.templating.list : []).filter(isObj)) {
    const q = isObj(v.query) ? v.query.query : v.query;
    if (v.type === 'query' && typeof q === 'string') out.push({ panel: `variable ${String(v.name)}`, expr: q.replace(/^label_values\((.*),\s*\w+\)$/, '$1') });
  }
  return out;
}

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'and', 'or', 'unless', 'inf', 'nan']);

export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  const names = [...stripped.matchAll(/(?<![\w.:])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:]|\s*\()/g)].map((m) => m[1]!);
  return [...new Set(names.filter((n) => !KEYWORDS.has(n.toLowerCase()) && !/^\d/.test(n)))];
}
