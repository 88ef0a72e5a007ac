import { useId } from 'react';

/** The explicit opt-in for face-aware styling, with a plain statement of what it does. Off by default. */
export function FaceOptIn({ checked, onChange }: { checked: boolean; onChange: (v: boolean) => void }) {
  const id = useId();
  return (
    <div className="face-optin">
      <label className="check" htmlFor={id}>
        <input id={id} type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} aria-describedby={`${id}-what`} />
        <span>Face-aware styling (optional)</span>
      </label>
      <p id={`${id}-what`} className="muted small">
        If you tick this, we look for a face in this photo, make a rough guess at its shape from the face outline, and suggest necklines and accessories that
        tend to suit it. The guess is approximate and can be wrong. The face crop is used only while analysing and is never stored; nothing is done with
        faces unless this box is ticked.
      </p>
    </div>
  );
}
