import { useEffect } from 'react';
import { Link, matchRoute, useLocation } from './router.tsx';
import { SearchPage } from './pages/SearchPage.tsx';
import { BrowsePage } from './pages/BrowsePage.tsx';
import { ProductPage } from './pages/ProductPage.tsx';
import { UploadPage } from './pages/UploadPage.tsx';
import { WardrobePage } from './pages/WardrobePage.tsx';
import { EmptyState } from './components/Notice.tsx';

const NAV = [
  { to: '/', label: 'Search', match: 'search' },
  { to: '/browse', label: 'Browse', match: 'browse' },
  { to: '/wardrobe', label: 'Wardrobe', match: 'wardrobe' },
] as const;

export function App() {
  const { path } = useLocation();
  const route = matchRoute(path);

  // Move focus to the main region on navigation so screen-reader and keyboard users land on the new page.
  useEffect(() => {
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [path]);

  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <div className="wrap header-row">
          <Link to="/" className="logo" aria-label="Lookbook home">
            <span className="logo-mark" aria-hidden="true">
              L
            </span>
            <span className="logo-text">Lookbook</span>
          </Link>
          <nav aria-label="Main">
            <ul>
              {NAV.map((n) => (
                <li key={n.to}>
                  <Link to={n.to} aria-current={route.name === n.match ? 'page' : undefined}>
                    {n.label}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
        </div>
      </header>
      <main id="main" tabIndex={-1} className="wrap">
        {route.name === 'search' && <SearchPage />}
        {route.name === 'browse' && <BrowsePage />}
        {route.name === 'product' && <ProductPage key={route.id} id={route.id} />}
        {route.name === 'upload' && <UploadPage key={route.id} id={route.id} />}
        {route.name === 'wardrobe' && <WardrobePage />}
        {route.name === 'notFound' && (
          <EmptyState title="This page doesn't exist">
            <p>
              <Link to="/">Start a search</Link> or <Link to="/browse">browse the catalog</Link>.
            </p>
          </EmptyState>
        )}
      </main>
      <footer className="site-footer">
        <div className="wrap muted small">Lookbook · search by words, by photo, or both · prices in INR</div>
      </footer>
    </>
  );
}
