import { z } from "zod";
import { ZProposeActionBody, ZApprovalBody, ZIncidentBody } from "@/lib/actions/schemas";
import { ZListActionsQuery } from "@/lib/actions/list-actions";
const reg = z.registry<{ id: string }>();
reg.add(ZProposeActionBody, { id: "ProposeActionBody" });
reg.add(ZApprovalBody, { id: "ApprovalBody" });
const out = z.toJSONSchema(reg, { io: "input", uri: (id) => `#/components/schemas/${id}`, target: "draft-2020-12", unrepresentable: "any" });
console.log(JSON.stringify(out, null, 1));
console.log(JSON.stringify(z.toJSONSchema(ZListActionsQuery, { io: "input" }), null, 1));
