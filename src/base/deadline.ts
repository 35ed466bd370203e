// A bound on how long a promise may take: for a request whose answer may never come (a
// connection cut without a reset, a server that stopped answering).

/**
 * What `answer` settles to, or the error onTimeout returns once timeoutMs pass first (onTimeout
 * runs then, and may also drop what the answer would have come on).
 */
export function within<T>(answer: Promise<T>, timeoutMs: number, onTimeout: () => Error): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), timeoutMs);
    answer.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
