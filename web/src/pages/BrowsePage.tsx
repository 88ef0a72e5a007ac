import { useEffect, useRef, useState } from 'react';
import { api, type Product, type ProductFilters } from '../api.ts';
import { FilterSidebar, filtersFromQuery, type FilterKey } from '../components/Filters.tsx';
import { EmptyState, ErrorNotice, Spinner } from '../components/Notice.tsx';
import { fromProduct, GridSkeleton, ProductGrid } from '../components/ProductCard.tsx';
import { navigate, useLocation } from '../router.tsx';

// The listing route takes category (= articleType) and the other catalog filters.
const FILTER_KEYS: FilterKey[] = ['gender', 'articleType', 'baseColour', 'usage', 'season', 'priceMin', 'priceMax', 'inStock'];
const PAGE = 24;

/** The listing query for these filters (also the page's own URL, so it can be shared). */
function listQuery(f: ProductFilters) {
  const { articleType, ...rest } = f;
  return { ...rest, category: articleType };
}

function browseUrl(f: ProductFilters): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(listQuery(f))) if (v !== undefined && v !== '' && v !== false) p.set(k, String(v));
  const s = p.toString();
  return s ? `/browse?${s}` : '/browse';
}

export function BrowsePage() {
  const { query } = useLocation();
  const [filters, setFilters] = useState<ProductFilters>(() => filtersFromQuery(query, FILTER_KEYS));
  const [items, setItems] = useState<Product[]>([]);
  const [cursor, setCursor] = useState<string>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>();
  const inflight = useRef<AbortController>(undefined);

  async function load(f: ProductFilters, after?: string) {
    inflight.current?.abort();
    const ctl = new AbortController();
    inflight.current = ctl;
    setLoading(true);
    setError(undefined);
    try {
      const page = await api.listProducts({ ...listQuery(f), limit: PAGE, cursor: after }, ctl.signal);
      if (ctl.signal.aborted) return;
      setItems((prev) => (after ? [...prev, ...page.items.filter((p) => !prev.some((q) => q.id === p.id))] : page.items));
      setCursor(page.cursor ?? undefined);
    } catch (e) {
      if (ctl.signal.aborted || (e as Error)?.name === 'AbortError') return;
      setError(e);
    } finally {
      if (!ctl.signal.aborted) setLoading(false);
    }
  }

  // Filter changes restart the listing (typing in the category box is debounced).
  useEffect(() => {
    navigate(browseUrl(filters), { replace: true });
    const t = setTimeout(() => void load(filters), 250);
    return () => {
      clearTimeout(t);
      inflight.current?.abort();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [filters]);

  const first = loading && items.length === 0;
  return (
    <div className="browse-page">
      <h1>Browse the catalog</h1>
      <div className="with-sidebar">
        <FilterSidebar value={filters} onChange={setFilters} fields={FILTER_KEYS} />
        <section className="results" aria-live="polite" aria-busy={loading}>
          {error !== undefined && <ErrorNotice error={error} onRetry={() => void load(filters, cursor)} />}
          {first && <GridSkeleton />}
          {!first && items.length === 0 && error === undefined && (
            <EmptyState title="Nothing here yet">
              <p className="muted">No products match these filters. Try a wider price range or another category.</p>
            </EmptyState>
          )}
          {items.length > 0 && (
            <>
              <p className="meta">
                Showing <strong>{items.length}</strong> {items.length === 1 ? 'product' : 'products'}
                {cursor ? '' : ' (all of them)'}
              </p>
              <ProductGrid items={items.map(fromProduct)} label="Products" />
            </>
          )}
          {cursor && !first && (
            <div className="center">
              <button type="button" className="btn" disabled={loading} onClick={() => void load(filters, cursor)}>
                {loading ? <Spinner label="Loading more" /> : 'Load more'}
              </button>
            </div>
          )}
        </section>
      </div>
    </div>
  );
}
