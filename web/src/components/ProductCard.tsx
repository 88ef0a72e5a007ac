import type { Product, SearchResult } from '../api.ts';
import { discountPercent, formatPrice } from '../format.ts';
import { Link } from '../router.tsx';

/** What a card shows, from either a catalog product or a search hit. */
export interface CardItem {
  id: string;
  title: string;
  brand: string;
  price: number;
  discountedPrice?: number;
  currency: string;
  imageUrl?: string;
  subtitle?: string;
  score?: number;
}

export const productImage = (p: Pick<Product, 'imageUrl' | 'imageUrls'>) => p.imageUrl ?? p.imageUrls?.[0];

export function fromProduct(p: Product): CardItem {
  return {
    id: p.id,
    title: p.title,
    brand: p.brand,
    price: p.price,
    discountedPrice: p.discountedPrice,
    currency: p.currency,
    imageUrl: productImage(p),
    subtitle: [p.baseColour, p.articleType].filter(Boolean).join(' · '),
  };
}

export function fromResult(r: SearchResult): CardItem {
  return {
    id: r.productId,
    title: r.title,
    brand: r.brand,
    price: r.price,
    discountedPrice: r.discountedPrice,
    currency: r.currency,
    imageUrl: r.imageUrl ?? undefined,
    subtitle: [r.baseColour, r.articleType].filter(Boolean).join(' · '),
    score: r.score,
  };
}

export function ProductCard({ item, showScore }: { item: CardItem; showScore?: boolean }) {
  const off = discountPercent(item.price, item.discountedPrice);
  return (
    <li className="card">
      <Link to={`/p/${encodeURIComponent(item.id)}`} className="card-link" data-testid="product-card">
        <div className="card-img">
          {item.imageUrl ? <img src={item.imageUrl} alt={item.title} loading="lazy" decoding="async" /> : <div className="img-missing" role="img" aria-label={`No image for ${item.title}`} />}
          {showScore && item.score !== undefined && (
            <span className="score" title="Similarity score">
              {item.score.toFixed(3)}
            </span>
          )}
        </div>
        <div className="card-body">
          {item.brand && <div className="brand">{item.brand}</div>}
          <div className="title">{item.title}</div>
          {item.subtitle && <div className="muted small">{item.subtitle}</div>}
          <div className="price">
            {off !== undefined ? (
              <>
                <strong>{formatPrice(item.discountedPrice, item.currency)}</strong> <s className="muted">{formatPrice(item.price, item.currency)}</s> <span className="off">{off}% off</span>
              </>
            ) : (
              <strong>{formatPrice(item.price, item.currency)}</strong>
            )}
          </div>
        </div>
      </Link>
    </li>
  );
}

export function ProductGrid({ items, showScore, label }: { items: CardItem[]; showScore?: boolean; label: string }) {
  return (
    <ul className="grid" aria-label={label}>
      {items.map((it) => (
        <ProductCard key={it.id} item={it} showScore={showScore} />
      ))}
    </ul>
  );
}

export function GridSkeleton({ count = 8 }: { count?: number }) {
  return (
    <ul className="grid" aria-hidden="true">
      {Array.from({ length: count }, (_, i) => (
        <li key={i} className="card skeleton">
          <div className="card-img" />
          <div className="card-body">
            <div className="bar" />
            <div className="bar short" />
          </div>
        </li>
      ))}
    </ul>
  );
}
