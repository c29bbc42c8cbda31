export const dynamic = "force-dynamic";

export default function HomePage() {
  return (
    <main className="mx-auto max-w-3xl p-8">
      <h1 className="text-2xl font-semibold">Cordon</h1>
      <p className="mt-2 text-slate-700">Approval console for delegated identity incident response.</p>
    </main>
  );
}
