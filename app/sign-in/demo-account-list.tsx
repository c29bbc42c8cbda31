import type { DemoAccount } from "@/lib/console/demo-accounts";

/** Lists the demo's accounts with their passwords. The page renders it only when the demo wrote them. */
export function DemoAccountList({ accounts }: { accounts: DemoAccount[] }) {
  return (
    <section aria-labelledby="demo-accounts" className="rounded-lg border border-amber-400 bg-amber-50 p-4 text-amber-950">
      <h2 id="demo-accounts" className="font-semibold">
        Demo accounts
      </h2>
      <p className="mt-1 text-sm">This Cordon runs the demo. Sign in with one of these accounts; they exist only in the demo data.</p>
      <table className="mt-3 w-full text-left text-sm">
        <thead>
          <tr>
            <th scope="col" className="py-1 pr-2 font-semibold">
              Account
            </th>
            <th scope="col" className="py-1 pr-2 font-semibold">
              Password
            </th>
            <th scope="col" className="py-1 font-semibold">
              Roles
            </th>
          </tr>
        </thead>
        <tbody>
          {accounts.map((account) => (
            <tr key={account.email} className="border-t border-amber-300 align-top">
              <td className="py-1 pr-2">
                <span className="block font-medium">{account.displayName}</span>
                <span className="block break-all font-mono text-xs">{account.email}</span>
              </td>
              <td className="py-1 pr-2 break-all font-mono text-xs">{account.password}</td>
              <td className="py-1">{account.roles.join(", ") || "none"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
