import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, type ProductFilters, type SearchRequest, type SearchResponse } from '../api.ts';
import { FilterSidebar, filtersFromQuery, type FilterKey } from '../components/Filters.tsx';
import { FaceOptIn } from '../components/FaceOptIn.tsx';
import { ImageDrop } from '../components/ImageDrop.tsx';
import { EmptyState, ErrorNotice, Spinner } from '../components/Notice.tsx';
import { fromResult, GridSkeleton, ProductGrid } from '../components/ProductCard.tsx';
import { Link, navigate, useLocation } from '../router.tsx';
import { INLINE_MAX_BYTES, shrinkPhoto, toBase64, uploadPhoto, waitForAnalysis } from '../uploads.ts';

const FILTER_KEYS: FilterKey[] = ['gender', 'articleType', 'baseColour', 'usage', 'season', 'priceMin', 'priceMax', 'inStock'];
const EXAMPLES = ['navy slim fit checked shirt', 'black running shoes', 'red kurta for women', 'brown leather wallet', 'white sneakers', 'floral summer dress'];
const TOP_K = 40;

type State =
  | { kind: 'idle' }
  | { kind: 'loading'; step: string }
  | { kind: 'done'; res: SearchResponse; query: string; hasImage: boolean }
  | { kind: 'error'; error: unknown };

type ImagePart = Pick<SearchRequest, 'imageKey' | 'imageBase64'> & { uploadId?: string };

function queryString(text: string, f: ProductFilters): string {
  const p = new URLSearchParams();
  if (text.trim()) p.set('q', text.trim());
  for (const [k, v] of Object.entries(f)) if (v !== undefined && v !== '' && v !== false) p.set(k, String(v));
  const s = p.toString();
  return s ? `/?${s}` : '/';
}

