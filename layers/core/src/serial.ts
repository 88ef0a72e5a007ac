/**
 * Runs `task` after every earlier task of the same key has settled, whatever their outcome: one queue per key,
 * dropped when it drains. The index holder serialises its updates and its syncs with it; the local S3 its reads
 * and writes of one object.
 */
export function keyedQueue() {
  const queues = new Map<string, Promise<unknown>>();
  return <T>(key: string, task: () => Promise<T>): Promise<T> => {
    const run = (queues.get(key) ?? Promise.resolve()).then(task);
    const settled = run.catch(() => undefined);
    queues.set(key, settled);
    void settled.then(() => queues.get(key) === settled && queues.delete(key));
    return run;
  };
}
