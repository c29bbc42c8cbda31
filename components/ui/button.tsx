import type { ButtonHTMLAttributes } from "react";

export type ButtonVariant = "primary" | "danger" | "secondary";

const VARIANTS: Record<ButtonVariant, string> = {
  primary: "bg-blue-700 text-white hover:bg-blue-800 disabled:bg-blue-300",
  danger: "bg-red-700 text-white hover:bg-red-800 disabled:bg-red-300",
  secondary: "border border-slate-400 bg-white text-slate-900 hover:bg-slate-100 disabled:text-slate-400",
};

/** Class names of a button, for links that look like buttons. */
export function buttonClasses(variant: ButtonVariant = "secondary", extra = ""): string {
  return `inline-flex items-center justify-center gap-2 rounded-md px-4 py-2 text-sm font-semibold disabled:cursor-not-allowed ${VARIANTS[variant]} ${extra}`.trim();
}

/**
 * Renders a native button with the console's look. `type` defaults to "button", so a button
 * inside a form submits only when it is declared `type="submit"`.
 */
export function Button({ variant = "secondary", className = "", type = "button", ...props }: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: ButtonVariant }) {
  return <button type={type} className={buttonClasses(variant, className)} {...props} />;
}
