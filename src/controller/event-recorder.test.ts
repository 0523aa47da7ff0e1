// Events in the background: a few at a time, dropped past the cap, and held while pod creations wait their turn.
import { EventRecorder } from './event-recorder.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('EventRecorder', () => {
  it('sends at most `concurrency` at once and drops past `maxPending`, counting them', async () => {
    let inFlight = 0;
    let peak = 0;
    let sent = 0;
    const drops: number[] = [];
    const r = new EventRecorder(2, 5, (n) => drops.push(n));
    for (let i = 0; i < 9; i++) {
      r.record(async () => {
        peak = Math.max(peak, ++inFlight);
        await sleep(5);
        inFlight--;
        sent++;
      });
    }
    await r.idle();
    // 2 went at once, 5 waited, 2 were dropped.
    expect({ peak, sent, dropped: r.dropped, drops }).toEqual({ peak: 2, sent: 7, dropped: 2, drops: [1, 2] });
  });

  it('holds events while creations wait, and sends them once they do not', async () => {
    let creationsWaiting = true;
    const sent: string[] = [];
    const r = new EventRecorder(4, 100, undefined, () => creationsWaiting);
    r.record(async () => void sent.push('TaskStarted a'));
    r.record(async () => void sent.push('TaskStarted b'));
    await sleep(120);
    expect(sent).toEqual([]);
    creationsWaiting = false;
    await r.idle();
    expect(sent).toEqual(['TaskStarted a', 'TaskStarted b']);
  });
});
