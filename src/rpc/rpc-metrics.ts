// RPC metrics of both sides, by service, method and outcome code (OK or the RpcError's code,
// e.g. DCHAT_RPC_UNAVAILABLE), each with a latency histogram. A method's cells are found once
// per method object (a stub's MethodDescriptor, a provider's hosted method) and kept beside it,
// so a call's accounting allocates nothing (base/metrics.ts says why).
import { CounterFamily, HistogramFamily, isCounting, type CounterCell, type HistogramCell } from '../base/metrics.js';

const clientCalls = new CounterFamily('dchat_rpc_client_calls_total', 'RPC calls this process made, by service, method and code (OK or the error code)', ['service', 'method', 'code']);
const clientSeconds = new HistogramFamily('dchat_rpc_client_duration_seconds', 'From an RPC call made to its answer (or error), as the caller waited', ['service', 'method']);
const serverCalls = new CounterFamily('dchat_rpc_server_calls_total', 'RPC calls this process served, by service, method and code (OK or the error code)', ['service', 'method', 'code']);
const serverSeconds = new HistogramFamily('dchat_rpc_server_duration_seconds', 'From an RPC request read to its answer sent, on the provider', ['service', 'method']);

/** The cells of one method on one side. */
export class RpcMethodCells {
  private readonly seconds: HistogramCell;
  private readonly byCode = new Map<string, CounterCell>();

  constructor(
    private readonly calls: CounterFamily,
    seconds: HistogramFamily,
    private readonly service: string,
    private readonly method: string,
  ) {
    this.seconds = seconds.cell(service, method);
  }

  /** One call ended with `code`; startMs is performance.now() when it began. */
  done(code: string, startMs: number): void {
    let cell = this.byCode.get(code);
    if (!cell) this.byCode.set(code, (cell = this.calls.cell(this.service, this.method, code)));
    cell.inc();
    this.seconds.observeSince(startMs);
  }
}

const clientCells = new WeakMap<object, RpcMethodCells>();
const serverCells = new WeakMap<object, RpcMethodCells>();

function cellsOf(cache: WeakMap<object, RpcMethodCells>, calls: CounterFamily, seconds: HistogramFamily, key: object, service: string, method: string): RpcMethodCells {
  let cells = cache.get(key);
  if (!cells) cache.set(key, (cells = new RpcMethodCells(calls, seconds, service, method)));
  return cells;
}

/** A call this process made ended with `code` (OK or the error's); startMs: performance.now() when made. */
export function countClientCall(target: { readonly serviceName: string; readonly name: string }, code: string, startMs: number): void {
  if (!isCounting) return;
  cellsOf(clientCells, clientCalls, clientSeconds, target, target.serviceName, target.name).done(code, startMs);
}

/** A call this process served ended with `code`; `method` is the hosted method object (its cells' key). */
export function countServedCall(method: object, service: string, name: string, code: string, startMs: number): void {
  if (!isCounting) return;
  cellsOf(serverCells, serverCalls, serverSeconds, method, service, name).done(code, startMs);
}
