/** Failed-login limiter: at most `max` failures per key in a sliding window. In memory, per process. */
export class FailureLimiter {
  private failures = new Map<string, number[]>()
  constructor(private readonly max = 10, private readonly windowMs = 15 * 60 * 1000) {}

  blocked(key: string, now: number): boolean {
    return this.recent(key, now).length >= this.max
  }
  fail(key: string, now: number): void {
    this.failures.set(key, [...this.recent(key, now), now])
  }
  reset(key: string): void {
    this.failures.delete(key)
  }
  private recent(key: string, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((t) => now - t < this.windowMs)
  }
}
