// The network's transfer rate over the last five minutes, one point a second, from progress events.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { rate } from '../shared/format';

const SECONDS = 300;

export class RateChart {
  private readonly times: number[] = [];
  private readonly rates: number[] = [];
  private pending = 0;
  private readonly plot: uPlot;

  constructor(container: HTMLElement) {
    const now = Math.floor(Date.now() / 1000);
    for (let i = SECONDS; i > 0; i--) {
      this.times.push(now - i);
      this.rates.push(0);
    }
    this.plot = new uPlot({
      width: Math.max(280, container.clientWidth),
      height: 180,
      legend: { show: false },
      scales: { y: { range: (_u, _min, max) => [0, Math.max(1024, max * 1.1)] } },
      axes: [{}, { values: (_u, ticks) => ticks.map((v) => rate(v)), size: 80 }],
      series: [{}, { label: 'rate', stroke: '#0b6bcb', fill: 'rgba(11,107,203,0.12)', width: 2 }],
    }, [this.times, this.rates], container);
    new ResizeObserver(() => this.plot.setSize({ width: Math.max(280, container.clientWidth), height: 180 })).observe(container);
  }

  /** Counts bytes moved since the last tick. */
  add(bytesMoved: number): void {
    this.pending += bytesMoved;
  }

  /** Closes the current second: called once a second. */
  tick(): void {
    this.times.push(Math.floor(Date.now() / 1000));
    this.rates.push(this.pending);
    this.pending = 0;
    if (this.times.length > SECONDS) {
      this.times.shift();
      this.rates.shift();
    }
    this.plot.setData([this.times, this.rates]);
    const current = this.rates[this.rates.length - 1];
    const label = document.getElementById('rate-now');
    if (label) label.textContent = current > 0 ? `now ${rate(current)}` : '';
  }
}
