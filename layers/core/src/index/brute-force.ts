/**
 * Exact inner-product search over a dense matrix: the oracle the HNSW index is tested and benchmarked
 * against, and the fallback for filters so selective that a graph walk would visit everything anyway.
 */
import type { VectorHit, VectorIndex } from '../ports.ts';
import { dot, TopK } from './vectors.ts';

export class BruteForceIndex implements VectorIndex {
  private matrix: Float32Array;
  private readonly rowOf = new Map<string, number>();
  private idOfRow: (string | undefined)[] = [];
  private freeRows: number[] = [];

  constructor(
    readonly dim: number,
    capacity = 1024,
  ) {
    this.matrix = new Float32Array(Math.max(1, capacity) * dim);
  }

  get size(): number {
    return this.rowOf.size;
  }

  has(id: string): boolean {
    return this.rowOf.has(id);
  }

  add(id: string, vector: Float32Array): void {
    if (vector.length !== this.dim) throw new Error(`vector has ${vector.length} dimensions, the index ${this.dim}`);
    let row = this.rowOf.get(id);
    if (row === undefined) {
      row = this.freeRows.pop() ?? this.idOfRow.length;
      if ((row + 1) * this.dim > this.matrix.length) {
        const grown = new Float32Array(this.matrix.length * 2);
        grown.set(this.matrix);
        this.matrix = grown;
      }
      this.rowOf.set(id, row);
      this.idOfRow[row] = id;
    }
    this.matrix.set(vector, row * this.dim);
  }

  remove(id: string): void {
    const row = this.rowOf.get(id);
    if (row === undefined) return;
    this.rowOf.delete(id);
    this.idOfRow[row] = undefined;
    this.freeRows.push(row);
  }

  vectorOf(id: string): Float32Array | undefined {
    const row = this.rowOf.get(id);
    return row === undefined ? undefined : this.matrix.slice(row * this.dim, (row + 1) * this.dim);
  }

  search(query: Float32Array, topK: number, accept?: (id: string) => boolean): VectorHit[] {
    const best = new TopK<string>(topK);
    for (let row = 0; row < this.idOfRow.length; row++) {
      const id = this.idOfRow[row];
      if (id === undefined || (accept && !accept(id))) continue;
      best.push(id, dot(query, this.matrix, row * this.dim));
    }
    return best.result().map(({ item, score }) => ({ id: item, score }));
  }
}
