import type { ReactNode } from "react";
import { ErrorBlock } from "@/components/ui/blocks";
import type { SettingsSection as SectionResult } from "@/lib/settings/load-settings";

/** Renders one titled part of the settings page, or its error when that part could not be read. */
export function SettingsSection<T>({ id, title, description, result, children }: { id: string; title: string; description: ReactNode; result: SectionResult<T>; children: (value: T) => ReactNode }) {
  return (
    <section aria-labelledby={`${id}-title`} className="flex flex-col gap-3">
      <h2 id={`${id}-title`} className="text-xl font-semibold">
        {title}
      </h2>
      <div className="text-sm text-slate-700">{description}</div>
      {result.ok ? children(result.value) : <ErrorBlock title={`${title} could not be read`} message={result.message} />}
    </section>
  );
}
