import { useEffect, useId, useRef, useState, type DragEvent, type KeyboardEvent } from 'react';
import { checkPhoto } from '../uploads.ts';

/**
 * Photo picker: drop, paste or choose a file. The whole zone is one keyboard-focusable button (Enter / Space
 * opens the file dialog), with a visible label and a preview once a photo is chosen.
 */
export function ImageDrop({
  file,
  onFile,
  label = 'Search with a photo',
  hint = 'Drop, paste or choose a JPEG, PNG or WebP photo',
  compact,
}: {
  file: File | undefined;
  onFile: (f: File | undefined) => void;
  label?: string;
  hint?: string;
  compact?: boolean;
}) {
  const input = useRef<HTMLInputElement>(null);
  const id = useId();
  const [over, setOver] = useState(false);
  const [problem, setProblem] = useState<string>();
  const [preview, setPreview] = useState<string>();

  useEffect(() => {
    if (!file) return setPreview(undefined);
    const url = URL.createObjectURL(file);
    setPreview(url);
    return () => URL.revokeObjectURL(url);
  }, [file]);

  const take = (f: File | undefined) => {
    if (!f) return;
    const bad = checkPhoto(f);
    setProblem(bad);
    if (!bad) onFile(f);
  };

  // Paste a photo anywhere on the page (screenshots, copied images).
  useEffect(() => {
    const onPaste = (e: ClipboardEvent) => {
      const f = Array.from(e.clipboardData?.files ?? []).find((x) => x.type.startsWith('image/'));
      if (f) take(f);
    };
    window.addEventListener('paste', onPaste);
    return () => window.removeEventListener('paste', onPaste);
  });

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    take(e.dataTransfer.files?.[0]);
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      input.current?.click();
    }
  };

  return (
    <div className={`drop${compact ? ' compact' : ''}`}>
      <div
        className={`drop-zone${over ? ' over' : ''}${preview ? ' has-file' : ''}`}
        role="button"
        tabIndex={0}
        aria-describedby={`${id}-hint`}
        aria-label={preview ? `${label}: ${file?.name}. Press Enter to choose another photo` : label}
        onClick={() => input.current?.click()}
        onKeyDown={onKey}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        {preview ? (
          <img src={preview} alt={`Your photo: ${file?.name ?? ''}`} className="drop-preview" />
        ) : (
          <div className="drop-empty">
            <svg aria-hidden="true" viewBox="0 0 24 24" width="28" height="28">
              <path fill="currentColor" d="M4 5h3l2-2h6l2 2h3a1 1 0 0 1 1 1v13a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1zm8 3a5 5 0 1 0 0 10 5 5 0 0 0 0-10zm0 2a3 3 0 1 1 0 6 3 3 0 0 1 0-6z" />
            </svg>
            <span className="drop-label">{label}</span>
          </div>
        )}
      </div>
      <input
        ref={input}
        id={id}
        type="file"
        accept="image/jpeg,image/png,image/webp"
        hidden
        onChange={(e) => {
          take(e.target.files?.[0]);
          e.target.value = '';
        }}
      />
      <p id={`${id}-hint`} className="muted small drop-hint">
        {hint}
      </p>
      {file && (
        <button type="button" className="link-btn small" onClick={() => onFile(undefined)}>
          Remove photo
        </button>
      )}
      {problem && (
        <p className="field-error small" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}
