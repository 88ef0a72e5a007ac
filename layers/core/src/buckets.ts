/** S3 buckets the product uses. Physical names come from env BUCKET_<ID>, defaulting to lookbook-<id>. */
export const buckets = {
  catalog: { id: 'catalog', purpose: 'product images' },
  uploads: { id: 'uploads', purpose: 'shopper and admin photo uploads (presigned PUT), analysed by the vision pipeline' },
  artifacts: { id: 'artifacts', purpose: 'versioned model and index artifacts' },
} as const;

export type BucketId = keyof typeof buckets;

export function bucketName(id: BucketId, env: Record<string, string | undefined> = process.env): string {
  return env[`BUCKET_${id.toUpperCase()}`] ?? `lookbook-${id}`;
}
