import { getPrisma, type Db } from "@/lib/db/client";
import type { Logger } from "@/lib/log/logger";
import { csvHeader, toCsvRecord } from "./export-csv";
import type { HistoryItem } from "./history-item";
import { toOcsfLine } from "./ocsf-export";
import { MAX_HISTORY_LIMIT, type HistoryFilters } from "./schemas";
import { searchActions, type HistoryPage } from "./search-actions";

export const EXPORT_FORMATS = ["csv", "ocsf"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

interface FormatSpec {
  contentType: string;
  extension: string;
  header: string;
  line: (item: HistoryItem) => string;
}

const FORMATS: Record<ExportFormat, FormatSpec> = {
  csv: { contentType: "text/csv; charset=utf-8; header=present", extension: "csv", header: csvHeader(), line: toCsvRecord },
  ocsf: { contentType: "application/x-ndjson; charset=utf-8", extension: "ndjson", header: "", line: toOcsfLine },
};

export interface ActionExport {
  contentType: string;
  /** A file name with the export time, for Content-Disposition. */
  fileName: string;
  stream: ReadableStream<Uint8Array>;
}

export interface ExportOptions {
  db?: Db;
  logger: Logger;
  now: Date;
}

/**
 * Exports every action that matches `filters`, newest proposal first, as a stream that reads
 * one page of MAX_HISTORY_LIMIT actions at a time when the consumer asks for more, so memory
 * stays bounded whatever the size of the history. The first page is read before returning,
 * so an invalid filter or an unreachable database fails the request instead of the download.
 */
export async function exportActions(format: ExportFormat, filters: HistoryFilters, options: ExportOptions): Promise<ActionExport> {
  const db = options.db ?? getPrisma();
  const spec = FORMATS[format];
  const first = await searchActions({ ...filters, limit: MAX_HISTORY_LIMIT }, { db });
  const logger = options.logger.child({ export: format });
  logger.info({ filters: Object.keys(filters).filter((key) => filters[key as keyof HistoryFilters] !== undefined) }, "action export started");

  let exported = 0;
  async function* chunks(): AsyncGenerator<string> {
    if (spec.header) yield spec.header;
    let page: HistoryPage = first;
    for (;;) {
      exported += page.items.length;
      yield page.items.map(spec.line).join("");
      if (page.nextCursor === null) return;
      page = await searchActions({ ...filters, cursor: page.nextCursor, limit: MAX_HISTORY_LIMIT }, { db });
    }
  }

  const iterator = chunks();
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        // Empty pages yield "", and a pull that enqueues nothing would not be called again.
        for (;;) {
          const next = await iterator.next();
          if (next.done) {
            logger.info({ actions: exported }, "action export finished");
            controller.close();
            return;
          }
          if (next.value !== "") {
            controller.enqueue(encoder.encode(next.value));
            return;
          }
        }
      } catch (error) {
        // The response headers are already sent; the client sees a truncated download.
        logger.error({ err: error, actions: exported }, "action export failed while streaming");
        controller.error(error);
      }
    },
    async cancel() {
      logger.warn({ actions: exported }, "action export cancelled by the client");
      await iterator.return(undefined);
    },
  });

  const stamp = options.now.toISOString().replace(/\.\d{3}Z$/, "Z").replaceAll(/[-:]/g, "");
  return { contentType: spec.contentType, fileName: `cordon-actions-${stamp}.${spec.extension}`, stream };
}

/** The HTTP response of an export: a download that no cache keeps. */
export function exportResponse(file: ActionExport): Response {
  return new Response(file.stream, {
    status: 200,
    headers: {
      "content-type": file.contentType,
      "content-disposition": `attachment; filename="${file.fileName}"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
}
