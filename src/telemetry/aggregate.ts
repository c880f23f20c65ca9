// The instruments' aggregation, kept by thv-proxy and handed to the SDK's readers as a
// MetricProducer (the SDK's extension point for metrics aggregated elsewhere). Why not the SDK's
// own synchronous instruments: each of their record() calls hashes its attribute set (sort the
// keys, JSON.stringify) and reads the clock and the active context, ~4 µs; a request records eight
// or more, which measured +39 % CPU per request (docs/performance.md). Here the attribute sets are
// canonical objects from AttributeCache, so a record is one Map lookup by identity and an add.
// Cumulative temporality, explicit-bucket histograms: what ToolHive's exporters send.

import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type CollectionResult, type MetricData, type MetricProducer } from '@opentelemetry/sdk-metrics';

export interface Descriptor {
  readonly name: string;
  readonly description: string;
  readonly unit: string;
}

/** A counter (monotonic) or up-down counter: one running total per attribute set. */
export class Sum {
  readonly #points = new Map<Attributes, { value: number }>();

  constructor(
    readonly descriptor: Descriptor,
    readonly monotonic: boolean,
  ) {}

  add(n: number, attrs: Attributes): void {
    const p = this.#points.get(attrs);
    if (p === undefined) this.#points.set(attrs, { value: n });
    else p.value += n;
  }

  data(start: HrTime, end: HrTime): MetricData {
    const dataPoints = [...this.#points].map(([attributes, p]) => ({ startTime: start, endTime: end, attributes, value: p.value }));
    return {
      descriptor: { ...this.descriptor, valueType: ValueType.INT },
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.SUM,
      dataPoints,
      isMonotonic: this.monotonic,
    };
  }
}

interface HistogramPoint {
  readonly counts: number[];
  sum: number;
  count: number;
  min: number;
  max: number;
}

/** An explicit-bucket histogram: counts[i] holds values <= boundaries[i]; the last, the rest. */
export class Histogram {
  readonly #points = new Map<Attributes, HistogramPoint>();

  constructor(
    readonly descriptor: Descriptor,
    readonly boundaries: readonly number[],
  ) {}

  record(v: number, attrs: Attributes): void {
    let p = this.#points.get(attrs);
    if (p === undefined) {
      p = { counts: new Array<number>(this.boundaries.length + 1).fill(0), sum: 0, count: 0, min: Infinity, max: -Infinity };
      this.#points.set(attrs, p);
    }
    const b = this.boundaries;
    let i = 0;
    while (i < b.length && v > b[i]!) i++;
    p.counts[i]!++;
    p.sum += v;
    p.count++;
    if (v < p.min) p.min = v;
    if (v > p.max) p.max = v;
  }

  data(start: HrTime, end: HrTime): MetricData {
    const boundaries = [...this.boundaries];
    const dataPoints = [...this.#points].map(([attributes, p]) => ({
      startTime: start,
      endTime: end,
      attributes,
      value: { buckets: { boundaries, counts: [...p.counts] }, sum: p.sum, count: p.count, min: p.min, max: p.max },
    }));
    return {
      descriptor: { ...this.descriptor, valueType: ValueType.DOUBLE },
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints,
    };
  }
}

/** The producer the readers collect from: every instrument, grouped by instrumentation scope. */
export class Aggregates implements MetricProducer {
  readonly #scopes = new Map<string, (Sum | Histogram)[]>();
  readonly #start = millisToHrTime(Date.now());
  readonly #resource: Resource;

  constructor(resource: Resource) {
    this.#resource = resource;
  }

  sum(scope: string, d: Descriptor, monotonic = true): Sum {
    return this.#add(scope, new Sum(d, monotonic));
  }

  histogram(scope: string, d: Descriptor, boundaries: readonly number[]): Histogram {
    return this.#add(scope, new Histogram(d, boundaries));
  }

  #add<T extends Sum | Histogram>(scope: string, instrument: T): T {
    const list = this.#scopes.get(scope) ?? [];
    list.push(instrument);
    this.#scopes.set(scope, list);
    return instrument;
  }

  collect(): Promise<CollectionResult> {
    const end = millisToHrTime(Date.now());
    const scopeMetrics = [...this.#scopes].map(([name, instruments]) => ({
      scope: { name },
      // An instrument with nothing recorded yet is left out, as the SDK does.
      metrics: instruments.map((i) => i.data(this.#start, end)).filter((m) => m.dataPoints.length > 0),
    }));
    return Promise.resolve({ resourceMetrics: { resource: this.#resource, scopeMetrics }, errors: [] });
  }
}
