import { createHash } from 'node:crypto';

/**
 * Something built from configuration values (an SDK client holding an API key) that is
 * built again when those values change. The configuration object is updated in place when
 * the service's secrets rotate (live reload), so the next `get()` after a rotation returns
 * a client with the new key; the old one is handed to `dispose`. Only a digest of the
 * inputs is kept, not a second copy of the credentials.
 */
export class FollowsConfig<T> {
  private built: { digest: string; value: T } | undefined;

  constructor(
    private readonly inputs: () => unknown[],
    private readonly build: () => T,
    private readonly dispose: (previous: T) => void = () => undefined,
  ) {}

  get(): T {
    const digest = createHash('sha256').update(JSON.stringify(this.inputs())).digest('hex');
    if (this.built?.digest !== digest) {
      const previous = this.built;
      this.built = { digest, value: this.build() };
      if (previous) this.dispose(previous.value);
    }
    return this.built.value;
  }

  close(): void {
    if (this.built) this.dispose(this.built.value);
    this.built = undefined;
  }
}
