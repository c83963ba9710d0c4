import { Gate } from '../../src/dialogs/gate';

/** A piece of work that finishes when the test says so. */
function pending<T>(): { promise: Promise<T>; resolve(value: T): void; reject(error: Error): void } {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('the gate in front of dialog turns', () => {
  it('runs at most its limit at once and lets the others in first come, first served', async () => {
    const gate = new Gate(2);
    const works = Array.from({ length: 5 }, () => pending<number>());
    const started: number[] = [];
    const results = works.map((work, index) =>
      gate.run(() => {
        started.push(index);
        return work.promise;
      }),
    );
    await settle();
    expect(started).toEqual([0, 1]);
    works[1].resolve(1);
    await settle();
    expect(started).toEqual([0, 1, 2]);
    works[0].resolve(0);
    works[2].resolve(2);
    await settle();
    expect(started).toEqual([0, 1, 2, 3, 4]);
    works[3].resolve(3);
    works[4].resolve(4);
    expect(await Promise.all(results)).toEqual([0, 1, 2, 3, 4]);
  });

  it('passes a failure on to its caller and frees the place for the next', async () => {
    const gate = new Gate(1);
    const failing = gate.run(() => Promise.reject(new Error('Redis unavailable')));
    const next = gate.run(async () => 'served');
    await expect(failing).rejects.toThrow('Redis unavailable');
    expect(await next).toBe('served');
    expect(await gate.run(async () => 'and the one after')).toBe('and the one after');
  });
});
