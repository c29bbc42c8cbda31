import Link from "next/link";

/** Shown for an action id that does not exist. */
export default function ActionNotFound() {
  return (
    <div className="flex flex-col gap-4">
      <h1 className="text-2xl font-semibold">Action not found</h1>
      <p className="text-slate-700">No action has this id. It may have been mistyped, or the link may point to another Cordon installation.</p>
      <Link href="/" className="text-blue-800 underline underline-offset-2">
        Back to the queue
      </Link>
    </div>
  );
}
