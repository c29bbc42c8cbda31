"use client";

import { useId } from "react";
import { Button } from "@/components/ui/button";
import { describeActorType, describeEventType } from "./event-labels";
import { NO_TIMELINE_FILTERS, type TimelineFilters } from "./timeline-keys";

interface Option {
  value: string;
  label: string;
}

function FilterSelect({ label, anyLabel, value, options, onChange }: { label: string; anyLabel: string; value: string; options: Option[]; onChange: (value: string) => void }) {
  const id = useId();
  return (
    <div className="flex min-w-44 flex-col gap-1">
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

const ACTOR_TYPES = ["person", "workload", "system", "domain"];

/** Domain, actor type and event type filters; the server applies them. */
export function TimelineFilterBar({
  filters,
  domains,
  eventTypes,
  onChange,
}: {
  filters: TimelineFilters;
  domains: string[];
  eventTypes: string[];
  onChange: (filters: TimelineFilters) => void;
}) {
  const set = (key: keyof TimelineFilters) => (value: string) => onChange({ ...filters, [key]: value });
  const filtered = filters.domain !== "" || filters.actorType !== "" || filters.eventType !== "";
  return (
    <fieldset className="flex flex-wrap items-end gap-4 rounded-lg border border-slate-200 bg-white p-4">
      <legend className="sr-only">Filter the timeline</legend>
      <FilterSelect label="Domain" anyLabel="Any domain" value={filters.domain} options={domains.map((domain) => ({ value: domain, label: domain }))} onChange={set("domain")} />
      <FilterSelect label="Actor type" anyLabel="Any actor" value={filters.actorType} options={ACTOR_TYPES.map((type) => ({ value: type, label: describeActorType(type) }))} onChange={set("actorType")} />
      <FilterSelect
        label="Event type"
        anyLabel="Any event"
        value={filters.eventType}
        options={eventTypes.map((type) => ({ value: type, label: `${describeEventType(type)} (${type})` }))}
        onChange={set("eventType")}
      />
      {filtered ? (
        <Button onClick={() => onChange(NO_TIMELINE_FILTERS)} className="py-1.5">
          Clear filters
        </Button>
      ) : null}
    </fieldset>
  );
}
