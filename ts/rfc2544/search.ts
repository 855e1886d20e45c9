// The RFC 2544 throughput search as ipgen runs it: the first trial at half the line rate, then a
// binary search on the offered rate between the highest rate that passed and the lowest that failed,
// until the two are within the resolution; the line rate itself is tried once the search reaches it,
// and a pass there ends the search. A trial passes when its loss is within the allowance (zero by
// default: RFC 2544's throughput is the highest rate with no frame lost).

/** What one trial at an offered rate found. */
export interface TrialResult {
  /** the rate asked for, frames/s */
  rate: number;
  /** frames offered (made by the generator) */
  offered: number;
  /** frames that reached the sink */
  received: number;
  /** offered - received */
  loss: number;
  /** the trial ended early: its loss was already beyond the allowance */
  early: boolean;
  /** the offered rate as measured (offered frames over the time they took), frames/s */
  measuredRate: number;
  pass: boolean;
}

export interface SearchOptions {
  /** frames/s at which the search stops (a pass there is the answer) */
  lineRate: number;
  /** stop once the passing and failing rates are this close, frames/s */
  resolution: number;
  /** loss allowed, percent of the frames offered (0 = RFC 2544's zero loss) */
  lossPct: number;
  /**
   * Runs one trial at `rate` frames/s; `allowed(offered)` is the loss it may have and still pass,
   * so it may stop early once its loss is certainly beyond it.
   */
  trial: (rate: number, allowed: (offered: number) => number) => Promise<Omit<TrialResult, 'pass'>>;
  /** called after each trial */
  onTrial?: (t: TrialResult, bounds: { pass: number; fail: number }) => void;
}

export interface SearchResult {
  /** the highest rate that passed (0 if none did) */
  fps: number;
  /** its trial's loss (what the allowance let through) */
  loss: number;
  trials: TrialResult[];
  /** the search ended with a pass at the line rate */
  lineRatePassed: boolean;
}

/** The loss a trial of `offered` frames may have under `lossPct` percent. */
export function allowedLoss(offered: number, lossPct: number): number {
  return Math.floor((offered * lossPct) / 100);
}

/** The number of trials a search can take at most (a guard against a trial function that lies). */
export function maxTrials(lineRate: number, resolution: number): number {
  return Math.ceil(Math.log2(Math.max(2, lineRate / Math.max(1, resolution)))) + 3;
}

export async function searchThroughput(o: SearchOptions): Promise<SearchResult> {
  if (!(o.lineRate >= 1)) throw new Error('line rate must be at least 1 frame/s');
  const resolution = Math.max(1, o.resolution);
  const trials: TrialResult[] = [];
  let pass = 0; // the highest rate that passed
  let passLoss = 0;
  let fail = o.lineRate; // the lowest rate that failed, or the line rate while it is untried
  let lineTried = false;
  let rate = Math.max(1, Math.round(o.lineRate / 2));
  const limit = maxTrials(o.lineRate, resolution);
  while (trials.length < limit) {
    const r = await o.trial(rate, (offered) => allowedLoss(offered, o.lossPct));
    const t: TrialResult = { ...r, pass: r.offered > 0 && r.loss <= allowedLoss(r.offered, o.lossPct) };
    trials.push(t);
    if (rate >= o.lineRate) lineTried = true;
    if (t.pass) {
      pass = rate;
      passLoss = t.loss;
    } else fail = rate;
    o.onTrial?.(t, { pass, fail });
    if (t.pass && rate >= o.lineRate) return { fps: pass, loss: passLoss, trials, lineRatePassed: true };
    if (fail - pass <= resolution) {
      // close enough, unless the upper bound is the line rate, not yet tried: try it
      if (fail === o.lineRate && !lineTried) {
        rate = o.lineRate;
        continue;
      }
      break;
    }
    rate = Math.round((pass + fail) / 2);
  }
  return { fps: pass, loss: passLoss, trials, lineRatePassed: false };
}
