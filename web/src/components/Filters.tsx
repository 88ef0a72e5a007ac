import { useId, useState } from 'react';
import type { ProductFilters } from '../api.ts';
import { ARTICLE_TYPES, COLOURS, GENDERS, SEASONS, USAGES } from '../catalog-vocab.ts';

export type FilterKey = keyof ProductFilters;

function Select({ label, value, options, onChange }: { label: string; value: string | undefined; options: string[]; onChange: (v: string | undefined) => void }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value ?? ''} onChange={(e) => onChange(e.target.value || undefined)}>
        <option value="">Any</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </div>
  );
}

function PriceInput({ label, value, onChange }: { label: string; value: number | undefined; onChange: (v: number | undefined) => void }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="with-prefix">
        <span aria-hidden="true">₹</span>
        <input
          id={id}
          type="number"
          inputMode="numeric"
          min={0}
          step={100}
          value={value ?? ''}
          onChange={(e) => onChange(e.target.value === '' ? undefined : Math.max(0, Number(e.target.value)))}
        />
      </div>
    </div>
  );
}

/**
 * The filter panel, shared by search (all filters) and browse (the ones the listing route takes).
 * `fields` picks which filters show; the value object is the API's ProductFilters shape.
 */
export function Filters({
  value,
  onChange,
  fields = ['gender', 'articleType', 'baseColour', 'usage', 'season', 'priceMin', 'priceMax', 'inStock'],
  articleLabel = 'Category',
}: {
  value: ProductFilters;
  onChange: (f: ProductFilters) => void;
  fields?: FilterKey[];
  articleLabel?: string;
}) {
  const set = <K extends FilterKey>(k: K, v: ProductFilters[K]) => onChange({ ...value, [k]: v });
  const has = (k: FilterKey) => fields.includes(k);
  const typeId = useId();
  const active = Object.entries(value).filter(([, v]) => v !== undefined && v !== '' && v !== false).length;
  return (
    <fieldset className="filters">
      <legend>
        Filters{active > 0 && <span className="badge">{active}</span>}
      </legend>
      {has('gender') && <Select label="Gender" value={value.gender} options={GENDERS} onChange={(v) => set('gender', v)} />}
      {has('articleType') && (
        <div className="field">
          <label htmlFor={typeId}>{articleLabel}</label>
          <input id={typeId} list={`${typeId}-list`} placeholder="e.g. Shirts" value={value.articleType ?? ''} onChange={(e) => set('articleType', e.target.value || undefined)} />
          <datalist id={`${typeId}-list`}>
            {ARTICLE_TYPES.map((t) => (
              <option key={t} value={t} />
            ))}
          </datalist>
        </div>
      )}
      {has('baseColour') && <Select label="Colour" value={value.baseColour} options={COLOURS} onChange={(v) => set('baseColour', v)} />}
      {has('usage') && <Select label="Occasion" value={value.usage} options={USAGES} onChange={(v) => set('usage', v)} />}
      {has('season') && <Select label="Season" value={value.season} options={SEASONS} onChange={(v) => set('season', v)} />}
      {(has('priceMin') || has('priceMax')) && (
        <div className="price-range">
          {has('priceMin') && <PriceInput label="Min price" value={value.priceMin} onChange={(v) => set('priceMin', v)} />}
          {has('priceMax') && <PriceInput label="Max price" value={value.priceMax} onChange={(v) => set('priceMax', v)} />}
        </div>
      )}
      {has('inStock') && (
        <label className="check">
          <input type="checkbox" checked={Boolean(value.inStock)} onChange={(e) => set('inStock', e.target.checked || undefined)} /> In stock only
        </label>
      )}
      {active > 0 && (
        <button type="button" className="link-btn small" onClick={() => onChange({})}>
          Clear filters
        </button>
      )}
    </fieldset>
  );
}

/** Filters <-> URL query, so a search or listing can be shared and the back button restores it. */
export function filtersFromQuery(q: URLSearchParams, keys: FilterKey[]): ProductFilters {
  const f: ProductFilters = {};
  for (const k of keys) {
    const v = q.get(k === 'articleType' && q.has('category') ? 'category' : k);
    if (v === null || v === '') continue;
    if (k === 'priceMin' || k === 'priceMax') {
      const n = Number(v);
      if (Number.isFinite(n)) f[k] = n;
    } else if (k === 'inStock') f.inStock = v === 'true' || v === '1';
    else (f as Record<string, string>)[k] = v;
  }
  return f;
}

/** The filters in a sidebar; on small screens they fold behind a "Filters" button so results come first. */
export function FilterSidebar(props: Parameters<typeof Filters>[0]) {
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const active = Object.values(props.value).filter((v) => v !== undefined && v !== '' && v !== false).length;
  return (
    <aside className={`sidebar${open ? ' open' : ''}`}>
      <button type="button" className="btn filters-toggle" aria-expanded={open} aria-controls={panelId} onClick={() => setOpen((o) => !o)}>
        {open ? 'Hide filters' : 'Filters'}
        {active > 0 && <span className="badge">{active}</span>}
      </button>
      <div id={panelId} className="filters-panel">
        <Filters {...props} />
      </div>
    </aside>
  );
}
