import { useEffect, useState } from 'react';
import { ApiError, isPending, type FaceAdvice, type UploadAnalysis } from '../api.ts';
import { AttributeList, ColourSwatches, DetectionPhoto } from '../components/Analysis.tsx';
import { EmptyState, ErrorNotice, Spinner } from '../components/Notice.tsx';
import { fromResult, ProductGrid } from '../components/ProductCard.tsx';
import { Link } from '../router.tsx';
import { localPreview, waitForAnalysis } from '../uploads.ts';

/** Upload analysis: polls until the vision pipeline is done, then shows what it saw and products to shop the look. */
export function UploadPage({ id }: { id: string }) {
  const [upload, setUpload] = useState<UploadAnalysis>();
  const [error, setError] = useState<unknown>();
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const ctl = new AbortController();
    setError(undefined);
    waitForAnalysis(id, { signal: ctl.signal, timeoutMs: 120_000, onUpdate: setUpload }).then(setUpload, (e) => {
      if (!ctl.signal.aborted && (e as Error)?.name !== 'AbortError') setError(e);
    });
    return () => ctl.abort();
  }, [id, attempt]);

  const src = upload?.imageUrl ?? localPreview(id);
  const timedOut = error instanceof ApiError && error.code === 'TIMEOUT';
  if (error !== undefined && !timedOut) return <ErrorNotice error={error} onRetry={() => setAttempt((a) => a + 1)} />;

  if (!upload || isPending(upload.status))
    return (
      <div className="analysis" aria-live="polite">
        <h1>Analysing your photo</h1>
        <p className="meta">
          <Spinner label="Analysing" />{' '}
          {upload?.status === 'pending-upload' ? 'Waiting for the photo to arrive…' : 'Finding the garment, its type and colours… this usually takes a few seconds.'}
        </p>
        {src && <img className="pending-photo" src={src} alt="Your uploaded photo" />}
        {timedOut && <ErrorNotice error={error} onRetry={() => setAttempt((a) => a + 1)} />}
      </div>
    );

  if (upload.status === 'failed')
    return (
      <div className="analysis">
        <h1>We couldn't analyse this photo</h1>
        <div className="notice error" role="alert">
          <p>{upload.error?.message ?? 'The photo could not be processed.'}</p>
          <p>
            <Link to="/">Try another photo</Link>
          </p>
        </div>
      </div>
    );

  const a = upload.analysis;
  return (
    <div className="analysis" data-testid="analysis">
      <h1>What we see in your photo</h1>
      <div className="analysis-grid">
        <div>
          {src ? (
            <DetectionPhoto src={src} detections={a?.detections ?? []} crop={a?.crop} size={a?.image} />
          ) : (
            <div className="img-missing tall" role="img" aria-label="Photo not available" />
          )}
        </div>
        <div className="analysis-info">
          {a && Object.keys(a.attributes ?? {}).length > 0 && (
            <section aria-labelledby="attr-title">
              <h2 id="attr-title" className="h3">
                Attributes
              </h2>
              <AttributeList attributes={a.attributes} />
            </section>
          )}
          {a && a.colours?.length > 0 && (
            <section aria-labelledby="col-title">
              <h2 id="col-title" className="h3">
                Dominant colours
              </h2>
              <ColourSwatches colours={a.colours} />
            </section>
          )}
          {a?.face && <FaceSection face={a.face} />}
          {a?.timings && (
            <p className="muted small">
              Analysed in {Math.round(a.timings.total ?? Object.values(a.timings).reduce((s, t) => s + (typeof t === 'number' ? t : 0), 0))} ms
              {upload.purpose === 'wardrobe' && (
                <>
                  {' '}
                  · saved to your <Link to="/wardrobe">wardrobe</Link>
                </>
              )}
            </p>
          )}
        </div>
      </div>
      <section aria-labelledby="look-title" className="similar">
        <h2 id="look-title">Shop the look</h2>
        {upload.similar && upload.similar.results.length > 0 ? (
          <ProductGrid items={upload.similar.results.map(fromResult)} showScore label="Products like your photo" />
        ) : (
          <EmptyState title="No matching products yet">{upload.similarError && <p className="muted">{upload.similarError}</p>}</EmptyState>
        )}
      </section>
    </div>
  );
}

function FaceSection({ face }: { face: FaceAdvice }) {
  return (
    <section aria-labelledby="face-title" className="face">
      <h2 id="face-title" className="h3">
        Face-aware styling
      </h2>
      {face.detected && face.shape ? (
        <>
          <p>
            Rough face-shape guess: <strong>{face.shape}</strong> <span className="muted small">({face.confidence} confidence)</span>
          </p>
          {face.necklines.length > 0 && <p>Necklines to try: {face.necklines.join(', ')}</p>}
          {face.accessories.length > 0 && <p>Accessories: {face.accessories.join(', ')}</p>}
        </>
      ) : (
        <p>No face was found clearly enough to say anything.</p>
      )}
      <p className="muted small">{face.caveat}</p>
    </section>
  );
}
