import { LoadingBlock } from "@/components/ui/blocks";

export default function ReviewLoading() {
  return <LoadingBlock label="Loading the action…" />;
}
