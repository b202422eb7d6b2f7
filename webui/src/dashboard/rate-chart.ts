// The network's transfer rate over the last five minutes, one point a second, from progress events.
//
// A progress event says how many bytes a transfer moved since its previous event, not when: its
// bytes are spread evenly over the time between the two events. Counting each event whole in the
// second it arrived in made the chart jagged, and spiked it as a transfer ended, when the last
// progress report and the completion's remainder landed in the same second.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { rate } from '../shared/format';

const SECONDS = 300;

export class RateChart {
  /** Bytes moved in each whole second (epoch seconds), for the seconds still in view. */
  private readonly bytesBySecond = new Map<number, number>();
  private readonly plot: uPlot;

  constructor(container: HTMLElement) {
    const [times, rates] = this.window();
    this.plot = new uPlot({
      width: Math.max(280, container.clientWidth),
      height: 180,
      legend: { show: false },
      scales: { y: { range: (_u, _min, max) => [0, Math.max(1024, max * 1.1)] } },
      axes: [{}, { values: (_u, ticks) => ticks.map((v) => rate(v)), size: 80 }],
      series: [{}, { label: 'rate', stroke: '#0b6bcb', fill: 'rgba(11,107,203,0.12)', width: 2 }],
    }, [times, rates], container);
    new ResizeObserver(() => this.plot.setSize({ width: Math.max(280, container.clientWidth), height: 180 })).observe(container);
  }

  /** Counts bytes moved between two moments (epoch milliseconds), spread evenly over that time. */
  add(bytesMoved: number, fromMillis: number, toMillis: number): void {
    if (bytesMoved <= 0) return;
    const oldest = (Math.floor(toMillis / 1000) - SECONDS) * 1000;
    const from = Math.max(fromMillis, oldest);
    if (toMillis <= from) {
      this.addToSecond(Math.floor(toMillis / 1000), bytesMoved);
      return;
    }
    const perMilli = bytesMoved / (toMillis - fromMillis);
    for (let start = from; start < toMillis;) {
      const second = Math.floor(start / 1000);
      const end = Math.min(toMillis, (second + 1) * 1000);
      this.addToSecond(second, perMilli * (end - start));
      start = end;
    }
  }

  /** Redraws up to the last whole second: called once a second. */
  tick(): void {
    const [times, rates] = this.window();
    for (const second of this.bytesBySecond.keys()) {
      if (second < times[0]) this.bytesBySecond.delete(second);
    }
    this.plot.setData([times, rates]);
    const current = rates[rates.length - 1];
    const label = document.getElementById('rate-now');
    if (label) {
      label.textContent = current >= 1 ? `now ${rate(current)}` : '';
      label.dataset.bytesPerSecond = String(Math.round(current));
    }
  }

  private addToSecond(second: number, bytesMoved: number): void {
    this.bytesBySecond.set(second, (this.bytesBySecond.get(second) ?? 0) + bytesMoved);
  }

  /** The seconds in view, ending with the last whole one, and the bytes moved in each. */
  private window(): [number[], number[]] {
    const last = Math.floor(Date.now() / 1000) - 1;
    const times: number[] = [];
    const rates: number[] = [];
    for (let second = last - SECONDS + 1; second <= last; second++) {
      times.push(second);
      rates.push(this.bytesBySecond.get(second) ?? 0);
    }
    return [times, rates];
  }
}
