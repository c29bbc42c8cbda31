"use client";

import { useId } from "react";
import { Button } from "@/components/ui/button";
import { humanise } from "@/components/ui/format";
import { isFiltered, NO_FILTERS, type FilterOption, type QueueFilters } from "./queue-filters";

interface SelectProps {
  label: string;
  anyLabel: string;
  value: string;
  options: FilterOption[];
  onChange: (value: string) => void;
}

function FilterSelect({ label, anyLabel, value, options, onChange }: SelectProps) {
  const id = useId();
  return (
    <div className="flex min-w-40 flex-col gap-1">
      <label htmlFor={id} className="text-sm font-medium text-slate-800">
        {label}
      </label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value)} className="rounded-md border border-slate-400 bg-white px-2 py-1.5 text-sm">
        <option value="">{anyLabel}</option>
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** Risk, kind, domain and incident filters of the queue. */
export function QueueFilterBar({ filters, options, onChange }: { filters: QueueFilters; options: Record<keyof QueueFilters, FilterOption[]>; onChange: (filters: QueueFilters) => void }) {
  const set = (key: keyof QueueFilters) => (value: string) => onChange({ ...filters, [key]: value });
  return (
    <fieldset className="flex flex-wrap items-end gap-4 rounded-lg border border-slate-200 bg-white p-4">
      <legend className="sr-only">Filter pending actions</legend>
      <FilterSelect label="Risk" anyLabel="Any risk" value={filters.risk} options={options.risk.map((option) => ({ ...option, label: humanise(option.label) }))} onChange={set("risk")} />
      <FilterSelect label="Kind" anyLabel="Any kind" value={filters.kind} options={options.kind} onChange={set("kind")} />
      <FilterSelect label="Domain" anyLabel="Any domain" value={filters.domain} options={options.domain} onChange={set("domain")} />
      <FilterSelect label="Incident" anyLabel="Any incident" value={filters.incident} options={options.incident} onChange={set("incident")} />
      {isFiltered(filters) ? (
        <Button onClick={() => onChange(NO_FILTERS)} className="py-1.5">
          Clear filters
        </Button>
      ) : null}
    </fieldset>
  );
}
