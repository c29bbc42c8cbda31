import { describeSeconds } from "@/components/ui/duration";

export interface DurationChoice {
  /** Seconds, or null for "keep what the proposal asked for". */
  seconds: number | null;
  label: string;
}

const MINUTE = 60;
const HOUR = 3_600;
const EXECUTION_WINDOW_PRESETS = [5 * MINUTE, 15 * MINUTE, HOUR];
// Effect durations are labelled in hours, because "24 h" reads as one working day plus a night.
const EFFECT_DURATION_PRESETS = [
  { seconds: HOUR, label: "1 h" },
  { seconds: 4 * HOUR, label: "4 h" },
  { seconds: 24 * HOUR, label: "24 h" },
];

/**
 * Execution window presets up to `maxSeconds`. A preset above the maximum is not offered,
 * since the API would reject it; when every preset is above it, the maximum itself is offered.
 */
export function executionWindowChoices(maxSeconds: number): DurationChoice[] {
  const allowed = EXECUTION_WINDOW_PRESETS.filter((seconds) => seconds <= maxSeconds);
  const list = allowed.length > 0 ? allowed : [maxSeconds];
  return list.map((seconds) => ({ seconds, label: describeSeconds(seconds) }));
}

/** Picks the preselected Execution window: 15 minutes when offered, else the longest choice. */
export function defaultExecutionWindow(choices: DurationChoice[]): number {
  const fifteen = choices.find((choice) => choice.seconds === 15 * MINUTE);
  return fifteen?.seconds ?? choices.at(-1)?.seconds ?? 15 * MINUTE;
}

/**
 * Lists the Effect duration choices for a reversible kind. The first keeps the proposal's
 * value, because the API applies it when the approval names none. Presets above the
 * catalogue maximum, or equal to the proposal's value, are left out.
 */
export function effectDurationChoices(proposedSeconds: number | null, maxSeconds: number): DurationChoice[] {
  const keep: DurationChoice = {
    seconds: null,
    label: proposedSeconds === null ? "None: the change stays until someone reverts it" : `As proposed: ${describeSeconds(proposedSeconds)}`,
  };
  const presets = EFFECT_DURATION_PRESETS.filter((preset) => preset.seconds <= maxSeconds && preset.seconds !== proposedSeconds);
  return [keep, ...presets];
}
