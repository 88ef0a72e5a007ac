/** The printed table: one row per task metric, one column per system, then the target and published figures. */
import type { EvalReport } from './harness.ts';

const fmt = (v: number | null | undefined) => (v === null || v === undefined || Number.isNaN(v) ? '–' : v.toFixed(3));

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => (row[c] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (c ?? '').padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)];
}

export function formatReport(r: EvalReport): string {
  const systems = r.systems;
  const rows: string[][] = [];
  const onceRows: string[][] = [];
  for (const t of r.tasks) {
    if (t.kind === 'once') {
      const res = t.results['*'];
      for (const m of t.metrics) {
        const v = res && 'error' in res ? 'error' : fmt(res?.metrics[m.name]);
        onceRows.push([t.title, m.name, v, m.target ?? '']);
      }
      continue;
    }
    for (const m of t.metrics) {
      const cells = systems.map((s) => {
        const res = t.results[s.id];
        if (!res) return '';
        if ('error' in res) return 'error';
        return fmt(res.metrics[m.name]);
      });
      const pub = m.published ? Object.entries(m.published).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ') : '';
      rows.push([t.title, m.name, ...cells, m.target ?? '', pub]);
    }
  }
  const out: string[] = [];
  if (rows.length) out.push(...table(['task', 'metric', ...systems.map((s) => s.label), 'target', 'published (KAGL)'], rows));
  if (onceRows.length) out.push('', ...table(['pipeline task', 'metric', 'value', 'target'], onceRows));
  out.push('');
  out.push(`data: ${r.data}${r.limit ? `, --limit ${r.limit} (quick run: KAGL gallery = test fold only, not comparable)` : ''}; seed ${r.seed}; ${r.seconds.toFixed(0)} s`);
  for (const t of r.tasks) {
    const counts = Object.entries(t.results)
      .map(([id, res]) => ('count' in res ? `${id} ${res.count}` : `${id}: ${res.error}`))
      .join('; ');
    out.push(`- ${t.describe} [queries: ${counts}; ${t.seconds.toFixed(1)} s]`);
    const notes = new Set(Object.values(t.results).flatMap((res) => ('notes' in res ? res.notes ?? [] : [])));
    for (const n of notes) out.push(`  - ${n}`);
  }
  for (const s of systems) if (s.note) out.push(`- ${s.label}: ${s.note}`);
  out.push('- Published KAGL figures (marqo-ai/marqo-FashionCLIP LEADERBOARD.md) come from 224-px images and models trained on other data; ours see 60×80 thumbnails and train on the training fold only. Their label→product documents mix 0.9·image + 0.1·text; ours are image only.');
  return out.join('\n');
}
