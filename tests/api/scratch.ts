import { buildOpenApiDocument } from "@/lib/http/openapi";
const doc = buildOpenApiDocument();
console.log(JSON.stringify(doc, null, 1).length);
console.log(JSON.stringify((doc as any).paths["/actions"], null, 1).slice(0, 3000));
console.log(Object.keys((doc as any).components.schemas));
console.log(JSON.stringify((doc as any).components.schemas.Action, null, 1).slice(0, 2500));
