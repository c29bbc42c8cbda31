/**
 * Services that run beside the web server in one process (the executor, the expiry
 * sweeper). Each registers a stop function so shutdown waits for in-flight work.
 */
type Stop = () => Promise<void>;

const globalForServices = globalThis as unknown as { cordonBackground?: Map<string, Stop> };
const services: Map<string, Stop> = (globalForServices.cordonBackground ??= new Map());

export function registerBackgroundService(name: string, stop: Stop): void {
  services.set(name, stop);
}

export async function stopBackgroundServices(): Promise<void> {
  const stops = [...services.values()];
  services.clear();
  await Promise.allSettled(stops.map((stop) => stop()));
}
