import { useEffect, useState } from 'react';
import { api, type Product, type SearchResult } from '../api.ts';
import { EmptyState, ErrorNotice, Spinner } from '../components/Notice.tsx';
import { fromResult, GridSkeleton, productImage, ProductGrid } from '../components/ProductCard.tsx';
import { colourCss, discountPercent, formatPrice, humanize } from '../format.ts';
import { Link } from '../router.tsx';

/** Catalog attributes that say nothing to a shopper (sizing-chart notes). */
const HIDDEN_ATTRS = new Set(['bodyOrGarmentSize']);

type Load<T> = { kind: 'loading' } | { kind: 'ok'; value: T } | { kind: 'error'; error: unknown };

export function ProductPage({ id }: { id: string }) {
  const [product, setProduct] = useState<Load<Product>>({ kind: 'loading' });
  const [similar, setSimilar] = useState<Load<SearchResult[]>>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const ctl = new AbortController();
    setProduct({ kind: 'loading' });
    setSimilar({ kind: 'loading' });
    api.getProduct(id, ctl.signal).then(
      (p) => {
        setProduct({ kind: 'ok', value: p });
        document.title = `${p.title} · Lookbook`;
      },
      (error) => !ctl.signal.aborted && setProduct({ kind: 'error', error }),
    );
    api.similar(id, { topK: 12 }, ctl.signal).then(
      (r) => setSimilar({ kind: 'ok', value: r.results }),
      (error) => !ctl.signal.aborted && setSimilar({ kind: 'error', error }),
    );
    return () => {
      ctl.abort();
      document.title = 'Lookbook';
    };
  }, [id, attempt]);

  if (product.kind === 'loading')
    return (
      <p className="meta">
        <Spinner /> Loading product…
      </p>
    );
  if (product.kind === 'error') return <ErrorNotice error={product.error} onRetry={() => setAttempt((a) => a + 1)} />;
  const p = product.value;

  return (
    <article className="product-page">
      <nav aria-label="Breadcrumb" className="crumbs small">
        <Link to="/browse">Catalog</Link> › <Link to={`/browse?category=${encodeURIComponent(p.articleType)}`}>{p.articleType}</Link> ›{' '}
        <span aria-current="page">{p.title}</span>
      </nav>
      <div className="product">
        <div className="product-img">
          {productImage(p) ? <img src={productImage(p)} alt={p.title} /> : <div className="img-missing" role="img" aria-label="No image" />}
        </div>
        <div className="product-info">
          {p.brand && <p className="brand">{p.brand}</p>}
          <h1 data-testid="product-title">{p.title}</h1>
          <Price p={p} />
          <p className="stock small">{p.stock === undefined ? null : p.stock > 0 ? <span className="ok">In stock</span> : <span className="warn">Out of stock</span>}</p>
          <ul className="tags" aria-label="Tags">
            {[p.gender, p.usage, p.season, p.year ? String(p.year) : ''].filter(Boolean).map((t) => (
              <li key={t} className="chip static">
                {t}
              </li>
            ))}
            {p.baseColour && (
              <li className="chip static">
                <span className="swatch" style={{ background: colourCss(p.baseColour) }} aria-hidden="true" /> {p.baseColour}
              </li>
            )}
          </ul>
          {p.sizes && p.sizes.length > 0 && (
            <div className="sizes">
              <h2 className="h3">Sizes</h2>
              <ul>
                {p.sizes.map((s) => (
                  <li key={s} className="size">
                    {s}
                  </li>
                ))}
              </ul>
            </div>
          )}
          <h2 className="h3">Details</h2>
          <dl className="attrs">
            <Row k="Category" v={[p.masterCategory, p.subCategory, p.articleType].filter((c, i, all) => c && c !== all[i - 1]).join(' › ')} />
            {p.colours && p.colours.length > 0 && <Row k="Colours" v={p.colours.join(', ')} />}
            {Object.entries(p.attributes ?? {})
              .filter(([k, v]) => v && v !== 'NA' && !HIDDEN_ATTRS.has(k))
              .map(([k, v]) => (
                <Row key={k} k={humanize(k)} v={v} />
              ))}
            {p.sku && <Row k="SKU" v={p.sku} />}
          </dl>
          {p.description && (
            <>
              <h2 className="h3">Description</h2>
              <p className="description">{p.description}</p>
            </>
          )}
        </div>
      </div>

      <section className="similar" aria-labelledby="similar-title">
        <h2 id="similar-title">Similar items</h2>
        {similar.kind === 'loading' && <GridSkeleton count={6} />}
        {similar.kind === 'error' && <ErrorNotice error={similar.error} />}
        {similar.kind === 'ok' &&
          (similar.value.length ? (
            <ProductGrid items={similar.value.map(fromResult)} label="Similar items" />
          ) : (
            <EmptyState title="No similar items yet" />
          ))}
      </section>
    </article>
  );
}

function Row({ k, v }: { k: string; v: string }) {
  return (
    <>
      <dt>{k}</dt>
      <dd>{v}</dd>
    </>
  );
}

function Price({ p }: { p: Product }) {
  const off = discountPercent(p.price, p.discountedPrice);
  return (
    <p className="big-price">
      {off !== undefined ? (
        <>
          <strong>{formatPrice(p.discountedPrice, p.currency)}</strong> <s className="muted">{formatPrice(p.price, p.currency)}</s> <span className="off">{off}% off</span>
        </>
      ) : (
        <strong>{formatPrice(p.price, p.currency)}</strong>
      )}
      <span className="muted small"> incl. of taxes</span>
    </p>
  );
}
