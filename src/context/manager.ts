import { AsyncLocalStorage } from 'node:async_hooks';
import { ROOT_CONTEXT, type Context } from './context';

/**
 * The active context, carried across asynchronous work by AsyncLocalStorage. Its methods have the
 * shapes of @opentelemetry/api's ContextManager, so the API bridge can register it as it is.
 */
export class ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();

  /** `base` is what is active outside any `with`: ROOT_CONTEXT, or the environment's TRACEPARENT. */
  constructor(private base: Context = ROOT_CONTEXT) {}

  active(): Context {
    return this.storage.getStore() ?? this.base;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    if (thisArg === undefined) return this.storage.run(context, fn, ...args) as ReturnType<F>;
    return this.storage.run(context, () => fn.apply(thisArg, args)) as ReturnType<F>;
  }

  bind<T>(context: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const manager = this;
    const fn = target as unknown as (...args: unknown[]) => unknown;
    const bound = function (this: unknown, ...args: unknown[]) {
      return manager.with(context, () => fn.apply(this, args));
    };
    Object.defineProperty(bound, 'length', { value: fn.length, configurable: true });
    return bound as unknown as T;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.storage.disable();
    return this;
  }

  setBase(context: Context): void {
    this.base = context;
  }
}
