interface Waiting<I, O> {
  input: I;
  resolve: (output: O) => void;
  reject: (error: unknown) => void;
}

/**
 * Runs requests that arrive while earlier ones are being served together, in one call of `run`
 * ("natural" batching: nothing waits for a timer). While fewer than `maxInFlight` batches are
 * running, a request starts at once, alone; under load the requests queued behind the running
 * batches go together in the next, so one statement serves many requests and the batches grow
 * with the load. The signpost look uses it to write many looks' audit entries in one statement
 * (and one commit) with the reads they record.
 *
 * `run` answers each input, in order. When a batch of several fails with an error
 * `mayRunAlone` accepts (PostgreSQL refused the statement, so nothing of it was written), each
 * input is run again on its own: one request's bad value fails only that request. Any other
 * failure (a lost connection, when the statement may have committed) fails the whole batch.
 */
export class Batcher<I, O> {
  readonly #queue: Waiting<I, O>[] = [];
  #inFlight = 0;

  constructor(private readonly options: {
    run: (inputs: readonly I[]) => Promise<readonly O[]>;
    /** The most inputs in one call of `run`. */
    maxBatch: number;
    /** The most calls of `run` at once. */
    maxInFlight: number;
    mayRunAlone: (error: unknown) => boolean;
  }) {}

  run(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#queue.push({ input, resolve, reject });
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#inFlight < this.options.maxInFlight && this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.options.maxBatch);
      this.#inFlight += 1;
      void this.#serve(batch).finally(() => {
        this.#inFlight -= 1;
        this.#pump();
      });
    }
  }

  async #serve(batch: readonly Waiting<I, O>[]): Promise<void> {
    try {
      const outputs = await this.#runChecked(batch.map((b) => b.input));
      batch.forEach((b, i) => b.resolve(outputs[i]!));
    } catch (error) {
      if (batch.length === 1 || !this.options.mayRunAlone(error)) {
        for (const b of batch) b.reject(error);
        return;
      }
      await Promise.all(batch.map(async (b) => {
        try {
          b.resolve((await this.#runChecked([b.input]))[0]!);
        } catch (alone) {
          b.reject(alone);
        }
      }));
    }
  }

  async #runChecked(inputs: readonly I[]): Promise<readonly O[]> {
    const outputs = await this.options.run(inputs);
    if (outputs.length !== inputs.length) throw new Error(`a batch of ${inputs.length} was answered with ${outputs.length}`);
    return outputs;
  }
}
