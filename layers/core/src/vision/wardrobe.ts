/**
 * A shopper's wardrobe item: one analysed wardrobe upload (item id = upload id, so a replayed event overwrites
 * the same item). Carries what outfit building needs: the garment attributes, colours and the image key.
 */
import type { AttributeGuess } from './analysis.ts';
import type { NamedColour } from './colours.ts';

export interface WardrobeItem {
  ownerId: string;
  itemId: string;
  uploadId: string;
  /** The clean (upright, metadata-free) copy in the uploads bucket: wardrobe/{uploadId}.jpg. */
  imageKey: string;
  attributes: Record<string, AttributeGuess>;
  colours: NamedColour[];
  dominantColour: string;
  /** Convenience copies of the top attribute values for filtering. */
  articleType?: string;
  baseColour?: string;
  createdAt: string;
  updatedAt: string;
}

export interface WardrobeStore {
  put(item: WardrobeItem): Promise<void>;
  list(ownerId: string, limit?: number): Promise<WardrobeItem[]>;
}
