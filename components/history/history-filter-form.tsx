"use client";

import { useId, type FormEvent, type ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { humanise, kindLabel } from "@/components/ui/format";
import { HISTORY_FILTER_KEYS, isFiltered, type HistoryFilterParams } from "./history-keys";

const STATES = ["proposed", "pending", "approved", "executing", "succeeded", "failed", "denied", "rejected", "cancelled", "expired", "reverted"];
const KINDS = ["revoke_token", "disable_account", "rotate_credential", "remove_entitlement", "quarantine_workload"];
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

const INPUT = "rounded-md border border-slate-400 bg-white px-2 py-1.5 text-sm";

function Field({ label, hint, children }: { label: string; hint?: string; children: (id: string, hintId: string | undefined) => ReactNode }) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  return (
    <div className="flex min-w-44 flex-1 flex-col gap-1">
      <label htmlFor={id} className="text-sm font-medium text-slate-800">
        {label}
      </label>
      {children(id, hintId)}
      {hint ? (
        <span id={hintId} className="text-xs text-slate-600">
          {hint}
        </span>
      ) : null}
    </div>
  );
}

function Select({ id, name, value, anyLabel, options }: { id: string; name: string; value: string | undefined; anyLabel: string; options: { value: string; label: string }[] }) {
  const listed = value === undefined || options.some((option) => option.value === value) ? options : [...options, { value, label: value }];
  return (
    <select id={id} name={name} defaultValue={value ?? ""} className={INPUT}>
      <option value="">{anyLabel}</option>
      {listed.map((option) => (
        <option key={option.value} value={option.value}>
          {option.label}
        </option>
      ))}
    </select>
  );
}

/**
 * Renders the history filters as an uncontrolled form. The parent gives it a `key` per applied
 * filter set, so back and forward in the browser reset the fields to the URL's values.
 */
export function HistoryFilterForm({
  filters,
  domains,
  requesters,
  onApply,
}: {
  filters: HistoryFilterParams;
  domains: string[];
  requesters: string[];
  onApply: (filters: HistoryFilterParams) => void;
}) {
  const requesterListId = useId();

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next: HistoryFilterParams = {};
    for (const key of HISTORY_FILTER_KEYS) {
      const value = String(form.get(key) ?? "").trim();
      if (value !== "") next[key] = value;
    }
    onApply(next);
  }

  return (
    <form role="search" aria-label="Filter actions" onSubmit={submit} className="flex flex-col gap-4 rounded-lg border border-slate-200 bg-white p-4">
      <Field label="Search" hint="Target name or identity, justification, incident title or external id">
        {(id, hintId) => <input id={id} name="q" type="search" defaultValue={filters.q ?? ""} maxLength={200} aria-describedby={hintId} className={INPUT} />}
      </Field>
      <div className="flex flex-wrap gap-4">
        <Field label="State">{(id) => <Select id={id} name="state" value={filters.state} anyLabel="Any state" options={STATES.map((state) => ({ value: state, label: humanise(state) }))} />}</Field>
        <Field label="Kind">{(id) => <Select id={id} name="kind" value={filters.kind} anyLabel="Any kind" options={KINDS.map((kind) => ({ value: kind, label: kindLabel(kind) }))} />}</Field>
        <Field label="Domain">{(id) => <Select id={id} name="domain" value={filters.domain} anyLabel="Any domain" options={domains.map((domain) => ({ value: domain, label: domain }))} />}</Field>
      </div>
      <div className="flex flex-wrap gap-4">
        <Field label="Requested by" hint="Workload client name or a person's email">
          {(id, hintId) => (
            <>
              <input id={id} name="requester" type="text" list={requesterListId} defaultValue={filters.requester ?? ""} maxLength={200} aria-describedby={hintId} className={INPUT} />
              <datalist id={requesterListId}>
                {requesters.map((name) => (
                  <option key={name} value={name} />
                ))}
              </datalist>
            </>
          )}
        </Field>
        <Field label="Decided by" hint="Email of a person who approved or rejected">
          {(id, hintId) => <input id={id} name="approver" type="email" defaultValue={filters.approver ?? ""} maxLength={320} aria-describedby={hintId} className={INPUT} />}
        </Field>
        <Field label="Proposed from (UTC)">
          {(id) => <input id={id} name="from" type="date" defaultValue={filters.from && DATE_ONLY.test(filters.from) ? filters.from : ""} className={INPUT} />}
        </Field>
        <Field label="Proposed to (UTC)" hint="Includes the whole day">
          {(id, hintId) => <input id={id} name="to" type="date" defaultValue={filters.to && DATE_ONLY.test(filters.to) ? filters.to : ""} aria-describedby={hintId} className={INPUT} />}
        </Field>
      </div>
      <div className="flex flex-wrap gap-3">
        <Button type="submit" variant="primary">
          Apply filters
        </Button>
        {isFiltered(filters) ? <Button onClick={() => onApply({})}>Clear filters</Button> : null}
      </div>
    </form>
  );
}
