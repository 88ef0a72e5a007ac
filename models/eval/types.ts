/**
 * The evaluation's small interfaces. A task (tasks/*.ts) measures one thing; a system (systems/*.ts) is one
 * way of embedding text and images. Both are found through registry.ts, so new ones plug in with one line.
 */
import type { CatalogRow } from '../training/data.ts';
import type { Gallery } from './search.ts';

export type ImageSet = 'small' | 'hires';

/** The labelled products the evaluation reads: the training reader's catalog row without its attributes. */
export type EvalProduct = Omit<CatalogRow, 'attributes'>;

export interface EvalData {
  /** A name for the data (shown in the report; 'kagl' for the real catalog). */
  name: string;
  products: EvalProduct[];
  /** Ids with a small (60×80) image / a high-resolution image, ascending. */
  imageIds: Record<ImageSet, string[]>;
  readImage(set: ImageSet, id: string): Promise<Uint8Array>;
  /** Whether systems may keep embeddings of this data on disk between runs. */
  cacheable: boolean;
}

export interface EvalSystem {
  readonly id: string;
  readonly label: string;
  readonly dim: number;
  /** One line on what the system is, printed under the table. */
  readonly note?: string;
  /** Unit vectors for images of a set, rows in the order of `ids` (a zero row for an image that failed). */
  embedImages(set: ImageSet, ids: readonly string[], progress?: (done: number) => void): Promise<Float32Array[]>;
  embedTexts(texts: readonly string[]): Promise<Float32Array[]>;
  /** An image embedding as the system searches with it (Encoder.imageQuery); absent = as it is. */
  imageQuery?(embedding: Float32Array): Float32Array;
  /**
   * Attribute heads, when the system has them: one predicted label per id. `lookalikes`: voted on by each image's
   * nearest catalog products outside the test fold (ranking/lookalike-vote.ts), as the search service reads a photo.
   */
  predictAttribute?(attribute: 'articleType' | 'baseColour', set: ImageSet, ids: readonly string[], opts?: { lookalikes?: boolean }): Promise<string[] | undefined>;
  /**
   * Largest gallery worth embedding for this system (the tiny CLIP baseline skips the 44k KAGL gallery: minutes
   * of decoding for chance-level numbers). Lifted by `npm run eval -- --all-galleries`.
   */
  readonly maxGallery?: number;
  /** Set when image embeddings depend only on this key and the image: the harness may cache them on disk. */
  readonly cacheKey?: string;
  close?(): Promise<void>;
}

export type MetricValue = number | null;

export interface TaskResult {
  metrics: Record<string, MetricValue>;
  /** Number of queries (or items) the metrics average over. */
  count: number;
  notes?: string[];
}

export interface EvalContext {
  data: EvalData;
  byId: ReadonlyMap<string, EvalProduct>;
  /** Test-fold ids (id ends in 7) with a small image: the gallery of the test-fold tasks. */
  testSmallIds: readonly string[];
  /** Test-fold ids with a high-resolution image: the query images. */
  testHiresIds: readonly string[];
  /** Cap on queries per task (quick runs). */
  limit?: number;
  seed: number;
  log(message: string): void;
  /** Image embeddings of `ids` as an exact-search gallery (memoised per system and set). */
  gallery(system: EvalSystem, set: ImageSet, ids: readonly string[]): Promise<Gallery>;
  /** Text embeddings (memoised per system). */
  texts(system: EvalSystem, texts: readonly string[]): Promise<Float32Array[]>;
}

export interface MetricSpec {
  name: string;
  /** The issue's target, printed beside the numbers. */
  target?: string;
  /** Published figures on the same protocol, e.g. { 'Marqo-FashionSigLIP': 0.489 }. */
  published?: Record<string, number>;
}

export interface EvalTask {
  id: string;
  title: string;
  /** 'system' (default): run once per system, a column each. 'once': system-independent, e.g. pipeline throughput. */
  kind?: 'system' | 'once';
  metrics: MetricSpec[];
  /** One line on the protocol, printed under the table. */
  describe: string;
  run(ctx: EvalContext, system?: EvalSystem): Promise<TaskResult>;
}
