/** The shared image-feature cache per image set, loaded once per system and indexed by product id. */
import { ensureFeatureCache } from '../../training/extract-features.ts';
import type { FeatureTable } from '../../training/feature-cache.ts';
import type { ImageSet } from '../types.ts';

export interface IndexedFeatureTable {
  table: FeatureTable;
  /** product id → row in `table` */
  row: Map<string, number>;
}

/** A lazy, memoised loader: the first call for a set builds (or reads) its cache, later calls reuse it. */
export function featureTables(): (set: ImageSet) => Promise<IndexedFeatureTable> {
  const tables = new Map<ImageSet, IndexedFeatureTable>();
  return async (set) => {
    let t = tables.get(set);
    if (!t) {
      const table = await ensureFeatureCache(set);
      t = { table, row: new Map(table.ids.map((id, i) => [id, i])) };
      tables.set(set, t);
    }
    return t;
  };
}
