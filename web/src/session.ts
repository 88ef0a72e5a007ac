/** The shopper's anonymous session id (wardrobe owner), kept in localStorage so the wardrobe survives reloads. */
const KEY = 'lookbook.sessionId';
let fallback: string | undefined;

function randomId(): string {
  if (typeof crypto !== 'undefined' && 'randomUUID' in crypto) return crypto.randomUUID();
  return `s-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

export function sessionId(): string {
  try {
    let id = window.localStorage.getItem(KEY);
    if (!id) {
      id = randomId();
      window.localStorage.setItem(KEY, id);
    }
    return id;
  } catch {
    // Storage disabled (private mode): a per-tab id still lets the page work.
    return (fallback ??= randomId());
  }
}
