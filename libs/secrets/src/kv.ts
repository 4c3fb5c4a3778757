import { OpenBaoError, type OpenBaoClient } from './openbao-client';

export interface KvEntry<T = Record<string, string>> {
  data: T;
  /** KV v2 version: the check-and-set token for the next write. */
  version: number;
}

/** KV v2 reads and check-and-set writes under one mount. */
export class KvStore {
  constructor(
    private readonly client: OpenBaoClient,
    private readonly mount: string,
  ) {}

  /** undefined when the entry does not exist (404); a policy denial (403) is an error. */
  async read<T = Record<string, string>>(path: string): Promise<KvEntry<T> | undefined> {
    try {
      const response = await this.client.read<{ data: { data: T; metadata: { version: number } } }>(`${this.mount}/data/${path}`);
      return { data: response.data.data, version: response.data.metadata.version };
    } catch (error) {
      if (error instanceof OpenBaoError && error.status === 404) return undefined;
      throw error;
    }
  }

  /**
   * Writes only if the entry is still at `expectedVersion` (0: must not exist yet),
   * so of two replicas writing at once one wins and the other sees CasConflict.
   */
  async writeIfUnchanged<T>(path: string, data: T, expectedVersion: number): Promise<number> {
    try {
      const response = await this.client.write<{ data: { version: number } }>(`${this.mount}/data/${path}`, {
        options: { cas: expectedVersion },
        data,
      });
      return response.data.version;
    } catch (error) {
      if (error instanceof OpenBaoError && error.status === 400 && /check-and-set/i.test(error.message)) {
        throw new CasConflict(path, expectedVersion);
      }
      throw error;
    }
  }
}

export class CasConflict extends Error {
  constructor(
    readonly path: string,
    readonly expectedVersion: number,
  ) {
    super(`KV ${path} changed since version ${expectedVersion}`);
    this.name = 'CasConflict';
  }
}
