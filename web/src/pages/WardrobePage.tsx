import { useEffect, useState } from 'react';
import { api, ApiError, type WardrobeItem } from '../api.ts';
import { ColourSwatches } from '../components/Analysis.tsx';
import { FaceOptIn } from '../components/FaceOptIn.tsx';
import { ImageDrop } from '../components/ImageDrop.tsx';
import { EmptyState, ErrorNotice, Spinner } from '../components/Notice.tsx';
import { Link } from '../router.tsx';
import { sessionId } from '../session.ts';
import { localPreview, shrinkPhoto, uploadPhoto, waitForAnalysis } from '../uploads.ts';

/** The shopper's wardrobe, keyed by the browser's session id: add photos of clothes you own. */
export function WardrobePage() {
  const owner = sessionId();
  const [items, setItems] = useState<WardrobeItem[]>();
  const [error, setError] = useState<unknown>();
  const [file, setFile] = useState<File>();
  const [face, setFace] = useState(false);
  const [busy, setBusy] = useState<string>();
  const [refresh, setRefresh] = useState(0);

  useEffect(() => {
    const ctl = new AbortController();
    api.wardrobe(owner, ctl.signal).then(
      (r) => setItems(r.items),
      (e) => !ctl.signal.aborted && setError(e),
    );
    return () => ctl.abort();
  }, [owner, refresh]);

  async function add() {
    if (!file) return;
    setError(undefined);
    try {
      setBusy('Uploading…');
      const ticket = await uploadPhoto(await shrinkPhoto(file), 'wardrobe', { sessionId: owner, faceOptIn: face || undefined });
      setBusy('Analysing…');
      const a = await waitForAnalysis(ticket.uploadId);
      if (a.status === 'failed') throw new ApiError(422, a.error?.reason ?? 'ANALYSIS_FAILED', a.error?.message ?? 'The photo could not be analysed.');
      setFile(undefined);
      setRefresh((r) => r + 1);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(undefined);
    }
  }

  return (
    <div className="wardrobe-page">
      <h1>Your wardrobe</h1>
      <p className="muted">Add photos of clothes you own; we tag each one so outfits can be built around it. Your wardrobe is tied to this browser.</p>
      <div className="wardrobe-add">
        <ImageDrop file={file} onFile={setFile} label="Add a photo of a garment" />
        <div>
          <FaceOptIn checked={face} onChange={setFace} />
          <button type="button" className="btn primary" disabled={!file || Boolean(busy)} onClick={() => void add()}>
            {busy ? (
              <>
                <Spinner label={busy} /> {busy}
              </>
            ) : (
              'Add to wardrobe'
            )}
          </button>
        </div>
      </div>
      {error !== undefined && <ErrorNotice error={error} onRetry={() => setRefresh((r) => r + 1)} />}
      {items === undefined && error === undefined && (
        <p className="meta">
          <Spinner /> Loading your wardrobe…
        </p>
      )}
      {items && items.length === 0 && <EmptyState title="Your wardrobe is empty">Add your first item above.</EmptyState>}
      {items && items.length > 0 && (
        <h2>
          {items.length} {items.length === 1 ? 'item' : 'items'}
        </h2>
      )}
      {items && items.length > 0 && (
        <ul className="grid" aria-label="Wardrobe items">
          {items.map((it) => {
            const src = it.imageUrl ?? localPreview(it.uploadId ?? it.itemId);
            return (
            <li key={it.itemId} className="card">
              <Link to={`/uploads/${encodeURIComponent(it.uploadId ?? it.itemId)}`} className="card-link">
                <div className="card-img">
                  {src ? <img src={src} alt={describe(it)} loading="lazy" /> : <div className="img-missing" role="img" aria-label={describe(it)} />}
                </div>
                <div className="card-body">
                  <div className="title">{describe(it)}</div>
                  {it.colours && it.colours.length > 0 && <ColourSwatches colours={it.colours} compact />}
                </div>
              </Link>
            </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

function describe(it: WardrobeItem): string {
  const a = it.attributes ?? {};
  return [it.baseColour ?? a.baseColour?.value, it.articleType ?? a.articleType?.value].filter(Boolean).join(' ') || 'Wardrobe item';
}
