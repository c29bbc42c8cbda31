"use client";

import { useId } from "react";
import type { DurationChoice } from "./decision-presets";

/** Renders durations as radio buttons in a fieldset, so the legend names the group for screen readers. */
export function DurationRadios({ legend, hint, name, choices, value, onChange }: { legend: string; hint: string; name: string; choices: DurationChoice[]; value: number | null; onChange: (seconds: number | null) => void }) {
  const hintId = useId();
  return (
    <fieldset aria-describedby={hintId} className="flex flex-col gap-2">
      <legend className="font-medium">{legend}</legend>
      <p id={hintId} className="text-xs text-slate-700">
        {hint}
      </p>
      <div className="flex flex-wrap gap-2">
        {choices.map((choice) => {
          const checked = choice.seconds === value;
          return (
            <label key={choice.seconds ?? "keep"} className={`flex cursor-pointer items-center gap-2 rounded-md border px-3 py-1.5 text-sm ${checked ? "border-blue-700 bg-blue-50" : "border-slate-400 bg-white"}`}>
              <input type="radio" name={name} value={choice.seconds ?? ""} checked={checked} onChange={() => onChange(choice.seconds)} className="h-4 w-4" />
              {choice.label}
            </label>
          );
        })}
      </div>
    </fieldset>
  );
}
