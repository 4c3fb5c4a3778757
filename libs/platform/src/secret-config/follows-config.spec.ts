import { FollowsConfig } from './follows-config';

describe('FollowsConfig', () => {
  it('builds once while the inputs stay, again when they change, and disposes of the previous value', () => {
    const config = { key: 'a' };
    const disposed: string[] = [];
    let builds = 0;
    const client = new FollowsConfig(
      () => [config.key],
      () => ({ key: config.key, build: ++builds }),
      (old) => disposed.push(old.key),
    );
    expect(client.get()).toEqual({ key: 'a', build: 1 });
    expect(client.get()).toEqual({ key: 'a', build: 1 });
    config.key = 'b';
    expect(client.get()).toEqual({ key: 'b', build: 2 });
    expect(disposed).toEqual(['a']);
    client.close();
    expect(disposed).toEqual(['a', 'b']);
  });
});
