import { Badge } from "@/components/ui/badge";
import { EmptyBlock } from "@/components/ui/blocks";
import { formatUtc } from "@/components/ui/format";
import type { UserSettingsRow } from "@/lib/settings/load-settings";

const SIGN_IN: Record<UserSettingsRow["signIn"], string> = { password: "password", oidc: "single sign-on", "password and oidc": "password and single sign-on", none: "none" };

function Status({ user }: { user: UserSettingsRow }) {
  if (user.disabled) return <Badge tone="danger">Disabled</Badge>;
  if (user.locked && user.lockedUntil) {
    return (
      <>
        <Badge tone="warning">Locked</Badge>
        <span className="block text-xs text-slate-700">until {formatUtc(user.lockedUntil)}</span>
      </>
    );
  }
  return <Badge tone="success">Active</Badge>;
}

/** People who sign in to the console, with their roles and sign-in state. */
export function UserTable({ users }: { users: UserSettingsRow[] }) {
  if (users.length === 0) return <EmptyBlock title="No people are registered." />;
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">People, by email</caption>
        <thead className="bg-slate-100 text-slate-800">
          <tr>
            <th scope="col" className="px-3 py-2 font-semibold">
              Email
            </th>
            <th scope="col" className="px-3 py-2 font-semibold">
              Name
            </th>
            <th scope="col" className="px-3 py-2 font-semibold">
              Roles
            </th>
            <th scope="col" className="px-3 py-2 font-semibold">
              Sign-in
            </th>
            <th scope="col" className="px-3 py-2 font-semibold">
              Status
            </th>
            <th scope="col" className="px-3 py-2 font-semibold">
              Last sign-in
            </th>
          </tr>
        </thead>
        <tbody>
          {users.map((user) => (
            <tr key={user.id} className="border-t border-slate-200 align-top">
              <th scope="row" className="break-all px-3 py-3 text-left font-normal">
                <bdi>{user.email}</bdi>
              </th>
              <td className="px-3 py-3">
                <bdi>{user.displayName}</bdi>
              </td>
              <td className="px-3 py-3">{user.roles.length > 0 ? user.roles.join(", ") : "none"}</td>
              <td className="px-3 py-3">{SIGN_IN[user.signIn]}</td>
              <td className="px-3 py-3">
                <Status user={user} />
              </td>
              <td className="whitespace-nowrap px-3 py-3">{user.lastSignInAt ? formatUtc(user.lastSignInAt) : "never"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
