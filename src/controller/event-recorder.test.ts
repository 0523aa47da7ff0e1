// Events in the background: a few at a time, dropped past the cap, and held while pod creations wait their turn.
import { EventRecorder } from './event-recorder.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('EventRecorder', () => {
  it('sends in the background, a few at a time, and drops beyond its queue', async () => {
    let inFlight = 0;
    let peak = 0;
    let sent = 0;
    const drops: number[] = [];
    const rec = new EventRecorder(2, 5, (n) => drops.push(n));
    const send = async (): Promise<void> => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight--;
      sent++;
    };
    for (let i = 0; i < 10; i++) rec.record(send); // 2 start at once, 5 wait, 3 are dropped
    expect(sent).toBe(0);
    await rec.idle();
    expect({ sent, peak, dropped: rec.dropped, drops }).toEqual({ sent: 7, peak: 2, dropped: 3, drops: [1, 2, 3] });
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