export function SearchPage() {
  const { query } = useLocation();
  const [text, setText] = useState(() => query.get('q') ?? '');
  const [filters, setFilters] = useState<ProductFilters>(() => filtersFromQuery(query, FILTER_KEYS));
  const [file, setFile] = useState<File>();
  const [alpha, setAlpha] = useState(0.5);
  const [state, setState] = useState<State>({ kind: 'idle' });
  const [analysing, setAnalysing] = useState(false);
  const [faceOptIn, setFaceOptIn] = useState(false);
  const image = useRef<{ file: File; part: ImagePart }>(undefined);
  const inflight = useRef<AbortController>(undefined);
  const searchedOnce = useRef(false);
  const textId = useId();
  const alphaId = useId();

  const hasText = text.trim().length > 0;
  const both = hasText && Boolean(file);

  /** Small photos go inline; larger ones are uploaded and analysed once, then reused for every α or filter change. */
  async function imagePart(f: File, signal: AbortSignal, step: (s: string) => void): Promise<ImagePart> {
    if (image.current?.file === f) return image.current.part;
    const blob = await shrinkPhoto(f);
    let part: ImagePart;
    if (blob.size <= INLINE_MAX_BYTES) {
      part = { imageBase64: await toBase64(blob) };
    } else {
      step('Uploading your photo…');
      const ticket = await uploadPhoto(blob, 'search');
      step('Analysing your photo…');
      const a = await waitForAnalysis(ticket.uploadId, { signal });
      if (a.status === 'failed') throw new ApiError(422, 'ANALYSIS_FAILED', a.error?.message ?? 'We could not read that photo. Try another one.');
      part = { imageKey: ticket.key, uploadId: ticket.uploadId };
    }
    image.current = { file: f, part };
    return part;
  }

  async function run(next: { text: string; filters: ProductFilters; file?: File; alpha: number }) {
    inflight.current?.abort();
    const ctl = new AbortController();
    inflight.current = ctl;
    const q = next.text.trim();
    navigate(queryString(q, next.filters), { replace: true });
    if (!q && !next.file) {
      setState({ kind: 'idle' });
      return;
    }
    searchedOnce.current = true;
    setState({ kind: 'loading', step: 'Searching…' });
    try {
      const img = next.file ? await imagePart(next.file, ctl.signal, (step) => setState({ kind: 'loading', step })) : {};
      setState({ kind: 'loading', step: 'Searching…' });
      const res = await api.search({ text: q, imageKey: img.imageKey, imageBase64: img.imageBase64, alpha: next.alpha, topK: TOP_K, filters: next.filters }, ctl.signal);
      if (!ctl.signal.aborted) setState({ kind: 'done', res, query: q, hasImage: Boolean(next.file) });
    } catch (error) {
      if (ctl.signal.aborted || (error as Error)?.name === 'AbortError') return;
      setState({ kind: 'error', error });
    }
  }

  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    void run({ text, filters, file, alpha });
  };

  // A shared link (/?q=…) searches straight away.
  useEffect(() => {
    if (text.trim()) void run({ text, filters, file, alpha });
    return () => inflight.current?.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // A new photo searches at once; removing it re-runs the words alone.
  const mounted = useRef(false);
  useEffect(() => {
    if (!mounted.current) return;
    if (file || searchedOnce.current) void run({ text, filters, file, alpha });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [file]);

  // Once results are showing, filters and α re-run the search (debounced for the slider and the price boxes).
  const alphaMatters = both ? alpha : -1;
  useEffect(() => {
    if (!mounted.current || !searchedOnce.current) return;
    const t = setTimeout(() => void run({ text, filters, file, alpha }), 300);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [filters, alphaMatters]);

  // Declared last so the effects above skip the first render.
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  async function analyse() {
    if (!file) return;
    // An upload made for the search can be reused unless face styling was asked for after it.
    const known = image.current?.file === file && !faceOptIn ? image.current.part.uploadId : undefined;
    if (known) return navigate(`/uploads/${encodeURIComponent(known)}`);
    setAnalysing(true);
    try {
      const ticket = await uploadPhoto(await shrinkPhoto(file), 'search', { faceOptIn: faceOptIn || undefined });
      navigate(`/uploads/${encodeURIComponent(ticket.uploadId)}`);
    } catch (error) {
      setState({ kind: 'error', error });
    } finally {
      setAnalysing(false);
    }
  }

  return (
    <div className="search-page">
      <section className="hero" aria-labelledby="search-title">
        <h1 id="search-title">Find it by words, by photo, or both</h1>
        <form className="search-form" role="search" onSubmit={submit}>
          <div className="search-row">
            <div className="search-box">
              <label htmlFor={textId} className="sr-only">
                Describe what you're looking for
              </label>
              <input
                id={textId}
                type="search"
                placeholder="navy slim fit checked shirt"
                value={text}
                onChange={(e) => setText(e.target.value)}
                autoComplete="off"
                enterKeyHint="search"
              />
              <button type="submit" className="btn primary" disabled={!hasText && !file}>
                Search
              </button>
            </div>
            <ImageDrop file={file} onFile={setFile} compact />
          </div>
          {both && (
            <div className="alpha">
              <label htmlFor={alphaId}>Balance between your words and your photo</label>
              <div className="alpha-row">
                <span className="small">Words</span>
                <input
                  id={alphaId}
                  type="range"
                  min={0}
                  max={1}
                  step={0.05}
                  value={alpha}
                  onChange={(e) => setAlpha(Number(e.target.value))}
                  aria-valuetext={`${Math.round(alpha * 100)}% photo, ${Math.round((1 - alpha) * 100)}% words`}
                />
                <span className="small">Photo</span>
                <output htmlFor={alphaId} className="alpha-value">
                  α {alpha.toFixed(2)}
                </output>
              </div>
            </div>
          )}
          {file && (
            <details className="analyse">
              <summary>Analyse this photo and shop the look</summary>
              <FaceOptIn checked={faceOptIn} onChange={setFaceOptIn} />
              <button type="button" className="btn" onClick={analyse} disabled={analysing}>
                {analysing ? (
                  <>
                    <Spinner label="Uploading" /> Uploading…
                  </>
                ) : (
                  'Analyse my photo →'
                )}
              </button>
            </details>
          )}
        </form>
        {state.kind === 'idle' && (
          <div className="examples" aria-label="Example searches">
            <span className="muted small">Try:</span>
            {EXAMPLES.map((ex) => (
              <button
                key={ex}
                type="button"
                className="chip"
                onClick={() => {
                  setText(ex);
                  void run({ text: ex, filters, file, alpha });
                }}
              >
                {ex}
              </button>
            ))}
          </div>
        )}
      </section>

      <div className="with-sidebar">
        <FilterSidebar value={filters} onChange={setFilters} fields={FILTER_KEYS} />
        <section aria-live="polite" aria-busy={state.kind === 'loading'} className="results">
          {state.kind === 'loading' && (
            <>
              <p className="meta">
                <Spinner /> {state.step}
              </p>
              <GridSkeleton />
            </>
          )}
          {state.kind === 'error' && <ErrorNotice error={state.error} onRetry={() => submit()} />}
          {state.kind === 'done' && <Results state={state} imageUploadId={image.current?.part.uploadId} />}
          {state.kind === 'idle' && (
            <EmptyState title="Describe it, show it, or both">
              <p className="muted">Type what you have in mind, drop a photo of something you like, or combine them — e.g. a photo of a shirt plus “in red”.</p>
            </EmptyState>
          )}
        </section>
      </div>
    </div>
  );
}

function Results({ state, imageUploadId }: { state: Extract<State, { kind: 'done' }>; imageUploadId?: string }) {
  const { res } = state;
  return (
    <>
      <p className="meta" data-testid="search-meta">
        <strong>{res.results.length}</strong> {res.results.length === 1 ? 'result' : 'results'}
        {state.query && (
          <>
            {' '}
            for “{state.query}”{state.hasImage && ' + your photo'}
          </>
        )}
        <span className="pill">{res.searchType}</span>
        <span className="pill" title="α: weight of the photo in the query">
          α {res.alphaUsed.toFixed(2)}
        </span>
        {res.lexical && (
          <span className="pill" title="Keyword (BM25) ranking fused with the visual ranking">
            + keywords
          </span>
        )}
        {res.intent && Object.keys(res.intent.attributes).length > 0 && (
          <span className="pill" data-testid="search-intent" title="What your words (and photo) named in the catalog; products with all of it rank higher">
            understood:{' '}
            {Object.entries(res.intent.attributes)
              .map(([field, values]) => values.filter((v) => v !== 'Unisex').join(' or ') + (res.intent?.fromImage?.includes(field) ? ' (photo)' : ''))
              .join(' · ')}
          </span>
        )}
        <span className="pill">{res.tookMs.toFixed(0)} ms</span>
        {res.indexVersion && <span className="pill muted">index {res.indexVersion}</span>}
        {imageUploadId && (
          <Link className="small" to={`/uploads/${encodeURIComponent(imageUploadId)}`}>
            What we saw in your photo
          </Link>
        )}
      </p>
      {res.results.length === 0 ? (
        <EmptyState title="No matches">
          <p className="muted">Try fewer words, a broader colour, or clear some filters.</p>
        </EmptyState>
      ) : (
        <ProductGrid items={res.results.map(fromResult)} showScore label="Search results" />
      )}
    </>
  );
}
