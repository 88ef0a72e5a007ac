import type { AttributeGuess, Box, ColourShare, Detection } from '../api.ts';
import { colourCss, humanize, percent } from '../format.ts';

/** The order shoppers read attributes in; anything else the pipeline adds follows. */
const ORDER = ['articleType', 'subCategory', 'gender', 'baseColour', 'pattern', 'usage', 'season'];
const rank = (k: string) => (ORDER.includes(k) ? ORDER.indexOf(k) : ORDER.length);

/** Attribute guesses with confidence bars. */
export function AttributeList({ attributes }: { attributes: Record<string, AttributeGuess> }) {
  const rows = Object.entries(attributes)
    .filter(([, a]) => a && a.value)
    .sort(([a], [b]) => rank(a) - rank(b));
  if (!rows.length) return null;
  return (
    <dl className="conf-list">
      {rows.map(([k, a]) => (
        <div key={k} className="conf-row">
          <dt>{k === 'articleType' ? 'Type' : humanize(k)}</dt>
          <dd>
            <span className="conf-value">{a.value}</span>
            <span className="conf-bar" role="meter" aria-valuemin={0} aria-valuemax={1} aria-valuenow={a.confidence} aria-label={`${humanize(k)} confidence`}>
              <span style={{ width: percent(a.confidence) }} className={a.confidence < 0.4 ? 'low' : undefined} />
            </span>
            <span className="muted small conf-pct">{percent(a.confidence)}</span>
          </dd>
        </div>
      ))}
    </dl>
  );
}

/** Dominant colours: a stacked bar of shares plus named swatches. */
export function ColourSwatches({ colours, compact }: { colours: ColourShare[]; compact?: boolean }) {
  if (!colours.length) return null;
  return (
    <div className={`colours${compact ? ' compact' : ''}`}>
      <div className="colour-bar" role="img" aria-label={colours.map((c) => `${c.name} ${percent(c.share)}`).join(', ')}>
        {colours.map((c, i) => (
          <span key={i} style={{ background: colourCss(c.name, c.hex), flexGrow: c.share }} />
        ))}
      </div>
      {!compact && (
        <ul className="swatches">
          {colours.map((c, i) => (
            <li key={i}>
              <span className="swatch lg" style={{ background: colourCss(c.name, c.hex) }} aria-hidden="true" />
              <span>{c.name}</span>
              <span className="muted small">{percent(c.share)}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/**
 * The photo with the detection boxes (and the region that was tagged) drawn over it. Boxes are in image
 * pixels; an SVG with the image's viewBox scales them with the picture.
 */
export function DetectionPhoto({ src, detections, crop, size }: { src: string; detections: Detection[]; crop?: { kind: string; box: Box }; size?: { width: number; height: number } }) {
  const pct = (v: number, of: number) => `${(v / of) * 100}%`;
  return (
    <figure className="det-photo">
      <div className="det-wrap">
        <img src={src} alt="Your uploaded photo" />
        {size && (
          <svg viewBox={`0 0 ${size.width} ${size.height}`} preserveAspectRatio="none" aria-hidden="true">
            {crop && crop.kind !== 'whole' && <rect {...crop.box} className="crop-box" vectorEffect="non-scaling-stroke" />}
            {detections.map((d, i) => (
              <rect key={i} {...d.box} className="det-box" vectorEffect="non-scaling-stroke" />
            ))}
          </svg>
        )}
        {size &&
          detections.map((d, i) => (
            <span key={i} className="det-label" style={{ left: pct(d.box.x, size.width), top: pct(d.box.y, size.height) }} aria-hidden="true">
              {d.label} {percent(d.score)}
            </span>
          ))}
      </div>
      <figcaption className="muted small">
        {detections.length > 0 ? `Found: ${detections.map((d) => `${d.label} (${percent(d.score)} sure)`).join(', ')}. ` : 'No person found: treated as a product shot. '}
        {crop && (crop.kind === 'person' ? 'Tagged the person’s outfit (dashed box).' : 'Tagged the whole image.')}
      </figcaption>
    </figure>
  );
}
