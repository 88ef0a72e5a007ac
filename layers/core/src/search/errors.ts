/** Why a search was refused, in domain terms; the handler maps each kind to an HTTP status. */
export type SearchErrorKind = 'invalid' | 'not-found' | 'too-large' | 'unsupported-media' | 'not-ready';

export class SearchError extends Error {
  constructor(
    readonly kind: SearchErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'SearchError';
  }
}
