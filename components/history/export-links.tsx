import { buttonClasses } from "@/components/ui/button";
import { exportUrl, type HistoryFilterParams } from "./history-keys";

/** Download links for the CSV and OCSF exports with the filters in force. */
export function ExportLinks({ filters }: { filters: HistoryFilterParams }) {
  return (
    <div className="flex flex-wrap items-center gap-3">
      <a href={exportUrl("csv", filters)} download className={buttonClasses("secondary")}>
        Download CSV
      </a>
      <a href={exportUrl("ocsf", filters)} download className={buttonClasses("secondary")}>
        Download OCSF (NDJSON)
      </a>
      <span className="text-sm text-slate-700">Every action that matches the filters, not only the loaded pages.</span>
    </div>
  );
}
