/**
 * Why an image was refused. A refusal is permanent (retrying the same bytes cannot help), so the pipeline
 * records it as `failed` at once; any other error is treated as transient and retried.
 */
export type ImageRejection =
  | 'EMPTY'
  | 'TOO_LARGE'
  | 'NOT_AN_IMAGE'
  | 'TYPE_MISMATCH'
  | 'UNDECODABLE'
  | 'TRUNCATED'
  | 'TOO_MANY_PIXELS'
  | 'TOO_SMALL';

export class ImageRejectedError extends Error {
  constructor(
    readonly reason: ImageRejection,
    message: string,
  ) {
    super(message);
    this.name = 'ImageRejectedError';
  }
}

export const isImageRejected = (e: unknown): e is ImageRejectedError => e instanceof ImageRejectedError;
